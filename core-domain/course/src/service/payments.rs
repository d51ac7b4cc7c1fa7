//! Payments: confirming through the gateway, settling extra charges, refunds, webhooks.

use super::*;

impl CourseService {
    /// Confirms the payment of a hold with the gateway (amount from the hold, computed by the
    /// server) → COMPLETED. If the hold was released, or paid with another key, while the
    /// gateway worked, the charge is refunded and the caller told so.
    pub async fn pay(&self, user_id: i64, id: i64, payment_key: &str) -> Result<Enrollment, CourseError> {
        let payment_key = payment_key.trim();
        if payment_key.is_empty() || payment_key.chars().count() > 200 {
            return Err(CourseError::Invalid { field: "paymentKey", reason: "must be 1 to 200 characters".into() });
        }
        let e = self.enrollment(user_id, id).await?;
        match e.status {
            EnrollmentStatus::PendingPayment => {}
            EnrollmentStatus::Completed if e.payment_key.as_deref() == Some(payment_key) || e.amount == 0 => {
                return Ok(e);
            }
            EnrollmentStatus::Completed => return Err(CourseError::AlreadyPaid(id)),
            EnrollmentStatus::Expired => return Err(CourseError::HoldExpired(id)),
            other => return Err(CourseError::NotPayable { id, status: other.as_str() }),
        }
        let approval = match self.ports.gateway.confirm(payment_key, &e.order_id, e.amount).await {
            Ok(approval) => approval,
            Err(GatewayError::Declined { code, message }) => {
                return Err(CourseError::PaymentDeclined { code, message });
            }
            Err(GatewayError::Unavailable(err)) => return Err(err.into()),
        };
        let PaymentApproval { payment_key: charged, order_id, amount } = approval;
        if order_id != e.order_id || amount != e.amount {
            // The adapter checks this too; a payment of another order or amount never pays this one.
            tracing::error!(enrollment = id, %order_id, amount, "the gateway approved another order or amount");
            return Err(CourseError::PaymentDeclined {
                code: "PAYMENT_MISMATCH".into(),
                message: "the payment belongs to another order or amount".into(),
            });
        }
        self.settle_paid(&e, &charged, amount).await
    }

    /// A charge captured for `e`: it becomes the enrollment's payment, or — the seat went back,
    /// or another payment got there first — a due refund, cancelled through the gateway once.
    pub(super) async fn settle_paid(
        &self,
        e: &Enrollment,
        payment_key: &str,
        amount: i64,
    ) -> Result<Enrollment, CourseError> {
        let now = self.now();
        match self.ports.ledger.complete(e.id, payment_key, amount, now).await {
            Ok(Some(done)) => return Ok(done),
            Ok(None) => {}
            // The key already pays another enrollment: not this one's to record or refund.
            Err(PortError::Duplicate(_)) => {
                return Err(CourseError::PaymentDeclined {
                    code: "PAYMENT_KEY_IN_USE".into(),
                    message: "the payment key already pays another enrollment".into(),
                });
            }
            Err(err) => return Err(err.into()),
        }
        let current = self.ports.ledger.find(e.id).await?.ok_or(CourseError::EnrollmentNotFound(e.id))?;
        if current.status == EnrollmentStatus::Completed && current.payment_key.as_deref() == Some(payment_key) {
            return Ok(current);
        }
        let reason = if current.status == EnrollmentStatus::Completed {
            "the enrollment was already paid with another payment"
        } else {
            "the seat hold ended before the payment"
        };
        self.refund_extra(e.id, payment_key, amount, reason).await?;
        Err(match current.status {
            EnrollmentStatus::Completed => CourseError::AlreadyPaid(e.id),
            EnrollmentStatus::Expired => CourseError::HoldExpired(e.id),
            other => CourseError::NotPayable { id: e.id, status: other.as_str() },
        })
    }

    /// Records a charge that is not `id`'s payment as due a refund (durably, first: a crash or a
    /// gateway outage leaves it to the sweep) and, if this call recorded it, tries the refund now.
    pub(super) async fn refund_extra(
        &self,
        id: i64,
        payment_key: &str,
        amount: i64,
        reason: &str,
    ) -> Result<(), CourseError> {
        let now = self.now();
        if !self.ports.ledger.refund_due(id, payment_key, amount, now, now + REFUND_CLAIM).await? {
            return Ok(());
        }
        match self.ports.gateway.cancel(payment_key, reason).await {
            Ok(()) => self.ports.ledger.refund_done(payment_key, self.now()).await?,
            Err(err) => {
                tracing::warn!(%err, enrollment = id, "refund of an extra charge failed; the sweep retries it");
                self.ports.ledger.refund_failed(payment_key, self.now()).await?;
            }
        }
        Ok(())
    }

    pub(super) async fn refund(&self, e: Enrollment) -> Result<Enrollment, CourseError> {
        let Some(key) = e.payment_key.clone().filter(|_| e.amount > 0) else {
            // A free seat: nothing was charged, so nothing to refund.
            return match self.release_seat(e.id, Transition::CANCEL_FREE, self.now()).await? {
                Some(done) => Ok(done),
                None => self.enrollment(e.user_id, e.id).await,
            };
        };
        match self.ports.gateway.cancel(&key, "cancelled by the student").await {
            Ok(()) => {}
            Err(GatewayError::Declined { code, message }) => {
                return Err(CourseError::PaymentDeclined { code, message });
            }
            Err(GatewayError::Unavailable(err)) => return Err(err.into()),
        }
        match self.release_seat(e.id, Transition::REFUND, self.now()).await? {
            Some(done) => Ok(done),
            None => self.enrollment(e.user_id, e.id).await,
        }
    }

    /// Applies a signed gateway webhook: a payment done at the gateway completes its hold (or
    /// is refunded if the seat went back or another payment paid it); the enrollment's own
    /// payment cancelled in full at the gateway releases the seat; a partial cancel keeps it.
    /// Returns the enrollment it touched, if any.
    pub async fn webhook(
        &self,
        signature: &str,
        transmission_time: &str,
        body: &[u8],
    ) -> Result<Option<Enrollment>, CourseError> {
        let event = self
            .ports
            .gateway
            .verify_webhook(signature, transmission_time, body, self.now())
            .map_err(CourseError::BadSignature)?;
        let Some(e) = self.ports.ledger.by_order(&event.order_id).await? else {
            tracing::info!(order = %event.order_id, "webhook for an unknown order; ignored");
            return Ok(None);
        };
        let own_payment = e.payment_key.as_deref() == Some(event.payment_key.as_str());
        match (event.status, e.status) {
            (GatewayStatus::Done, EnrollmentStatus::Completed) if own_payment => Ok(Some(e)),
            // Paid at the gateway: complete the hold, or refund a charge that is not the
            // enrollment's payment (recorded once per key, so a resent webhook changes nothing).
            (GatewayStatus::Done, _) => match self.settle_paid(&e, &event.payment_key, e.amount).await {
                Ok(done) => Ok(Some(done)),
                Err(
                    CourseError::HoldExpired(_)
                    | CourseError::AlreadyPaid(_)
                    | CourseError::NotPayable { .. }
                    | CourseError::PaymentDeclined { .. },
                ) => Ok(self.ports.ledger.find(e.id).await?),
                Err(err) => Err(err),
            },
            (GatewayStatus::Canceled, EnrollmentStatus::Completed) if own_payment => {
                Ok(self.release_seat(e.id, Transition::REFUND, self.now()).await?.or(Some(e)))
            }
            // Another charge of this order was cancelled: if it was a due refund, it is done.
            (GatewayStatus::Canceled, _) => {
                self.ports.ledger.refund_done(&event.payment_key, self.now()).await?;
                Ok(Some(e))
            }
            (GatewayStatus::PartiallyCanceled, _) => {
                tracing::warn!(
                    enrollment = e.id,
                    payment_key = %event.payment_key,
                    "payment partially cancelled at the gateway; the seat stays (settle the rest by hand)"
                );
                Ok(Some(e))
            }
            (GatewayStatus::Other, _) => Ok(Some(e)),
        }
    }
}

//! The seat ledger: holds, payments, charges and releases, each one conditional transaction.

use super::audit::audit_in;
use super::rows::*;
use super::*;
use cercat_course::gate::SeatFacts;

/// Seats and enrollments on the database.
#[derive(Clone, Debug)]
pub struct SqlSeatLedger {
    db: Db,
}

impl SqlSeatLedger {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

impl SqlSeatLedger {
    async fn live(&self, course_id: i64, user_id: i64) -> Result<Option<Enrollment>, PortError> {
        let row = self
            .db
            .run(
                enrollment::Entity::find()
                    .filter(enrollment::Column::CourseId.eq(course_id))
                    .filter(enrollment::Column::UserId.eq(user_id))
                    .filter(enrollment::Column::Live.eq(1))
                    .one(self.db.conn()),
            )
            .await?;
        row.map(to_enrollment).transpose()
    }
}

#[async_trait]
impl SeatLedger for SqlSeatLedger {
    async fn try_hold(&self, hold: &NewHold) -> Result<HoldOutcome, PortError> {
        // The common "already enrolled" retry answers without touching the seat counter.
        if let Some(existing) = self.live(hold.course_id, hold.user_id).await? {
            return Ok(HoldOutcome::AlreadyEnrolled(existing));
        }
        // Most of a surge arrives after the last seat went: a plain read tells them so without
        // taking the row (or SQLite's write) lock. It can only err towards "sold out" for the
        // instant a seat is being given back; the conditional update below is the guard.
        let seats: Option<(i32, i32)> = self
            .db
            .run(
                course::Entity::find_by_id(hold.course_id)
                    .select_only()
                    .columns([course::Column::SeatsTaken, course::Column::Capacity])
                    .into_tuple()
                    .one(self.db.conn()),
            )
            .await?;
        match seats {
            None => return Ok(HoldOutcome::NoCourse),
            Some((taken, capacity)) if taken >= capacity => return Ok(HoldOutcome::SoldOut),
            Some(_) => {}
        }
        let outcome = self
            .db
            .write_with_events(|| async move {
                let txn = self.db.begin_write().await?;
                if move_seats(&txn, hold.course_id, 1).await? == 0 {
                    let exists = course::Entity::find_by_id(hold.course_id).count(&txn).await? > 0;
                    return Ok(Some(if exists { HoldOutcome::SoldOut } else { HoldOutcome::NoCourse }));
                }
                if !hold.status.is_live() {
                    return Err(corrupt(PortError::Corrupt(format!("a hold cannot start {:?}", hold.status))));
                }
                let row = enrollment::ActiveModel {
                    course_id: Set(hold.course_id),
                    user_id: Set(hold.user_id),
                    status: Set(hold.status.as_str().to_owned()),
                    live: Set(Some(1)),
                    amount: Set(hold.amount),
                    order_id: Set(hold.order_id.clone()),
                    hold_deadline: Set(hold.deadline),
                    payment_key: Set(None),
                    refund_due: Set(false),
                    created_at: Set(hold.at),
                    updated_at: Set(hold.at),
                    ..Default::default()
                };
                let id = match enrollment::Entity::insert(row).exec(&txn).await {
                    Ok(r) => r.last_insert_id,
                    // A live enrollment of this user won the race: dropping the transaction
                    // gives the seat back.
                    Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                        return Ok(None);
                    }
                    Err(err) => return Err(err),
                };
                let spent_at = (hold.status == EnrollmentStatus::Completed).then_some(hold.at);
                let owner = Checkout::Enrollment(id).key();
                if let Some(taken) = coupons::reserve_in(&txn, hold.user_id, &hold.coupons, &owner, spent_at).await? {
                    // Dropping the transaction gives the seat back and removes the enrollment.
                    return Ok(Some(HoldOutcome::CouponTaken(taken)));
                }
                let held = enrollment::Entity::find_by_id(id)
                    .one(&txn)
                    .await?
                    .ok_or_else(|| sea_orm::DbErr::RecordNotFound(format!("enrollment {id}")))?;
                let held = to_enrollment(held).map_err(corrupt)?;
                let certificate = certificate_of(&txn, hold.course_id).await?;
                append_event(&txn, &events::transition(&held, certificate), hold.at).await?;
                txn.commit().await?;
                Ok(Some(HoldOutcome::Held(held)))
            })
            .await?;
        match outcome {
            Some(outcome) => Ok(outcome),
            // The insert hit the live-enrollment key: read the winner now the transaction is gone.
            None => match self.live(hold.course_id, hold.user_id).await? {
                Some(existing) => Ok(HoldOutcome::AlreadyEnrolled(existing)),
                // Released in between: let the caller try again.
                None => Err(PortError::Duplicate(format!("enrollment of user {} changed meanwhile", hold.user_id))),
            },
        }
    }

    async fn find(&self, id: i64) -> Result<Option<Enrollment>, PortError> {
        self.db.run(enrollment::Entity::find_by_id(id).one(self.db.conn())).await?.map(to_enrollment).transpose()
    }

    async fn by_order(&self, order_id: &str) -> Result<Option<Enrollment>, PortError> {
        self.db
            .run(enrollment::Entity::find().filter(enrollment::Column::OrderId.eq(order_id)).one(self.db.conn()))
            .await?
            .map(to_enrollment)
            .transpose()
    }

    async fn for_user(&self, user_id: i64) -> Result<Vec<Enrollment>, PortError> {
        self.db
            .run(
                enrollment::Entity::find()
                    .filter(enrollment::Column::UserId.eq(user_id))
                    .order_by_desc(enrollment::Column::Id)
                    .limit(100)
                    .all(self.db.conn()),
            )
            .await?
            .into_iter()
            .map(to_enrollment)
            .collect()
    }

    async fn complete(
        &self,
        id: i64,
        payment_key: &str,
        amount: i64,
        at: DateTime<Utc>,
    ) -> Result<Option<Enrollment>, PortError> {
        self.db
            .write_with_events(|| async move {
                let txn = self.db.begin_write().await?;
                let pay = Transition::PAY;
                let moved = enrollment::Entity::update_many()
                    .col_expr(enrollment::Column::Status, Expr::value(pay.to().as_str()))
                    .col_expr(enrollment::Column::PaymentKey, Expr::value(payment_key))
                    .col_expr(enrollment::Column::UpdatedAt, Expr::value(at))
                    .filter(enrollment::Column::Id.eq(id))
                    .filter(enrollment::Column::Status.eq(pay.from().as_str()))
                    .exec(&txn)
                    .await?;
                if moved.rows_affected == 0 {
                    return Ok(None);
                }
                let course_id = course_of(&txn, id).await?;
                record_charge(&txn, id, course_id, payment_key, amount, PAYMENT, at, at).await?;
                coupons::spend_in(&txn, &Checkout::Enrollment(id).key(), at).await?;
                transitioned(txn, id, at).await
            })
            .await
    }

    async fn release(
        &self,
        id: i64,
        transition: Transition,
        at: DateTime<Utc>,
    ) -> Result<Option<Enrollment>, PortError> {
        let (from, to, seats) = (transition.from(), transition.to(), transition.seats_change());
        self.db
            .write_with_events(|| async move {
                let txn = self.db.begin_write().await?;
                let moved = enrollment::Entity::update_many()
                    .col_expr(enrollment::Column::Status, Expr::value(to.as_str()))
                    .col_expr(enrollment::Column::Live, Expr::value(to.is_live().then_some(1i16)))
                    .col_expr(enrollment::Column::UpdatedAt, Expr::value(at))
                    .filter(enrollment::Column::Id.eq(id))
                    .filter(enrollment::Column::Status.eq(from.as_str()))
                    .exec(&txn)
                    .await?;
                if moved.rows_affected == 0 {
                    return Ok(None);
                }
                coupons::give_back_in(&txn, &Checkout::Enrollment(id).key()).await?;
                let course_id = course_of(&txn, id).await?;
                // The seat moves with the transition or neither commits: dropping the
                // transaction rolls the status change back.
                if seats != 0 && move_seats(&txn, course_id, seats).await? != 1 {
                    return Err(corrupt(PortError::Corrupt(format!(
                        "course {course_id}'s seat counter cannot move by {seats} for enrollment {id} ({from:?} → {to:?})"
                    ))));
                }
                if transition.refunds_payment() {
                    let key: Option<String> = enrollment::Entity::find_by_id(id)
                        .select_only()
                        .column(enrollment::Column::PaymentKey)
                        .into_tuple()
                        .one(&txn)
                        .await?
                        .flatten();
                    if let Some(key) = key {
                        payment_charge::Entity::update_many()
                            .col_expr(payment_charge::Column::State, Expr::value(REFUNDED))
                            .col_expr(payment_charge::Column::UpdatedAt, Expr::value(at))
                            .filter(payment_charge::Column::PaymentKey.eq(key))
                            .exec(&txn)
                            .await?;
                    }
                }
                transitioned(txn, id, at).await
            })
            .await
    }

    async fn refund_due(
        &self,
        id: i64,
        payment_key: &str,
        amount: i64,
        at: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        let course_id = self.db.run(course_of(self.db.conn(), id)).await?;
        let recorded = self
            .db
            .write(|| record_charge(self.db.conn(), id, course_id, payment_key, amount, REFUND_DUE, claimed_until, at))
            .await;
        match recorded {
            Ok(()) => Ok(true),
            // Already recorded (due, refunded, or some enrollment's payment): once per key.
            Err(PortError::Duplicate(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn refund_failed(&self, payment_key: &str, retry_at: DateTime<Utc>) -> Result<(), PortError> {
        self.db
            .write(|| {
                payment_charge::Entity::update_many()
                    .col_expr(payment_charge::Column::ClaimedUntil, Expr::value(retry_at))
                    .filter(payment_charge::Column::PaymentKey.eq(payment_key))
                    .filter(payment_charge::Column::State.eq(REFUND_DUE))
                    .exec(self.db.conn())
            })
            .await?;
        Ok(())
    }

    async fn refund_done(&self, payment_key: &str, at: DateTime<Utc>) -> Result<(), PortError> {
        self.db
            .write(|| {
                payment_charge::Entity::update_many()
                    .col_expr(payment_charge::Column::State, Expr::value(REFUNDED))
                    .col_expr(payment_charge::Column::UpdatedAt, Expr::value(at))
                    .filter(payment_charge::Column::PaymentKey.eq(payment_key))
                    .filter(payment_charge::Column::State.eq(REFUND_DUE))
                    .exec(self.db.conn())
            })
            .await?;
        Ok(())
    }

    async fn claim_refunds(
        &self,
        now: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueRefund>, PortError> {
        let candidates = self
            .db
            .run(
                payment_charge::Entity::find()
                    .filter(payment_charge::Column::State.eq(REFUND_DUE))
                    .filter(payment_charge::Column::ClaimedUntil.lt(now))
                    .order_by_asc(payment_charge::Column::Id)
                    .limit(u64::from(limit))
                    .all(self.db.conn()),
            )
            .await?;
        let mut claimed = Vec::with_capacity(candidates.len());
        for c in candidates {
            // Conditional on the claim having lapsed: of two sweeps, one gets each refund.
            let took = self
                .db
                .write(|| {
                    payment_charge::Entity::update_many()
                        .col_expr(payment_charge::Column::ClaimedUntil, Expr::value(claimed_until))
                        .col_expr(payment_charge::Column::Attempts, Expr::col(payment_charge::Column::Attempts).add(1))
                        .col_expr(payment_charge::Column::UpdatedAt, Expr::value(now))
                        .filter(payment_charge::Column::Id.eq(c.id))
                        .filter(payment_charge::Column::State.eq(REFUND_DUE))
                        .filter(payment_charge::Column::ClaimedUntil.lt(now))
                        .exec(self.db.conn())
                })
                .await?;
            if took.rows_affected == 1 {
                claimed.push(DueRefund {
                    enrollment_id: c.enrollment_id,
                    payment_key: c.payment_key,
                    amount: c.amount,
                });
            }
        }
        Ok(claimed)
    }

    async fn overdue(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Enrollment>, PortError> {
        self.db
            .run(
                enrollment::Entity::find()
                    .filter(enrollment::Column::Status.eq(EnrollmentStatus::PendingPayment.as_str()))
                    .filter(enrollment::Column::HoldDeadline.lt(now))
                    .order_by_asc(enrollment::Column::HoldDeadline)
                    .limit(u64::from(limit))
                    .all(self.db.conn()),
            )
            .await?
            .into_iter()
            .map(to_enrollment)
            .collect()
    }

    async fn audit(&self, course_id: i64, now: DateTime<Utc>) -> Result<Option<InvariantReport>, PortError> {
        // One read-only snapshot for every count: read one by one, a release committing
        // between the counter and the enrollments made a sound course look one seat off.
        self.db
            .run(async move {
                let txn = self.db.begin_snapshot().await?;
                let report = audit_in(&txn, course_id, now).await?;
                txn.commit().await?;
                Ok(report)
            })
            .await
    }

    async fn seat_facts(&self, course_id: i64) -> Result<Option<SeatFacts>, PortError> {
        // The counter and the holders in one snapshot, so a hold committing meanwhile is in
        // both or in neither.
        self.db
            .run(async move {
                let txn = self.db.begin_snapshot().await?;
                let seats: Option<(i32, i32)> = course::Entity::find_by_id(course_id)
                    .select_only()
                    .columns([course::Column::SeatsTaken, course::Column::Capacity])
                    .into_tuple()
                    .one(&txn)
                    .await?;
                let Some((taken, capacity)) = seats else {
                    txn.commit().await?;
                    return Ok(None);
                };
                let holders: Vec<i64> = enrollment::Entity::find()
                    .select_only()
                    .column(enrollment::Column::UserId)
                    .filter(enrollment::Column::CourseId.eq(course_id))
                    .filter(enrollment::Column::Live.eq(1))
                    .into_tuple()
                    .all(&txn)
                    .await?;
                txn.commit().await?;
                let free = u32::try_from(capacity.saturating_sub(taken)).unwrap_or(0);
                Ok(Some(SeatFacts { free, holders }))
            })
            .await
    }
}

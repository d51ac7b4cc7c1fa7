//! [`SimulatedGateway`]: an in-process payment gateway for embedded mode and local runs. It keeps
//! payments in memory, answers after a configurable latency, declines a configurable share of
//! confirms, and always declines payment keys starting with `fail-`.

use async_trait::async_trait;
use cercat_course::ports::{GatewayError, PaymentApproval, PaymentGateway, WebhookEvent};
use chrono::{DateTime, Utc};
use std::{
    collections::HashMap,
    sync::{
        Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use crate::webhook;

/// How the simulator behaves.
#[derive(Clone)]
pub struct SimulatorOptions {
    /// How long every confirm and cancel takes.
    pub latency: Duration,
    /// Probability (0 to 1) that a confirm of a new payment is declined with
    /// `REJECT_CARD_PAYMENT`; values outside the range are clamped.
    pub failure_rate: f64,
    /// The secret webhooks are signed with (see [`sign_webhook`](crate::sign_webhook)).
    pub webhook_secret: String,
}

impl std::fmt::Debug for SimulatorOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatorOptions")
            .field("latency", &self.latency)
            .field("failure_rate", &self.failure_rate)
            .field("webhook_secret", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Clone)]
struct Payment {
    order_id: String,
    amount: i64,
    cancelled: bool,
}

/// The simulated adapter of [`PaymentGateway`]. Approved payments live as long as the value.
#[derive(Debug)]
pub struct SimulatedGateway {
    options: SimulatorOptions,
    payments: Mutex<HashMap<String, Payment>>,
    counter: AtomicU64,
    salt: u64,
}

/// Code of a declined card (random declines and `fail-` keys).
const REJECTED: &str = "REJECT_CARD_PAYMENT";

fn declined(code: &str, message: impl Into<String>) -> GatewayError {
    GatewayError::Declined { code: code.to_owned(), message: message.into() }
}

/// splitmix64: a tiny, good-enough mixer for simulated declines.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// FNV-1a of a string.
fn hash(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3))
}

/// A confirm of a key the simulator already approved.
fn again(existing: &Payment, payment_key: &str, order_id: &str, amount: i64) -> Result<PaymentApproval, GatewayError> {
    if existing.order_id != order_id {
        return Err(declined("DUPLICATED_PAYMENT_KEY", "payment key already used for another order"));
    }
    if existing.cancelled {
        return Err(declined("ALREADY_CANCELED_PAYMENT", "payment was cancelled"));
    }
    if existing.amount != amount {
        return Err(declined(
            "AMOUNT_MISMATCH",
            format!("approved {} for this order, asked {amount}", existing.amount),
        ));
    }
    Ok(PaymentApproval { payment_key: payment_key.to_owned(), order_id: order_id.to_owned(), amount })
}

impl SimulatedGateway {
    /// A simulator with no payments yet.
    pub fn new(options: SimulatorOptions) -> Self {
        let salt = uuid::Uuid::new_v4().as_u64_pair().0;
        Self { options, payments: Mutex::new(HashMap::new()), counter: AtomicU64::new(0), salt }
    }

    /// Whether this confirm attempt should be declined at random.
    fn roll_decline(&self, payment_key: &str) -> bool {
        let rate = if self.options.failure_rate.is_nan() { 0.0 } else { self.options.failure_rate.clamp(0.0, 1.0) };
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let x = mix(hash(payment_key) ^ self.salt ^ mix(n));
        // 53 random bits → [0, 1).
        let sample = (x >> 11) as f64 / (1u64 << 53) as f64;
        sample < rate
    }

    /// Every payment approved so far, as (payment key, order id, amount, cancelled): what the
    /// gateway captured, for checks that every charge was kept or refunded.
    pub fn charges(&self) -> Vec<(String, String, i64, bool)> {
        let mut all: Vec<_> =
            self.payments().iter().map(|(key, p)| (key.clone(), p.order_id.clone(), p.amount, p.cancelled)).collect();
        all.sort();
        all
    }

    fn payments(&self) -> std::sync::MutexGuard<'_, HashMap<String, Payment>> {
        self.payments.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl PaymentGateway for SimulatedGateway {
    /// Declines `fail-…` keys and a `failure_rate` share of new payments (`REJECT_CARD_PAYMENT`),
    /// non-positive amounts (`INVALID_AMOUNT`), a key already used for another order
    /// (`DUPLICATED_PAYMENT_KEY`) or amount (`AMOUNT_MISMATCH`), and a cancelled payment
    /// (`ALREADY_CANCELED_PAYMENT`). Confirming the same key for the same order again succeeds.
    async fn confirm(&self, payment_key: &str, order_id: &str, amount: i64) -> Result<PaymentApproval, GatewayError> {
        tokio::time::sleep(self.options.latency).await;
        if payment_key.starts_with("fail-") {
            return Err(declined(REJECTED, "card declined (simulated fail- key)"));
        }
        if amount <= 0 {
            return Err(declined("INVALID_AMOUNT", format!("amount must be positive, got {amount}")));
        }
        if let Some(existing) = self.payments().get(payment_key) {
            return again(existing, payment_key, order_id, amount);
        }
        if self.roll_decline(payment_key) {
            tracing::info!(payment_key, order_id, "simulated gateway: declined at random");
            return Err(declined(REJECTED, "card declined (simulated)"));
        }
        let mut payments = self.payments();
        if let Some(existing) = payments.get(payment_key) {
            // Another confirm of the same key won while the lock was released.
            return again(existing, payment_key, order_id, amount);
        }
        payments.insert(payment_key.to_owned(), Payment { order_id: order_id.to_owned(), amount, cancelled: false });
        tracing::debug!(payment_key, order_id, amount, "simulated gateway: approved");
        Ok(PaymentApproval { payment_key: payment_key.to_owned(), order_id: order_id.to_owned(), amount })
    }

    /// Unknown key → `NOT_FOUND_PAYMENT`; an already cancelled payment succeeds again.
    async fn cancel(&self, payment_key: &str, reason: &str) -> Result<(), GatewayError> {
        tokio::time::sleep(self.options.latency).await;
        let mut payments = self.payments();
        let Some(payment) = payments.get_mut(payment_key) else {
            return Err(declined("NOT_FOUND_PAYMENT", "no such payment"));
        };
        if !payment.cancelled {
            payment.cancelled = true;
            tracing::debug!(payment_key, reason, "simulated gateway: cancelled");
        }
        Ok(())
    }

    fn verify_webhook(
        &self,
        signature: &str,
        transmission_time: &str,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<WebhookEvent, &'static str> {
        webhook::verify(&self.options.webhook_secret, signature, transmission_time, body, now)
    }
}

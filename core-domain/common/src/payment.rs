//! The payment-gateway port every checkout pays through (prep-course enrollments, market
//! orders): Toss-style confirm, cancel and signed webhooks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::PortError;

/// A payment the gateway approved (as the gateway reports it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentApproval {
    /// The gateway's key for the captured payment (the one asked for, or — when the
    /// gateway replays an earlier confirm of the same order — the one that order was paid with).
    pub payment_key: String,
    /// The order the payment belongs to.
    pub order_id: String,
    /// The amount approved, won.
    pub amount: i64,
}

/// Why the gateway did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// The gateway refused (card declined, amount mismatch, unknown payment…).
    #[error("{code}: {message}")]
    Declined {
        /// Its code.
        code: String,
        /// Its message.
        message: String,
    },
    /// The gateway could not be reached or timed out; the outcome is unknown, try again
    /// (confirm is idempotent at the gateway per order, cancel per payment key).
    #[error(transparent)]
    Unavailable(#[from] PortError),
}

/// What a verified webhook says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// The gateway's payment key.
    pub payment_key: String,
    /// Our order id.
    pub order_id: String,
    /// The payment's status at the gateway.
    pub status: GatewayStatus,
}

/// A payment's status at the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayStatus {
    /// Approved and captured (`DONE`).
    Done,
    /// Cancelled or refunded in full (`CANCELED`).
    Canceled,
    /// Part of the amount refunded (`PARTIAL_CANCELED`): the rest is still paid.
    PartiallyCanceled,
    /// Anything else (waiting, aborted, expired): nothing to sync.
    Other,
}

/// A payment gateway (Toss-style: the client obtains a payment key from the gateway's
/// widget; the server confirms it with the amount it computed, cancels to refund, and
/// receives signed webhooks).
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Confirms (captures) `payment_key` for `order_id` and `amount`. Confirming a payment the
    /// gateway already approved for this order and amount succeeds again; a key that belongs
    /// to another order, or was approved for another amount, is [`GatewayError::Declined`].
    /// Retries of one order's confirm are idempotent at the gateway (keyed by the order).
    async fn confirm(&self, payment_key: &str, order_id: &str, amount: i64) -> Result<PaymentApproval, GatewayError>;
    /// Cancels (refunds) the payment in full. Cancelling an already cancelled payment succeeds.
    async fn cancel(&self, payment_key: &str, reason: &str) -> Result<(), GatewayError>;
    /// Verifies a webhook's signature (`signature` and `transmission_time` headers over the
    /// raw body) and reads it; the error says what did not verify.
    fn verify_webhook(
        &self,
        signature: &str,
        transmission_time: &str,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<WebhookEvent, &'static str>;
}

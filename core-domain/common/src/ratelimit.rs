//! Fixed-window counters shared by every instance (throttling logins, codes…).

use async_trait::async_trait;
use std::time::Duration;

use crate::PortError;

/// Whether an action may proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    /// Under the limit.
    Allowed,
    /// Over the limit until the window ends.
    Limited {
        /// Time until the window resets.
        retry_after: Duration,
    },
}

/// Counters in fixed windows (Redis in production, in-process otherwise).
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts one hit on `key` in a window of `window` (started by the first hit) and answers
    /// `Limited` if this hit exceeds `limit`.
    async fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<RateDecision, PortError>;
    /// Answers `Limited` when `key` has used its budget (`limit` hits in the current window),
    /// without counting.
    async fn check(&self, key: &str, limit: u32) -> Result<RateDecision, PortError>;
    /// Forgets `key` (e.g. failed logins after a success).
    async fn reset(&self, key: &str) -> Result<(), PortError>;
}

//! `[course]`: prep-course enrollment — holds, the waiting room, idempotency keys.

use serde::{Deserialize, Serialize};

/// Prep-course enrollment. The spans are `u32` so that, once validated, they convert to any
/// duration type without a fallback.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CourseSettings {
    /// How long a seat hold waits for its payment, seconds (default 1800: 30 minutes).
    pub hold_seconds: u32,
    /// People a waiting room admits per second when the course sets no rate.
    pub admission_rate_per_sec: u32,
    /// How long an admission token is accepted, seconds.
    pub admission_token_ttl_secs: u32,
    /// Longest `Retry-After` a waiting student is told before polling again, seconds.
    #[serde(default = "default_max_poll")]
    pub max_poll_secs: u32,
    /// Pause between admitter passes (each api instance runs one; the room meters the rate).
    pub admitter_interval_ms: u64,
    /// How long idempotency keys and their responses are kept, hours (at least 24).
    pub idempotency_retention_hours: u32,
}

fn default_max_poll() -> u32 {
    10
}

impl Default for CourseSettings {
    fn default() -> Self {
        Self {
            hold_seconds: 1800,
            admission_rate_per_sec: 50,
            admission_token_ttl_secs: 120,
            max_poll_secs: default_max_poll(),
            admitter_interval_ms: 200,
            idempotency_retention_hours: 48,
        }
    }
}

//! `[sse]`: the alarm streams.

use serde::{Deserialize, Serialize};

/// Server-sent event streams (`/alarm-api/v2/alarms/subscribe`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SseSettings {
    /// Seconds between heartbeat comments (Cercat's client gives up after 45 s of silence).
    pub heartbeat_secs: u64,
    /// Open streams per user on one instance; a new one beyond it closes that user's oldest.
    pub max_per_user: usize,
    /// Open streams on one instance; beyond it new ones get 503 with `Retry-After`.
    pub max_connections: usize,
}

impl Default for SseSettings {
    fn default() -> Self {
        Self { heartbeat_secs: 20, max_per_user: 5, max_connections: 10_000 }
    }
}

//! `[outbox]` and `[events]`: relaying recorded events to the bus, and how consumers retry.

use serde::{Deserialize, Serialize};

/// The outbox relay.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OutboxSettings {
    /// Longest pause between relay passes when the outbox is empty. Events written by this
    /// process wake its relay at once; the poll finds other processes' events and due retries.
    pub poll_interval_ms: u64,
    /// Events per pass.
    pub batch_size: u32,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self { poll_interval_ms: 200, batch_size: 100 }
    }
}

/// How a consumer group retries an event whose handling fails (a dependency outage is retried
/// until it ends; anything else this many times, then the event goes to the dead-letter queue).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EventSettings {
    /// Attempts before an event is dead-lettered.
    pub retry_attempts: u32,
    /// First pause between attempts; it doubles after each failure.
    pub retry_first_backoff_ms: u64,
    /// Longest pause between attempts.
    pub retry_max_backoff_ms: u64,
    /// Members of the `alarm.store` group each api runs over Kafka (the in-process bus runs one).
    /// A member handles its partitions' events one at a time, so members (across every api
    /// instance) up to the topics' partition count handle that many events at once.
    pub alarm_members: u16,
}

impl Default for EventSettings {
    fn default() -> Self {
        Self { retry_attempts: 5, retry_first_backoff_ms: 1_000, retry_max_backoff_ms: 60_000, alarm_members: 2 }
    }
}

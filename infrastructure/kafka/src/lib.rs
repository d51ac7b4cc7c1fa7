//! rdkafka adapters: an idempotent publisher (acks=all, key = aggregate id, returns only after
//! the broker's acknowledgement), consumer-group subscriptions with manual commits
//! (at-least-once), and the dead-letter queue on its own topic. Topic names get the
//! deployment's prefix.

mod consumer;
mod dead_letters;
mod publisher;

pub use consumer::{KafkaConsumer, wait_for_closed_consumers};
pub use dead_letters::{DEAD_LETTER_TOPIC, KafkaDeadLetters, REPLAY_GROUP};
pub use publisher::KafkaPublisher;

use std::time::Duration;

/// How to reach Kafka.
#[derive(Debug, Clone)]
pub struct KafkaOptions {
    /// `host:9092,host2:9092`.
    pub brokers: String,
    /// Prepended to every logical topic name.
    pub topic_prefix: String,
    /// `client.id`.
    pub client_id: String,
    /// Upper bound on one publish (until acknowledged) and on metadata calls.
    pub timeout: Duration,
    /// Longest a consumer's fetch waits at the broker for new events (`fetch.wait.max.ms`).
    pub fetch_wait: Duration,
}

impl KafkaOptions {
    pub(crate) fn topic(&self, logical: &str) -> String {
        format!("{}{logical}", self.topic_prefix)
    }
}

pub(crate) const DEP: &str = "kafka";

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

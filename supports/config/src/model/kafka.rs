//! `[kafka]`: the event bus in production.

use serde::{Deserialize, Serialize};

/// `[kafka]`: the brokers production publishes and consumes events through.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KafkaSettings {
    /// `host:9092,host2:9092`; required in production.
    pub brokers: Option<String>,
    /// Prefix of every topic name.
    pub topic_prefix: String,
    /// `client.id` sent to the brokers.
    pub client_id: String,
    /// Upper bound on one publish (until the broker acknowledges) or one metadata call.
    pub timeout_ms: u64,
    /// Longest a consumer's fetch waits at the broker for new events (`fetch.wait.max.ms`). A
    /// Kafka broker answers as soon as an event arrives, so this only bounds idle fetches;
    /// librdkafka's mock cluster always waits it out, so its benchmarks lower it.
    pub fetch_wait_ms: u64,
}

impl Default for KafkaSettings {
    fn default() -> Self {
        Self {
            brokers: None,
            topic_prefix: "cercat.".into(),
            client_id: "cercat".into(),
            timeout_ms: 5_000,
            fetch_wait_ms: 500,
        }
    }
}

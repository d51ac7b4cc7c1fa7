//! The bus's ports: publishing, subscribing as a consumer-group member, and the dead-letter queue.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

use super::EventEnvelope;
use crate::PortError;

/// Publishes events to the bus.
#[async_trait]
pub trait EventPublisher: Send + Sync {
    /// Publishes one event and returns only once the bus has durably accepted it (for Kafka:
    /// the broker acknowledged it with `acks=all`). Keyed by `aggregate_id`.
    ///
    /// Errors: [`PortError::Timeout`] or [`PortError::Unavailable`] when the bus did not
    /// acknowledge; the event may or may not have been stored, so callers retry and consumers
    /// dedupe by event id.
    async fn publish(&self, event: &EventEnvelope) -> Result<(), PortError>;
}

/// One received event and where it came from, to acknowledge after handling.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The event.
    pub event: EventEnvelope,
    /// The message key it was published with.
    pub key: Option<String>,
    /// Where it sits, for [`EventSubscription::commit`].
    pub position: DeliveryPosition,
}

/// A message on a subscribed topic that is not an [`EventEnvelope`] (a poison message). It is
/// handed out rather than skipped so that it can go to the dead-letter queue before its
/// position is committed.
#[derive(Debug, Clone, PartialEq)]
pub struct Undecodable {
    /// The message key.
    pub key: Option<String>,
    /// The body, lossily decoded as UTF-8 (at most 64 KiB kept).
    pub payload: String,
    /// Why it could not be decoded.
    pub reason: String,
    /// Where it sits.
    pub position: DeliveryPosition,
}

/// What [`EventSubscription::next`] hands out.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// A well-formed event.
    Event(Delivery),
    /// A message that is not an event.
    Undecodable(Undecodable),
}

impl Received {
    /// Where it sits in its stream.
    pub fn position(&self) -> &DeliveryPosition {
        match self {
            Self::Event(d) => &d.position,
            Self::Undecodable(u) => &u.position,
        }
    }
}

/// Where a message sits in its stream (topic, partition and offset for Kafka).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPosition {
    /// The logical topic (without the deployment's prefix).
    pub topic: String,
    /// Partition (0 for the in-process bus).
    pub partition: i32,
    /// Offset within the partition.
    pub offset: i64,
}

/// A consumer-group member reading some topics, at least once.
#[async_trait]
pub trait EventSubscription: Send {
    /// Waits up to `wait` for the next message. `Ok(None)` means nothing arrived in time.
    async fn next(&mut self, wait: Duration) -> Result<Option<Received>, PortError>;

    /// Marks the message at `position` (and everything before it in its partition) handled
    /// for the group, so a restarted member resumes after it. Until then it may come again.
    async fn commit(&mut self, position: &DeliveryPosition) -> Result<(), PortError>;

    /// Messages of the subscribed topics not yet committed by the group (the consumer lag),
    /// when the bus can tell.
    async fn lag(&mut self) -> Option<u64> {
        None
    }
}

/// Opens subscriptions.
#[async_trait]
pub trait EventConsumer: Send + Sync {
    /// Joins consumer group `group` on `topics` (logical names, without prefix). Members of
    /// one group share the events; each group sees every event.
    async fn subscribe(&self, group: &str, topics: &[&str]) -> Result<Box<dyn EventSubscription>, PortError>;
}

/// A message a consumer group gave up on: a poison message, or an event whose handling kept
/// failing for a reason other than a dependency being down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    /// This letter's id.
    pub id: Uuid,
    /// The consumer group that gave up.
    pub group: String,
    /// The logical topic the message came from.
    pub topic: String,
    /// Its key.
    pub key: Option<String>,
    /// The event, when the message was one.
    pub event: Option<EventEnvelope>,
    /// The raw body, when it was not.
    pub payload: Option<String>,
    /// The last failure.
    pub error: String,
    /// Handling attempts made.
    pub attempts: u32,
    /// When the group gave up.
    pub failed_at: DateTime<Utc>,
    /// Where the dead-letter queue holds it (set by [`DeadLetterQueue::pending`] when the
    /// queue needs it to resolve the letter).
    #[serde(skip)]
    pub position: Option<DeliveryPosition>,
}

impl DeadLetter {
    /// A letter from `group` for the message at `position`, failed now.
    pub(crate) fn new(
        group: &str,
        position: &DeliveryPosition,
        key: Option<String>,
        error: String,
        attempts: u32,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            group: group.to_owned(),
            topic: position.topic.clone(),
            key,
            event: None,
            payload: None,
            error,
            attempts,
            failed_at: Utc::now(),
            position: None,
        }
    }
}

/// Where dead letters wait for an operator (a Kafka topic in production, a table when embedded).
#[async_trait]
pub trait DeadLetterQueue: Send + Sync {
    /// Stores a letter durably; returns once it is stored.
    async fn add(&self, letter: &DeadLetter) -> Result<(), PortError>;
    /// The oldest `limit` letters not yet resolved.
    async fn pending(&self, limit: usize) -> Result<Vec<DeadLetter>, PortError>;
    /// Marks `letters` (taken from the front of [`Self::pending`], in order) resolved.
    async fn resolve(&self, letters: &[DeadLetter]) -> Result<(), PortError>;
    /// How many letters wait.
    async fn size(&self) -> Result<u64, PortError>;
}

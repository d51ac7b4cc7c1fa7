//! Domain events: the envelope they travel in, the typed events each context owns
//! ([`DomainEvent`]), the bus's ports and the consumer-group runtime.
//!
//! A context owns one enum of its events, adjacently tagged (`#[serde(tag = "type", content =
//! "payload")]`): the variant name is the envelope's `event_type`, its fields the `payload`. Its
//! producers build the enum and turn it into an envelope with [`EventEnvelope::of`]; consumers
//! turn an envelope back with [`EventEnvelope::decode`], which fails with
//! [`PortError::Corrupt`] for an event type or payload they do not understand, so the runtime
//! dead-letters it instead of dropping it. A payload whose schema changes incompatibly gets a
//! new variant (`…V2`) beside the old one, so events already in the outbox or on the bus still
//! decode.

mod ports;
mod runtime;

pub use ports::{
    DeadLetter, DeadLetterQueue, Delivery, DeliveryPosition, EventConsumer, EventPublisher, EventSubscription,
    Received, Undecodable,
};
pub use runtime::{EventSource, ReplayReport, RetryPolicy, replay_dead_letters, run_consumer};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use uuid::Uuid;

use crate::PortError;

/// One context's events: an adjacently tagged enum (`#[serde(tag = "type", content =
/// "payload")]`) whose variant names are the event types.
pub trait DomainEvent: Serialize + DeserializeOwned + Send + Sync {
    /// Every topic the context's events travel on (what a consumer of all of them subscribes to).
    const TOPICS: &'static [&'static str];

    /// The topic this event travels on.
    fn topic(&self) -> &'static str;

    /// The aggregate kind and id; the id is the message key, so one aggregate's events stay in order.
    fn aggregate(&self) -> (&'static str, String);

    /// Whether `envelope` travels on one of this context's topics (for consumers of several contexts).
    fn carries(envelope: &EventEnvelope) -> bool {
        Self::TOPICS.contains(&envelope.topic.as_str())
    }
}

/// A domain event as it travels: written to the outbox, published with `aggregate_id` as the
/// message key (so one aggregate's events stay ordered), deduplicated by `id` downstream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventEnvelope {
    /// Unique id; consumers dedupe on it.
    pub id: Uuid,
    /// Logical topic (without the deployment's prefix), e.g. `certificate.schedule`.
    pub topic: String,
    /// The aggregate kind, e.g. `exam_schedule`.
    pub aggregate_type: String,
    /// The aggregate id; the partitioning key.
    pub aggregate_id: String,
    /// The event name, e.g. `ExamScheduleImported`.
    pub event_type: String,
    /// The event body.
    pub payload: serde_json::Value,
    /// When the change happened.
    pub occurred_at: DateTime<Utc>,
}

impl EventEnvelope {
    /// A new event with a fresh time-ordered id.
    pub fn new(
        topic: impl Into<String>,
        aggregate_type: impl Into<String>,
        aggregate_id: impl Into<String>,
        event_type: impl Into<String>,
        payload: serde_json::Value,
        occurred_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            topic: topic.into(),
            aggregate_type: aggregate_type.into(),
            aggregate_id: aggregate_id.into(),
            event_type: event_type.into(),
            payload,
            occurred_at,
        }
    }

    /// The envelope for `event`, which happened at `occurred_at`, with a fresh time-ordered id.
    ///
    /// Errors: [`PortError::Corrupt`] when the event does not encode as an adjacently tagged
    /// object (a bug in the event's serde attributes, caught by its round-trip test).
    pub fn of<E: DomainEvent>(event: &E, occurred_at: DateTime<Utc>) -> Result<Self, PortError> {
        let corrupt = |why: String| PortError::Corrupt(format!("encoding an event: {why}"));
        let mut value = serde_json::to_value(event).map_err(|e| corrupt(e.to_string()))?;
        let object = value.as_object_mut().ok_or_else(|| corrupt("not an object".into()))?;
        let event_type = match object.remove("type") {
            Some(serde_json::Value::String(name)) => name,
            _ => return Err(corrupt("no \"type\" tag".into())),
        };
        let payload = object.remove("payload").unwrap_or(serde_json::Value::Null);
        let (aggregate_type, aggregate_id) = event.aggregate();
        Ok(Self::new(event.topic(), aggregate_type, aggregate_id, event_type, payload, occurred_at))
    }

    /// The typed event this envelope carries.
    ///
    /// Errors: [`PortError::Corrupt`] for an event type `E` does not have or a payload that does
    /// not match it: retrying cannot fix either, so the consumer runtime dead-letters the event.
    pub fn decode<E: DomainEvent>(&self) -> Result<E, PortError> {
        let tagged = serde_json::json!({ "type": self.event_type, "payload": self.payload });
        serde_json::from_value(tagged).map_err(|e| {
            PortError::Corrupt(format!(
                "event {} ({} on {}) does not decode: {e}",
                self.id, self.event_type, self.topic
            ))
        })
    }
}

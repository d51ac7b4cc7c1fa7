//! Domain events and the event-bus ports (publisher and consumer).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

use crate::PortError;

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
}

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
    /// Opaque position used by [`EventSubscription::commit`].
    pub position: DeliveryPosition,
}

/// Where a delivery sits in its stream (partition and offset for Kafka).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryPosition {
    /// Partition (0 for the in-process bus).
    pub partition: i32,
    /// Offset within the partition.
    pub offset: i64,
}

/// A consumer-group member reading some topics, at least once.
#[async_trait]
pub trait EventSubscription: Send {
    /// Waits up to `wait` for the next event. `Ok(None)` means nothing arrived in time.
    /// A message that is not a valid envelope is skipped and logged, not returned.
    async fn next(&mut self, wait: Duration) -> Result<Option<Delivery>, PortError>;

    /// Marks `delivery` (and everything before it in its partition) handled for the group,
    /// so a restarted member resumes after it. Until then it may be delivered again.
    async fn commit(&mut self, delivery: &Delivery) -> Result<(), PortError>;
}

/// Opens subscriptions.
#[async_trait]
pub trait EventConsumer: Send + Sync {
    /// Joins consumer group `group` on `topics` (logical names, without prefix). Members of
    /// one group share the events; each group sees every event.
    async fn subscribe(&self, group: &str, topics: &[&str]) -> Result<Box<dyn EventSubscription>, PortError>;
}

/// Runs a consumer-group member until `stop` resolves: each event is handed to `handle`, then
/// committed. A handling failure is retried with backoff (1 s doubling to 1 min) without
/// committing, so nothing is skipped; handlers must be idempotent (an inbox keyed by event id),
/// because an uncommitted event comes again after a restart. Subscribing and reading failures
/// are retried the same way. Pass `subscription` when it was opened before the outbox relay
/// started (an in-process bus only delivers to existing subscribers).
pub async fn run_consumer<H, Fut>(
    consumer: std::sync::Arc<dyn EventConsumer>,
    group: &'static str,
    topics: &'static [&'static str],
    subscription: Option<Box<dyn EventSubscription>>,
    handle: H,
    stop: impl std::future::Future<Output = ()> + Send,
) where
    H: Fn(EventEnvelope) -> Fut + Send,
    Fut: std::future::Future<Output = Result<(), PortError>> + Send,
{
    tokio::pin!(stop);
    let mut backoff = Duration::from_secs(1);
    let mut subscription = subscription;
    loop {
        if subscription.is_none() {
            match consumer.subscribe(group, topics).await {
                Ok(s) => subscription = Some(s),
                Err(err) => {
                    tracing::warn!(%err, group, "cannot subscribe; retrying");
                    tokio::select! { () = &mut stop => return, () = tokio::time::sleep(backoff) => {} }
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                    continue;
                }
            }
        }
        let Some(sub) = subscription.as_mut() else { continue };
        let next = tokio::select! {
            () = &mut stop => return,
            next = sub.next(Duration::from_secs(1)) => next,
        };
        let delivery = match next {
            Ok(Some(d)) => d,
            Ok(None) => continue,
            Err(err) => {
                tracing::warn!(%err, group, "reading events failed; retrying");
                tokio::select! { () = &mut stop => return, () = tokio::time::sleep(backoff) => {} }
                backoff = (backoff * 2).min(Duration::from_secs(60));
                continue;
            }
        };
        loop {
            match handle(delivery.event.clone()).await {
                Ok(()) => break,
                Err(err) => {
                    tracing::warn!(%err, group, event_id = %delivery.event.id, "handling an event failed; retrying");
                    tokio::select! { () = &mut stop => return, () = tokio::time::sleep(backoff) => {} }
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                }
            }
        }
        backoff = Duration::from_secs(1);
        if let Err(err) = sub.commit(&delivery).await {
            // Not committed: the event may come again, and the handler's inbox makes that harmless.
            tracing::warn!(%err, group, "committing an event failed");
        }
    }
}

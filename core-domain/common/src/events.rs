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

/// How a consumer group retries a failing handler before it dead-letters the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts for an event whose handling fails for a reason other than a dependency being
    /// down (a dependency outage is retried until it ends: dead-lettering would not help).
    pub attempts: u32,
    /// First pause; doubles after each failure.
    pub first_backoff: Duration,
    /// Longest pause.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { attempts: 5, first_backoff: Duration::from_secs(1), max_backoff: Duration::from_secs(60) }
    }
}

/// What a consumer group needs besides its handler: the bus, the dead-letter queue, the
/// retry policy.
#[derive(Clone)]
pub struct EventSource {
    /// Opens subscriptions.
    pub consumer: std::sync::Arc<dyn EventConsumer>,
    /// Takes what the group gives up on.
    pub dead_letters: std::sync::Arc<dyn DeadLetterQueue>,
    /// Retries before giving up.
    pub retry: RetryPolicy,
}

impl std::fmt::Debug for EventSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSource").field("retry", &self.retry).finish_non_exhaustive()
    }
}

fn is_transient(err: &PortError) -> bool {
    matches!(err, PortError::Unavailable { .. } | PortError::Timeout { .. })
}

/// How often a consumer reports its lag.
const LAG_EVERY: Duration = Duration::from_secs(10);

/// Runs a consumer-group member until `stop` resolves: each event is handed to `handle`, then
/// committed. Handlers must be idempotent (an inbox keyed by event id): an uncommitted event
/// comes again after a restart.
///
/// - A dependency outage (`Unavailable`, `Timeout`) is retried with backoff until it ends,
///   without committing, so nothing is skipped.
/// - Any other failure is retried `source.retry.attempts` times, then the event goes to the
///   dead-letter queue and the group moves on; a message that is not an event, or an event
///   the handler finds malformed (`Corrupt`), goes there at once. The position is committed only after the dead letter is stored.
/// - Subscribing and reading failures are retried the same way; the lag is published as
///   `cercat_consumer_lag{group}` every 10 s.
///
/// Pass `subscription` when it was opened before the outbox relay started (an in-process bus
/// only delivers to existing subscribers).
pub async fn run_consumer<H, Fut>(
    source: EventSource,
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
    let policy = source.retry;
    let grow = |b: Duration| (b * 2).min(policy.max_backoff);
    let mut backoff = policy.first_backoff;
    let mut subscription = subscription;
    let mut lag_at = tokio::time::Instant::now();
    loop {
        if subscription.is_none() {
            match source.consumer.subscribe(group, topics).await {
                Ok(s) => subscription = Some(s),
                Err(err) => {
                    tracing::warn!(%err, group, "cannot subscribe; retrying");
                    tokio::select! { () = &mut stop => return, () = tokio::time::sleep(backoff) => {} }
                    backoff = grow(backoff);
                    continue;
                }
            }
        }
        let Some(sub) = subscription.as_mut() else { continue };
        if lag_at.elapsed() >= LAG_EVERY {
            lag_at = tokio::time::Instant::now();
            if let Some(lag) = sub.lag().await {
                metrics::gauge!("cercat_consumer_lag", "group" => group).set(lag as f64);
            }
        }
        let next = tokio::select! {
            () = &mut stop => return,
            next = sub.next(Duration::from_secs(1)) => next,
        };
        let received = match next {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(err) => {
                tracing::warn!(%err, group, "reading events failed; retrying");
                tokio::select! { () = &mut stop => return, () = tokio::time::sleep(backoff) => {} }
                backoff = grow(backoff);
                continue;
            }
        };
        let letter = match &received {
            Received::Undecodable(u) => {
                tracing::error!(group, topic = %u.position.topic, offset = u.position.offset, reason = %u.reason, "a message that is not an event goes to the dead-letter queue");
                Some(DeadLetter {
                    id: Uuid::now_v7(),
                    group: group.to_owned(),
                    topic: u.position.topic.clone(),
                    key: u.key.clone(),
                    event: None,
                    payload: Some(u.payload.clone()),
                    error: u.reason.clone(),
                    attempts: 0,
                    failed_at: Utc::now(),
                    position: None,
                })
            }
            Received::Event(delivery) => {
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    let err = match handle(delivery.event.clone()).await {
                        Ok(()) => break None,
                        Err(err) => err,
                    };
                    // Malformed data fails the same way every time: no point retrying it.
                    let hopeless = matches!(err, PortError::Corrupt(_));
                    if hopeless || (!is_transient(&err) && attempts >= policy.attempts) {
                        tracing::error!(%err, group, event_id = %delivery.event.id, attempts, "handling keeps failing; the event goes to the dead-letter queue");
                        break Some(DeadLetter {
                            id: Uuid::now_v7(),
                            group: group.to_owned(),
                            topic: delivery.position.topic.clone(),
                            key: delivery.key.clone(),
                            event: Some(delivery.event.clone()),
                            payload: None,
                            error: err.to_string(),
                            attempts,
                            failed_at: Utc::now(),
                            position: None,
                        });
                    }
                    tracing::warn!(%err, group, event_id = %delivery.event.id, attempts, "handling an event failed; retrying");
                    tokio::select! { () = &mut stop => return, () = tokio::time::sleep(backoff) => {} }
                    backoff = grow(backoff);
                }
            }
        };
        if let Some(letter) = letter {
            // Not committed before the letter is stored: nothing is dropped on the way.
            while let Err(err) = source.dead_letters.add(&letter).await {
                tracing::warn!(%err, group, "cannot store a dead letter; retrying");
                tokio::select! { () = &mut stop => return, () = tokio::time::sleep(backoff) => {} }
                backoff = grow(backoff);
            }
            metrics::counter!("cercat_dead_letters_total", "group" => group).increment(1);
        }
        backoff = policy.first_backoff;
        if let Err(err) = sub.commit(received.position()).await {
            // Not committed: the event may come again, and the handler's inbox makes that harmless.
            tracing::warn!(%err, group, "committing an event failed");
        }
    }
}

/// What [`replay_dead_letters`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplayReport {
    /// Events put back in the outbox (published again to their topic).
    pub replayed: u64,
    /// Undecodable messages dropped (only with `discard_undecodable`).
    pub discarded: u64,
    /// Letters left waiting (an undecodable one stopped the replay).
    pub left: u64,
}

/// Brings dead letters back: each event is put back in the outbox (same event id, so groups
/// that already handled it skip it by their inbox) and its letter resolved, oldest first, up
/// to `limit`. An undecodable message cannot be replayed: it stops the replay unless
/// `discard_undecodable`, which drops it.
pub async fn replay_dead_letters(
    dead_letters: &dyn DeadLetterQueue,
    outbox: &dyn crate::outbox::OutboxStore,
    now: DateTime<Utc>,
    limit: usize,
    discard_undecodable: bool,
) -> Result<ReplayReport, PortError> {
    let letters = dead_letters.pending(limit).await?;
    let mut report = ReplayReport::default();
    let mut done = 0;
    for letter in &letters {
        match &letter.event {
            Some(event) => {
                outbox.requeue(event, now).await?;
                report.replayed += 1;
            }
            None if discard_undecodable => report.discarded += 1,
            None => break,
        }
        done += 1;
    }
    dead_letters.resolve(&letters[..done]).await?;
    report.left = dead_letters.size().await?;
    Ok(report)
}

//! The consumer-group runtime (retries, dead letters, lag) and the dead-letter replay.

use chrono::{DateTime, Utc};
use std::{collections::BTreeMap, time::Duration};

use super::{DeadLetter, DeadLetterQueue, DeliveryPosition, EventConsumer, EventEnvelope, EventSubscription, Received};
use crate::PortError;

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

/// A member commits after this many handled messages…
const COMMIT_AFTER_EVENTS: usize = 100;
/// …or this long after the first one not committed, or as soon as nothing more is waiting.
const COMMIT_AFTER: Duration = Duration::from_millis(200);

/// Handled messages whose positions are not committed yet: the latest of each partition.
#[derive(Default)]
struct Uncommitted {
    latest: BTreeMap<(String, i32), DeliveryPosition>,
    count: usize,
    since: Option<tokio::time::Instant>,
}

impl Uncommitted {
    fn add(&mut self, position: &DeliveryPosition) {
        self.latest.insert((position.topic.clone(), position.partition), position.clone());
        self.count += 1;
        self.since.get_or_insert_with(tokio::time::Instant::now);
    }

    fn due(&self) -> bool {
        self.count >= COMMIT_AFTER_EVENTS || self.since.is_some_and(|at| at.elapsed() >= COMMIT_AFTER)
    }

    /// Commits the latest handled position of every partition.
    async fn flush(&mut self, sub: &mut dyn EventSubscription, group: &str) {
        for position in std::mem::take(&mut self.latest).into_values() {
            if let Err(err) = sub.commit(&position).await {
                // Not committed: the events may come again, and the handler's inbox makes that harmless.
                tracing::warn!(%err, group, topic = %position.topic, partition = position.partition, "committing events failed");
            }
        }
        self.count = 0;
        self.since = None;
    }
}

/// Runs a consumer-group member until `stop` resolves: each event is handed to `handle`, then
/// committed. Handlers must be idempotent (an inbox keyed by event id): an uncommitted event
/// comes again after a restart.
///
/// Commits are grouped: the latest handled position of each partition is committed after 100
/// messages, 200 ms after the first uncommitted one, when nothing more is waiting, before a
/// retry pause, and on stop — one commit round trip per burst instead of one per event. A member
/// that crashes gets at most that much again, which its inbox skips.
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
    let mut uncommitted = Uncommitted::default();
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
        // Nothing uncommitted: wait as long as a read may; else only until the commit is due.
        let wait = match uncommitted.since {
            None => Duration::from_secs(1),
            Some(at) => COMMIT_AFTER.saturating_sub(at.elapsed()),
        };
        let next = tokio::select! {
            () = &mut stop => None,
            next = sub.next(wait) => Some(next),
        };
        let Some(next) = next else {
            uncommitted.flush(&mut **sub, group).await;
            return;
        };
        let received = match next {
            Ok(Some(r)) => r,
            Ok(None) => {
                // Nothing more is waiting (or the commit is due).
                uncommitted.flush(&mut **sub, group).await;
                continue;
            }
            Err(err) => {
                // The client reconnects by itself; pause briefly so a returning broker is
                // read from within a second or two, without spinning while it is away.
                tracing::warn!(%err, group, "reading events failed; retrying");
                uncommitted.flush(&mut **sub, group).await;
                tokio::select! { () = &mut stop => return, () = tokio::time::sleep(policy.first_backoff) => {} }
                continue;
            }
        };
        let letter = match &received {
            Received::Undecodable(u) => {
                tracing::error!(group, topic = %u.position.topic, offset = u.position.offset, reason = %u.reason, "a message that is not an event goes to the dead-letter queue");
                let letter = DeadLetter::new(group, &u.position, u.key.clone(), u.reason.clone(), 0);
                Some(DeadLetter { payload: Some(u.payload.clone()), ..letter })
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
                        let letter =
                            DeadLetter::new(group, &delivery.position, delivery.key.clone(), err.to_string(), attempts);
                        break Some(DeadLetter { event: Some(delivery.event.clone()), ..letter });
                    }
                    tracing::warn!(%err, group, event_id = %delivery.event.id, attempts, "handling an event failed; retrying");
                    // What came before is done: commit it rather than hold it through an outage.
                    uncommitted.flush(&mut **sub, group).await;
                    tokio::select! { () = &mut stop => return, () = tokio::time::sleep(backoff) => {} }
                    backoff = grow(backoff);
                }
            }
        };
        if let Some(letter) = letter {
            // Not committed before the letter is stored: nothing is dropped on the way.
            while let Err(err) = source.dead_letters.add(&letter).await {
                tracing::warn!(%err, group, "cannot store a dead letter; retrying");
                uncommitted.flush(&mut **sub, group).await;
                tokio::select! { () = &mut stop => return, () = tokio::time::sleep(backoff) => {} }
                backoff = grow(backoff);
            }
            metrics::counter!("cercat_dead_letters_total", "group" => group).increment(1);
        }
        backoff = policy.first_backoff;
        uncommitted.add(received.position());
        if uncommitted.due() {
            uncommitted.flush(&mut **sub, group).await;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Delivery, DeliveryPosition, Undecodable};
    use async_trait::async_trait;
    use std::sync::{Arc, Mutex};
    use uuid::Uuid;

    type Log = Arc<Mutex<Vec<i64>>>;

    struct Script {
        items: Vec<Received>,
        commits: Log,
    }

    #[async_trait]
    impl EventSubscription for Script {
        async fn next(&mut self, _wait: Duration) -> Result<Option<Received>, PortError> {
            if self.items.is_empty() {
                tokio::time::sleep(Duration::from_millis(5)).await;
                return Ok(None);
            }
            Ok(Some(self.items.remove(0)))
        }
        async fn commit(&mut self, position: &DeliveryPosition) -> Result<(), PortError> {
            self.commits.lock().unwrap().push(position.offset);
            Ok(())
        }
    }

    struct NoConsumer;

    #[async_trait]
    impl EventConsumer for NoConsumer {
        async fn subscribe(&self, _: &str, _: &[&str]) -> Result<Box<dyn EventSubscription>, PortError> {
            Err(PortError::unavailable("bus", "not in this test"))
        }
    }

    #[derive(Default)]
    struct Letters(Mutex<Vec<DeadLetter>>);

    #[async_trait]
    impl DeadLetterQueue for Letters {
        async fn add(&self, letter: &DeadLetter) -> Result<(), PortError> {
            self.0.lock().unwrap().push(letter.clone());
            Ok(())
        }
        async fn pending(&self, limit: usize) -> Result<Vec<DeadLetter>, PortError> {
            Ok(self.0.lock().unwrap().iter().take(limit).cloned().collect())
        }
        async fn resolve(&self, letters: &[DeadLetter]) -> Result<(), PortError> {
            self.0.lock().unwrap().retain(|l| letters.iter().all(|r| r.id != l.id));
            Ok(())
        }
        async fn size(&self) -> Result<u64, PortError> {
            Ok(self.0.lock().unwrap().len() as u64)
        }
    }

    fn event(offset: i64, kind: &str) -> Received {
        let e = EventEnvelope::new("t", "a", "1", kind, serde_json::json!({ "n": offset }), Utc::now());
        Received::Event(Delivery {
            event: e,
            key: Some("1".into()),
            position: DeliveryPosition { topic: "t".into(), partition: 0, offset },
        })
    }

    /// Runs the consumer over `items` until every one is committed; returns the letters.
    async fn run(items: Vec<Received>, calls: Arc<Mutex<Vec<String>>>) -> (Vec<i64>, Arc<Letters>) {
        let count = items.len();
        let commits: Log = Arc::default();
        let letters = Arc::new(Letters::default());
        let source = EventSource {
            consumer: Arc::new(NoConsumer),
            dead_letters: letters.clone(),
            retry: RetryPolicy {
                attempts: 3,
                first_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(4),
            },
        };
        let sub = Box::new(Script { items, commits: commits.clone() });
        let transient_left = Arc::new(Mutex::new(2));
        let handle = move |e: EventEnvelope| {
            let calls = calls.clone();
            let transient_left = transient_left.clone();
            async move {
                calls.lock().unwrap().push(e.event_type.clone());
                match e.event_type.as_str() {
                    "Bad" => Err(PortError::Corrupt("no receiver".into())),
                    "Conflicting" => Err(PortError::Duplicate("always".into())),
                    "Flaky" => {
                        let mut left = transient_left.lock().unwrap();
                        if *left > 0 {
                            *left -= 1;
                            return Err(PortError::unavailable("database", "restarting"));
                        }
                        Ok(())
                    }
                    _ => Ok(()),
                }
            }
        };
        let watched = commits.clone();
        let last = count as i64 - 1;
        let stop = async move {
            while watched.lock().unwrap().last() != Some(&last) {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), run_consumer(source, "g", &["t"], Some(sub), handle, stop))
            .await
            .expect("the consumer gets through the script");
        let committed = commits.lock().unwrap().clone();
        (committed, letters)
    }

    #[tokio::test]
    async fn poison_and_hopeless_events_go_to_the_dead_letter_queue_and_the_rest_flow() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let poison = Received::Undecodable(Undecodable {
            key: None,
            payload: "not json".into(),
            reason: "not an event envelope".into(),
            position: DeliveryPosition { topic: "t".into(), partition: 0, offset: 1 },
        });
        let items = vec![event(0, "Ok"), poison, event(2, "Bad"), event(3, "Conflicting"), event(4, "Flaky")];
        let (committed, letters) = run(items, calls.clone()).await;
        // Committed before each retry pause (the outage, the conflict) and when the script ran dry.
        assert!(committed.windows(2).all(|w| w[0] < w[1]), "commits move forward: {committed:?}");
        assert_eq!(committed.last(), Some(&4), "every message is committed: {committed:?}");
        let letters = letters.0.lock().unwrap().clone();
        assert_eq!(letters.len(), 3, "{letters:?}");
        assert_eq!(letters[0].payload.as_deref(), Some("not json"));
        assert_eq!((letters[1].attempts, letters[1].event.as_ref().map(|e| e.event_type.as_str())), (1, Some("Bad")));
        assert_eq!(letters[2].attempts, 3, "retried up to the policy, then given up");
        let calls = calls.lock().unwrap().clone();
        assert_eq!(calls.iter().filter(|c| *c == "Flaky").count(), 3, "an outage is retried until it ends");
        assert!(letters.iter().all(|l| l.group == "g"));
    }

    #[tokio::test]
    async fn a_burst_is_committed_once_per_hundred_and_when_it_ends() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let items = (0..250).map(|n| event(n, "Ok")).collect();
        let (committed, letters) = run(items, calls.clone()).await;
        assert_eq!(calls.lock().unwrap().len(), 250, "every event is handled once");
        assert!(letters.0.lock().unwrap().is_empty());
        // The script hands out 250 events without a pause: commits at 100 and 200 handled (or
        // sooner, should the machine stall past 200 ms), then the rest when it runs dry.
        assert!(committed.windows(2).all(|w| w[0] < w[1]), "{committed:?}");
        assert_eq!(committed.last(), Some(&249), "{committed:?}");
        assert!(committed.len() >= 3 && committed.len() < 250, "commits are grouped: {committed:?}");
    }

    #[derive(Default)]
    struct Requeued(Mutex<Vec<Uuid>>);

    #[async_trait]
    impl crate::outbox::OutboxStore for Requeued {
        fn written(&self) -> crate::outbox::OutboxWake {
            crate::outbox::OutboxWake::new()
        }
        async fn unsent(&self, _: u32) -> Result<Vec<crate::outbox::PendingEvent>, PortError> {
            Ok(Vec::new())
        }
        async fn mark_sent(&self, _: &[i64], _: DateTime<Utc>) -> Result<(), PortError> {
            Ok(())
        }
        async fn mark_failed(&self, _: i64, _: &str, _: DateTime<Utc>) -> Result<(), PortError> {
            Ok(())
        }
        async fn unsent_count(&self) -> Result<u64, PortError> {
            Ok(0)
        }
        async fn oldest_unsent_at(&self) -> Result<Option<DateTime<Utc>>, PortError> {
            Ok(None)
        }
        async fn requeue(&self, event: &EventEnvelope, _: DateTime<Utc>) -> Result<(), PortError> {
            self.0.lock().unwrap().push(event.id);
            Ok(())
        }
    }

    fn letter(event: Option<EventEnvelope>) -> DeadLetter {
        DeadLetter {
            id: Uuid::now_v7(),
            group: "g".into(),
            topic: "t".into(),
            key: None,
            payload: event.is_none().then(|| "garbage".into()),
            event,
            error: "boom".into(),
            attempts: 1,
            failed_at: Utc::now(),
            position: None,
        }
    }

    #[tokio::test]
    async fn replay_puts_events_back_in_the_outbox_and_stops_at_an_undecodable_message() {
        let letters = Letters::default();
        let e1 = EventEnvelope::new("t", "a", "1", "E", serde_json::json!({}), Utc::now());
        let e2 = EventEnvelope::new("t", "a", "2", "E", serde_json::json!({}), Utc::now());
        for l in [letter(Some(e1.clone())), letter(None), letter(Some(e2.clone()))] {
            letters.add(&l).await.unwrap();
        }
        let outbox = Requeued::default();
        let report = replay_dead_letters(&letters, &outbox, Utc::now(), 100, false).await.unwrap();
        assert_eq!(report, ReplayReport { replayed: 1, discarded: 0, left: 2 });
        assert_eq!(*outbox.0.lock().unwrap(), vec![e1.id], "the same event id goes back");
        let report = replay_dead_letters(&letters, &outbox, Utc::now(), 100, true).await.unwrap();
        assert_eq!(report, ReplayReport { replayed: 1, discarded: 1, left: 0 });
        assert_eq!(*outbox.0.lock().unwrap(), vec![e1.id, e2.id]);
    }
}

//! The transactional outbox: events are written with the change that caused them, and the
//! relay moves them to the bus, marking each sent only after the bus acknowledged it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::{sync::Arc, time::Duration};

use crate::{
    PortError,
    clock::Clock,
    events::{EventEnvelope, EventPublisher},
    lease::LeaseLock,
};

/// An outbox row waiting to be published.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingEvent {
    /// The row's sequence number (publication order).
    pub seq: i64,
    /// The event.
    pub event: EventEnvelope,
    /// Failed publication attempts so far.
    pub attempts: u32,
    /// Not to be retried before this instant (set after a failure).
    pub next_attempt_at: DateTime<Utc>,
}

/// Rung after a commit that appended outbox events, so an idle relay in this process starts a
/// pass at once instead of at its next poll. Clones share one signal. A ring while the relay is
/// busy is kept (one pending permit) and starts the pass after the current one, so no write's
/// events wait for the poll; many rings while busy still cost one extra pass.
#[derive(Clone, Debug, Default)]
pub struct OutboxWake(Arc<tokio::sync::Notify>);

impl OutboxWake {
    /// A signal no one has rung yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Says "events were committed": wakes the waiting relay, or the next one to wait.
    pub fn ring(&self) {
        self.0.notify_one();
    }

    /// Resolves at the next ring (at once if one came since the last wait).
    pub async fn rung(&self) {
        self.0.notified().await;
    }
}

/// The outbox table, as the relay sees it.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// The signal this store's writers ring after committing events (every write path of the
    /// adapter that appends to the outbox, in this process). The relay waits on it between
    /// passes; events written by other processes are found by the relay's poll.
    fn written(&self) -> OutboxWake;
    /// The oldest `limit` unsent events, in publication order.
    async fn unsent(&self, limit: u32) -> Result<Vec<PendingEvent>, PortError>;
    /// Marks the events sent. Idempotent.
    async fn mark_sent(&self, seqs: &[i64], at: DateTime<Utc>) -> Result<(), PortError>;
    /// Records a failed attempt and when to try again.
    async fn mark_failed(&self, seq: i64, error: &str, retry_at: DateTime<Utc>) -> Result<(), PortError>;
    /// Number of unsent events (the outbox lag, for metrics and readiness).
    async fn unsent_count(&self) -> Result<u64, PortError>;
    /// When the oldest unsent event was written (`None` when all are sent).
    async fn oldest_unsent_at(&self) -> Result<Option<DateTime<Utc>>, PortError>;
    /// Puts `event` back to be published again under its own id: its row is marked unsent
    /// (or written again if it was purged). Used to replay dead letters.
    async fn requeue(&self, event: &EventEnvelope, now: DateTime<Utc>) -> Result<(), PortError>;
}

/// What one relay pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayReport {
    /// Events acknowledged by the bus and marked sent.
    pub sent: u64,
    /// Events whose publication failed (kept for retry); a failure ends the pass.
    pub failed: u64,
    /// Whether the pass was skipped because another relay holds the lease.
    pub skipped: bool,
}

/// Moves outbox rows to the bus. Several processes may run it: a lease makes one pass run
/// at a time, and consumers dedupe by event id for the rare double publish after a crash.
pub struct OutboxRelay {
    store: Arc<dyn OutboxStore>,
    publisher: Arc<dyn EventPublisher>,
    lease: Arc<dyn LeaseLock>,
    clock: Arc<dyn Clock>,
    holder: String,
    batch_size: u32,
}

/// Polls every future concurrently (each first polled in order) and returns their outputs in order.
async fn futures_join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut set: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, fut) in set.iter_mut().enumerate() {
            if out[i].is_none() {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// Name of the lease that serialises relay passes across processes.
pub const RELAY_LEASE: &str = "outbox-relay";
const LEASE_HOLD: Duration = Duration::from_secs(60);

impl OutboxRelay {
    /// A relay publishing up to `batch_size` events per pass; `holder` names this process in the lease.
    pub fn new(
        store: Arc<dyn OutboxStore>,
        publisher: Arc<dyn EventPublisher>,
        lease: Arc<dyn LeaseLock>,
        clock: Arc<dyn Clock>,
        holder: impl Into<String>,
        batch_size: u32,
    ) -> Self {
        Self { store, publisher, lease, clock, holder: holder.into(), batch_size }
    }

    /// Backoff after `attempts` failures: 1 s doubling up to 5 minutes.
    pub fn backoff(attempts: u32) -> Duration {
        Duration::from_secs(1u64 << attempts.min(9)).min(Duration::from_secs(300))
    }

    /// One pass: publish the oldest unsent events, in order. The batch's publishes are issued
    /// together (queued in order; the idempotent Kafka producer keeps that order per
    /// partition and fails what follows a failed message there) and acknowledged ones are
    /// marked sent in one statement. The first failure ends the pass: the events before it
    /// are marked sent, it is retried after a backoff, and the ones after it are published
    /// again later (consumers dedupe by event id), so no aggregate's events overtake each other.
    pub async fn relay_once(&self) -> Result<RelayReport, PortError> {
        let Some(lease) = self.lease.try_acquire(RELAY_LEASE, &self.holder, LEASE_HOLD).await? else {
            return Ok(RelayReport { skipped: true, ..RelayReport::default() });
        };
        let result = self.publish_due().await;
        // A lease that cannot be released expires on its own after LEASE_HOLD.
        if let Err(err) = self.lease.release(&lease).await {
            tracing::warn!(%err, "could not release the outbox relay lease");
        }
        result
    }

    async fn publish_due(&self) -> Result<RelayReport, PortError> {
        let now = self.clock.now();
        let due: Vec<PendingEvent> =
            self.store.unsent(self.batch_size).await?.into_iter().take_while(|p| p.next_attempt_at <= now).collect();
        let results = futures_join_all(due.iter().map(|p| self.publisher.publish(&p.event))).await;
        let sent = results.iter().take_while(|r| r.is_ok()).count();
        let seqs: Vec<i64> = due[..sent].iter().map(|p| p.seq).collect();
        if !seqs.is_empty() {
            self.store.mark_sent(&seqs, self.clock.now()).await?;
        }
        let mut report = RelayReport { sent: seqs.len() as u64, ..RelayReport::default() };
        if let (Some(pending), Some(Err(err))) = (due.get(sent), results.get(sent)) {
            let retry_at =
                self.clock.now() + chrono::Duration::from_std(Self::backoff(pending.attempts)).unwrap_or_default();
            tracing::warn!(seq = pending.seq, event_id = %pending.event.id, %err, "publishing an outbox event failed; will retry");
            self.store.mark_failed(pending.seq, &err.to_string(), retry_at).await?;
            report.failed = 1;
        }
        Ok(report)
    }

    /// Runs passes until `shutdown` resolves: immediately again after a full batch, otherwise
    /// when the store's [`OutboxStore::written`] signal rings (a write in this process
    /// committed events) or after `idle` at the latest (events written by other processes, and
    /// retries whose backoff ended). Errors are logged and retried; the relay never gives up.
    pub async fn run(&self, idle: Duration, shutdown: impl std::future::Future<Output = ()>) {
        let wake = self.store.written();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let pause = match self.relay_once().await {
                Ok(r) if !r.skipped && r.failed == 0 && r.sent >= u64::from(self.batch_size) => Duration::ZERO,
                Ok(_) => idle,
                Err(err) => {
                    tracing::warn!(%err, "outbox relay pass failed");
                    idle
                }
            };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = wake.rung() => {}
                () = &mut shutdown => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        clock::ManualClock,
        lease::{Lease, new_token},
    };
    use std::sync::Mutex;

    #[derive(Default)]
    struct FakeStore {
        rows: Mutex<Vec<(PendingEvent, Option<DateTime<Utc>>)>>,
        wake: OutboxWake,
        passes: std::sync::atomic::AtomicUsize,
    }

    impl FakeStore {
        /// Appends an event the way an adapter's write path does: the row, then the ring.
        fn append(&self, event: EventEnvelope, at: DateTime<Utc>) {
            let mut rows = self.rows.lock().unwrap();
            let seq = rows.len() as i64 + 1;
            rows.push((PendingEvent { seq, event, attempts: 0, next_attempt_at: at }, None));
            drop(rows);
            self.wake.ring();
        }
    }

    #[async_trait]
    impl OutboxStore for FakeStore {
        fn written(&self) -> OutboxWake {
            self.wake.clone()
        }
        async fn unsent(&self, limit: u32) -> Result<Vec<PendingEvent>, PortError> {
            self.passes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let rows = self.rows.lock().unwrap();
            Ok(rows.iter().filter(|(_, sent)| sent.is_none()).take(limit as usize).map(|r| r.0.clone()).collect())
        }
        async fn mark_sent(&self, seqs: &[i64], at: DateTime<Utc>) -> Result<(), PortError> {
            self.rows.lock().unwrap().iter_mut().filter(|r| seqs.contains(&r.0.seq)).for_each(|r| r.1 = Some(at));
            Ok(())
        }
        async fn mark_failed(&self, seq: i64, _error: &str, retry_at: DateTime<Utc>) -> Result<(), PortError> {
            for r in self.rows.lock().unwrap().iter_mut().filter(|r| r.0.seq == seq) {
                r.0.attempts += 1;
                r.0.next_attempt_at = retry_at;
            }
            Ok(())
        }
        async fn unsent_count(&self) -> Result<u64, PortError> {
            Ok(self.rows.lock().unwrap().iter().filter(|r| r.1.is_none()).count() as u64)
        }
        async fn oldest_unsent_at(&self) -> Result<Option<DateTime<Utc>>, PortError> {
            Ok(self.rows.lock().unwrap().iter().filter(|r| r.1.is_none()).map(|r| r.0.event.occurred_at).min())
        }
        async fn requeue(&self, event: &EventEnvelope, now: DateTime<Utc>) -> Result<(), PortError> {
            let mut rows = self.rows.lock().unwrap();
            if let Some(row) = rows.iter_mut().find(|r| r.0.event.id == event.id) {
                row.1 = None;
                row.0.next_attempt_at = now;
            } else {
                let seq = rows.len() as i64 + 1;
                rows.push((PendingEvent { seq, event: event.clone(), attempts: 0, next_attempt_at: now }, None));
            }
            Ok(())
        }
    }

    #[derive(Default)]
    struct FakeBus {
        down: Mutex<bool>,
        published: Mutex<Vec<EventEnvelope>>,
    }

    #[async_trait]
    impl EventPublisher for FakeBus {
        async fn publish(&self, event: &EventEnvelope) -> Result<(), PortError> {
            if *self.down.lock().unwrap() {
                return Err(PortError::Timeout { dependency: "kafka", after_ms: 5000 });
            }
            self.published.lock().unwrap().push(event.clone());
            Ok(())
        }
    }

    #[derive(Default)]
    struct FakeLease(Mutex<Option<String>>);

    #[async_trait]
    impl LeaseLock for FakeLease {
        async fn try_acquire(&self, name: &str, holder: &str, _: Duration) -> Result<Option<Lease>, PortError> {
            let mut held = self.0.lock().unwrap();
            if held.is_some() {
                return Ok(None);
            }
            let token = new_token();
            *held = Some(token.clone());
            Ok(Some(Lease { name: name.into(), token, holder: holder.into() }))
        }
        async fn release(&self, lease: &Lease) -> Result<bool, PortError> {
            let mut held = self.0.lock().unwrap();
            let ours = held.as_deref() == Some(lease.token.as_str());
            if ours {
                *held = None;
            }
            Ok(ours)
        }
    }

    fn setup(n: usize) -> (Arc<FakeStore>, Arc<FakeBus>, Arc<FakeLease>, ManualClock, OutboxRelay) {
        let clock = ManualClock::new(Utc::now());
        let store = Arc::new(FakeStore::default());
        for i in 0..n {
            let event =
                EventEnvelope::new("t", "a", format!("agg-{}", i % 2), "E", serde_json::json!({ "n": i }), clock.now());
            let pending = PendingEvent { seq: i as i64 + 1, event, attempts: 0, next_attempt_at: clock.now() };
            store.rows.lock().unwrap().push((pending, None));
        }
        let bus = Arc::new(FakeBus::default());
        let lease = Arc::new(FakeLease::default());
        let relay = OutboxRelay::new(store.clone(), bus.clone(), lease.clone(), Arc::new(clock.clone()), "test", 100);
        (store, bus, lease, clock, relay)
    }

    #[tokio::test]
    async fn publishes_in_order_and_marks_sent_only_after_the_ack() {
        let (store, bus, _, _, relay) = setup(5);
        let report = relay.relay_once().await.unwrap();
        assert_eq!(report, RelayReport { sent: 5, failed: 0, skipped: false });
        let seqs: Vec<_> = bus.published.lock().unwrap().iter().map(|e| e.payload["n"].as_u64().unwrap()).collect();
        assert_eq!(seqs, vec![0, 1, 2, 3, 4]);
        assert_eq!(store.unsent_count().await.unwrap(), 0);
        assert_eq!(relay.relay_once().await.unwrap().sent, 0, "sent events are not published again");
    }

    #[tokio::test]
    async fn a_bus_outage_keeps_events_and_retries_after_backoff() {
        let (store, bus, _, clock, relay) = setup(3);
        *bus.down.lock().unwrap() = true;
        let report = relay.relay_once().await.unwrap();
        assert_eq!((report.sent, report.failed), (0, 1));
        assert_eq!(store.unsent_count().await.unwrap(), 3, "nothing is lost while the bus is down");
        *bus.down.lock().unwrap() = false;
        // The failed first event waits for its backoff; the others must not overtake it.
        assert_eq!(relay.relay_once().await.unwrap().sent, 0);
        clock.advance(chrono::Duration::seconds(2));
        assert_eq!(relay.relay_once().await.unwrap().sent, 3);
        let order: Vec<_> = bus.published.lock().unwrap().iter().map(|e| e.payload["n"].as_u64().unwrap()).collect();
        assert_eq!(order, vec![0, 1, 2]);
        assert_eq!(store.unsent_count().await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_pass_is_skipped_while_another_relay_holds_the_lease() {
        let (_, bus, lease, _, relay) = setup(2);
        let other = lease.try_acquire(RELAY_LEASE, "other", Duration::from_secs(60)).await.unwrap().unwrap();
        assert!(relay.relay_once().await.unwrap().skipped);
        assert!(bus.published.lock().unwrap().is_empty());
        lease.release(&other).await.unwrap();
        assert_eq!(relay.relay_once().await.unwrap().sent, 2);
    }

    #[tokio::test]
    async fn an_idle_relay_is_woken_by_an_outbox_write_not_by_its_poll() {
        let (store, bus, _, clock, relay) = setup(0);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let relay = Arc::new(relay);
        let running = {
            let relay = relay.clone();
            // An hour between polls: only the write's ring can start the second pass.
            tokio::spawn(async move {
                relay.run(Duration::from_secs(3600), crate::shutdown::requested(stopped)).await;
            })
        };
        // The start-up pass found nothing; the relay now idles for its hour.
        tokio::time::timeout(Duration::from_secs(30), async {
            while store.passes.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await
        .expect("the relay makes its first pass at start");
        let event = EventEnvelope::new("t", "a", "agg", "E", serde_json::json!({ "n": 7 }), clock.now());
        store.append(event, clock.now());
        tokio::time::timeout(Duration::from_secs(30), async {
            while bus.published.lock().unwrap().is_empty() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await
        .expect("the ring started a pass long before the hourly poll");
        assert_eq!(store.unsent_count().await.unwrap(), 0);
        stop.send(true).unwrap();
        running.await.unwrap();
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(OutboxRelay::backoff(0), Duration::from_secs(1));
        assert_eq!(OutboxRelay::backoff(3), Duration::from_secs(8));
        assert_eq!(OutboxRelay::backoff(8), Duration::from_secs(256));
        assert_eq!(OutboxRelay::backoff(30), Duration::from_secs(300));
    }
}

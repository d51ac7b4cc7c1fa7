//! [`EventConsumer`] on `StreamConsumer`s with manual, synchronous offset commits.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    events::{Delivery, DeliveryPosition, EventConsumer, EventEnvelope, EventSubscription, Received, Undecodable},
};
use rdkafka::{
    ClientConfig, Message, Offset, TopicPartitionList,
    consumer::{CommitMode, Consumer, StreamConsumer},
    error::KafkaResult,
};
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
        mpsc::SyncSender,
    },
    time::Duration,
};

use crate::{DEP, KafkaOptions, millis};

/// Longest a member waits for one commit; one still running then lands later (or fails), and
/// the member goes on meanwhile.
const MAX_COMMIT_WAIT: Duration = Duration::from_secs(3);

/// A member that stops heartbeating leaves its group after this long.
const SESSION_TIMEOUT_MS: u64 = 10_000;

/// Opens consumer-group subscriptions.
#[derive(Debug, Clone)]
pub struct KafkaConsumer {
    options: KafkaOptions,
}

impl KafkaConsumer {
    /// A factory for subscriptions on `options.brokers`.
    pub fn new(options: &KafkaOptions) -> Self {
        Self { options: options.clone() }
    }
}

#[async_trait]
impl EventConsumer for KafkaConsumer {
    async fn subscribe(&self, group: &str, topics: &[&str]) -> Result<Box<dyn EventSubscription>, PortError> {
        let consumer: StreamConsumer = ClientConfig::new()
            .set("bootstrap.servers", &self.options.brokers)
            .set("client.id", &self.options.client_id)
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            // Longer than a rebalance can hold the group coordinator's connection (up to the
            // session timeout): a request that timed out there would drop the connection in the
            // middle of a join (and librdkafka's mock cluster aborts on the rejoin that follows).
            // What the runtime waits for is bounded by `timeout` on its side in any case.
            .set("socket.timeout.ms", millis(self.options.timeout).max(SESSION_TIMEOUT_MS + 5000).to_string())
            .set("session.timeout.ms", SESSION_TIMEOUT_MS.to_string())
            .set("fetch.wait.max.ms", millis(self.options.fetch_wait).to_string())
            .create()
            .map_err(|e| PortError::unavailable(DEP, format!("cannot create the consumer: {e}")))?;
        let names: Vec<String> = topics.iter().map(|t| self.options.topic(t)).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        consumer.subscribe(&refs).map_err(|e| PortError::unavailable(DEP, e))?;
        let consumer = Arc::new(consumer);
        let committing = Arc::new(AtomicBool::new(false));
        let commits = spawn_committer(Arc::clone(&consumer), Arc::clone(&committing))?;
        Ok(Box::new(KafkaSubscription {
            consumer: Some(consumer),
            commits,
            committing,
            prefix: self.options.topic_prefix.clone(),
            timeout: self.options.timeout,
        }))
    }
}

struct KafkaSubscription {
    // Always Some until dropped; an Option so Drop can move it to a thread of its own.
    consumer: Option<Arc<StreamConsumer>>,
    commits: SyncSender<CommitJob>,
    /// A commit is with the committer (cleared by it when the broker answered).
    committing: Arc<AtomicBool>,
    prefix: String,
    timeout: Duration,
}

/// One offset to commit, and where to answer.
struct CommitJob {
    topic: String,
    partition: i32,
    offset: i64,
    reply: tokio::sync::oneshot::Sender<KafkaResult<()>>,
}

/// The subscription's committer: a thread of its own that runs synchronous commits one at a
/// time. A synchronous commit waits for the group coordinator without a bound of its own, and
/// one in flight when the broker goes away never returns; on the runtime's blocking pool it
/// would hold the process at exit, on a thread per commit it would leak one per retry. Here one
/// runs at a time (the subscription refuses another meanwhile), and the caller's wait is bounded.
/// The thread ends when the subscription is dropped (its sender too).
fn spawn_committer(
    consumer: Arc<StreamConsumer>,
    committing: Arc<AtomicBool>,
) -> Result<SyncSender<CommitJob>, PortError> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<CommitJob>(1);
    std::thread::Builder::new()
        .name("kafka-commit".into())
        .spawn(move || {
            while let Ok(job) = rx.recv() {
                let mut list = TopicPartitionList::new();
                let result = list
                    .add_partition_offset(&job.topic, job.partition, Offset::Offset(job.offset + 1))
                    .and_then(|()| consumer.commit(&list, CommitMode::Sync));
                committing.store(false, Ordering::Release);
                let _ = job.reply.send(result);
            }
        })
        .map_err(|e| PortError::unavailable(DEP, format!("cannot start the offset committer: {e}")))?;
    Ok(tx)
}

impl KafkaSubscription {
    fn consumer(&self) -> Result<&Arc<StreamConsumer>, PortError> {
        self.consumer.as_ref().ok_or_else(|| PortError::unavailable(DEP, "subscription closed"))
    }
}

/// Most of a poison message's body kept in its dead letter.
const MAX_KEPT_PAYLOAD: usize = 64 * 1024;

#[async_trait]
impl EventSubscription for KafkaSubscription {
    async fn next(&mut self, wait: Duration) -> Result<Option<Received>, PortError> {
        let consumer = Arc::clone(self.consumer()?);
        let message = match tokio::time::timeout(wait, consumer.recv()).await {
            Err(_) => return Ok(None),
            Ok(Err(err)) => return Err(PortError::unavailable(DEP, err)),
            Ok(Ok(message)) => message.detach(),
        };
        let key = message.key().map(|k| String::from_utf8_lossy(k).into_owned());
        let topic = message.topic().strip_prefix(self.prefix.as_str()).unwrap_or(message.topic()).to_owned();
        let position = DeliveryPosition { topic, partition: message.partition(), offset: message.offset() };
        let body = message.payload().unwrap_or_default();
        Ok(Some(match serde_json::from_slice::<EventEnvelope>(body) {
            Ok(event) => Received::Event(Delivery { event, key, position }),
            Err(err) => Received::Undecodable(Undecodable {
                key,
                payload: String::from_utf8_lossy(&body[..body.len().min(MAX_KEPT_PAYLOAD)]).into_owned(),
                reason: format!("not an event envelope: {err}"),
                position,
            }),
        }))
    }

    async fn commit(&mut self, position: &DeliveryPosition) -> Result<(), PortError> {
        // One commit at a time: while one waits for the broker (a rebalance holds the group
        // coordinator for up to the session timeout), the next is refused at once, so the member
        // goes on handling events; its positions are committed by a later flush.
        if self.committing.swap(true, Ordering::AcqRel) {
            return Err(PortError::unavailable(DEP, "the previous offset commit is still waiting for the broker"));
        }
        let topic = format!("{}{}", self.prefix, position.topic);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job = CommitJob { topic, partition: position.partition, offset: position.offset, reply: tx };
        if self.commits.try_send(job).is_err() {
            self.committing.store(false, Ordering::Release);
            return Err(PortError::unavailable(DEP, "the offset committer stopped"));
        }
        let wait = self.timeout.min(MAX_COMMIT_WAIT);
        tokio::time::timeout(wait, rx)
            .await
            .map_err(|_| PortError::timeout(DEP, wait))?
            .map_err(|e| PortError::unavailable(DEP, e))?
            .map_err(|e| PortError::unavailable(DEP, e))
    }

    /// High watermark minus the group's committed offset, over the assigned partitions.
    async fn lag(&mut self) -> Option<u64> {
        let consumer = Arc::clone(self.consumer().ok()?);
        let timeout = self.timeout;
        let lag = tokio::task::spawn_blocking(move || -> Option<u64> {
            let committed = consumer.committed(timeout).ok()?;
            let mut total = 0u64;
            for el in committed.elements() {
                let (low, high) = consumer.fetch_watermarks(el.topic(), el.partition(), timeout).ok()?;
                let at = match el.offset() {
                    Offset::Offset(o) => o.max(low),
                    _ => low,
                };
                total += u64::try_from(high - at).unwrap_or(0);
            }
            drop(committed);
            Some(total)
        });
        tokio::time::timeout(timeout * 2, lag).await.ok()?.ok()?
    }
}

impl Drop for KafkaSubscription {
    fn drop(&mut self) {
        // Closing a consumer blocks while it leaves the group (for good when the broker is gone):
        // never on an async worker, nor in the runtime's blocking pool, whose shutdown would wait.
        // A program that is stopping waits a bounded time for these ([`wait_for_closed_consumers`]):
        // a member that left is replaced at once, one that vanished only after the session timeout.
        if let Some(consumer) = self.consumer.take() {
            CLOSING.opened();
            let closing = std::thread::Builder::new().name("kafka-close".into()).spawn(move || {
                drop(consumer);
                CLOSING.closed();
            });
            if let Err(err) = closing {
                // The closure, and the consumer in it, were dropped here.
                CLOSING.closed();
                tracing::warn!(%err, "cannot start a thread to close a Kafka consumer; it was closed here");
            }
        }
    }
}

/// Consumers being closed, and a signal when that count changes.
struct Closing {
    count: std::sync::Mutex<usize>,
    changed: std::sync::Condvar,
}

static CLOSING: Closing = Closing { count: std::sync::Mutex::new(0), changed: std::sync::Condvar::new() };

impl Closing {
    fn opened(&self) {
        *self.count.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
    }

    fn closed(&self) {
        let mut count = self.count.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *count = count.saturating_sub(1);
        self.changed.notify_all();
    }
}

/// Blocks until every dropped subscription has left its group, or `timeout` passed; true when
/// all did. For a program's last step: its threads end with it.
pub fn wait_for_closed_consumers(timeout: Duration) -> bool {
    let count = CLOSING.count.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (count, _) = CLOSING
        .changed
        .wait_timeout_while(count, timeout, |n| *n > 0)
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *count == 0
}

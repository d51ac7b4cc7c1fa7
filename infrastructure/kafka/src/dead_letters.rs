//! [`DeadLetterQueue`] on a Kafka topic (`dead-letters`, keyed by consumer group). What is
//! resolved is tracked as the committed offsets of the consumer group [`REPLAY_GROUP`], so the
//! letters past those offsets are the pending ones and the queue's size is the group's lag.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    events::{DeadLetter, DeadLetterQueue, DeliveryPosition},
};
use rdkafka::{
    ClientConfig, Message, Offset, TopicPartitionList,
    consumer::{BaseConsumer, CommitMode, Consumer},
    message::{Header, OwnedHeaders},
};
use std::{collections::BTreeMap, time::Duration};

use crate::{DEP, KafkaOptions, KafkaPublisher, millis};

/// The logical dead-letter topic.
pub const DEAD_LETTER_TOPIC: &str = "dead-letters";
/// The consumer group whose committed offsets mark letters resolved.
pub const REPLAY_GROUP: &str = "dead-letters.replay";

/// The dead-letter topic.
#[derive(Debug, Clone)]
pub struct KafkaDeadLetters {
    publisher: KafkaPublisher,
}

impl KafkaDeadLetters {
    /// Writes through `publisher` (idempotent, acks=all) and reads with short-lived consumers.
    pub fn new(publisher: KafkaPublisher) -> Self {
        Self { publisher }
    }

    fn options(&self) -> &KafkaOptions {
        self.publisher.options()
    }

    /// Runs `f` with a consumer of [`REPLAY_GROUP`] on a blocking thread, under the timeout.
    async fn with_consumer<T: Send + 'static>(
        &self,
        f: impl FnOnce(&BaseConsumer, &str, Duration) -> Result<T, PortError> + Send + 'static,
    ) -> Result<T, PortError> {
        let options = self.options().clone();
        let topic = options.topic(DEAD_LETTER_TOPIC);
        let timeout = options.timeout;
        let work = tokio::task::spawn_blocking(move || {
            let consumer: BaseConsumer = ClientConfig::new()
                .set("bootstrap.servers", &options.brokers)
                .set("client.id", &options.client_id)
                .set("group.id", format!("{}{REPLAY_GROUP}", options.topic_prefix))
                .set("enable.auto.commit", "false")
                .set("auto.offset.reset", "earliest")
                .set("socket.timeout.ms", millis(timeout).max(1000).to_string())
                .create()
                .map_err(|e| PortError::unavailable(DEP, format!("cannot create a consumer: {e}")))?;
            f(&consumer, &topic, timeout)
        });
        // Metadata, offsets, watermarks and reads: a few round trips each bounded by `timeout`.
        let bound = timeout * 6;
        tokio::time::timeout(bound, work)
            .await
            .map_err(|_| PortError::timeout(DEP, bound))?
            .map_err(|e| PortError::unavailable(DEP, e))?
    }
}

/// Per partition: (first pending offset, high watermark). Empty when the topic does not exist yet.
fn pending_ranges(
    consumer: &BaseConsumer,
    topic: &str,
    timeout: Duration,
) -> Result<BTreeMap<i32, (i64, i64)>, PortError> {
    let metadata = consumer.fetch_metadata(Some(topic), timeout).map_err(|e| PortError::unavailable(DEP, e))?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic && t.error().is_none())
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    if partitions.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut list = TopicPartitionList::new();
    for p in &partitions {
        list.add_partition(topic, *p);
    }
    let committed = consumer.committed_offsets(list, timeout).map_err(|e| PortError::unavailable(DEP, e))?;
    let mut ranges = BTreeMap::new();
    for el in committed.elements() {
        let (low, high) =
            consumer.fetch_watermarks(topic, el.partition(), timeout).map_err(|e| PortError::unavailable(DEP, e))?;
        let from = match el.offset() {
            Offset::Offset(o) => o.max(low),
            _ => low,
        };
        if from < high {
            ranges.insert(el.partition(), (from, high));
        }
    }
    drop(committed);
    Ok(ranges)
}

#[async_trait]
impl DeadLetterQueue for KafkaDeadLetters {
    async fn add(&self, letter: &DeadLetter) -> Result<(), PortError> {
        let body =
            serde_json::to_vec(letter).map_err(|e| PortError::Corrupt(format!("cannot encode a dead letter: {e}")))?;
        let id = letter.id.to_string();
        let headers = OwnedHeaders::new().insert(Header { key: "dead-letter-id", value: Some(id.as_str()) });
        self.publisher.send(DEAD_LETTER_TOPIC, &letter.group, &body, headers).await
    }

    async fn pending(&self, limit: usize) -> Result<Vec<DeadLetter>, PortError> {
        self.with_consumer(move |consumer, topic, timeout| {
            let ranges = pending_ranges(consumer, topic, timeout)?;
            let mut letters = Vec::new();
            for (partition, (from, high)) in ranges {
                if letters.len() >= limit {
                    break;
                }
                let mut assignment = TopicPartitionList::new();
                assignment
                    .add_partition_offset(topic, partition, Offset::Offset(from))
                    .map_err(|e| PortError::unavailable(DEP, e))?;
                consumer.assign(&assignment).map_err(|e| PortError::unavailable(DEP, e))?;
                let deadline = std::time::Instant::now() + timeout * 2;
                let mut next = from;
                while next < high && letters.len() < limit {
                    if std::time::Instant::now() > deadline {
                        return Err(PortError::timeout(DEP, timeout * 2));
                    }
                    let Some(message) = consumer.poll(Duration::from_millis(200)) else { continue };
                    let message = message.map_err(|e| PortError::unavailable(DEP, e))?;
                    next = message.offset() + 1;
                    let position =
                        DeliveryPosition { topic: DEAD_LETTER_TOPIC.to_owned(), partition, offset: message.offset() };
                    let mut letter: DeadLetter = serde_json::from_slice(message.payload().unwrap_or_default())
                        .map_err(|e| {
                            PortError::Corrupt(format!("dead letter at {partition}/{}: {e}", message.offset()))
                        })?;
                    letter.position = Some(position);
                    letters.push(letter);
                }
            }
            Ok(letters)
        })
        .await
    }

    async fn resolve(&self, letters: &[DeadLetter]) -> Result<(), PortError> {
        let mut upto: BTreeMap<i32, i64> = BTreeMap::new();
        for letter in letters {
            let Some(p) = &letter.position else {
                return Err(PortError::Corrupt("a dead letter without its position".into()));
            };
            let at = upto.entry(p.partition).or_insert(p.offset);
            *at = (*at).max(p.offset);
        }
        if upto.is_empty() {
            return Ok(());
        }
        self.with_consumer(move |consumer, topic, _| {
            let mut list = TopicPartitionList::new();
            for (partition, offset) in upto {
                list.add_partition_offset(topic, partition, Offset::Offset(offset + 1))
                    .map_err(|e| PortError::unavailable(DEP, e))?;
            }
            consumer.commit(&list, CommitMode::Sync).map_err(|e| PortError::unavailable(DEP, e))
        })
        .await
    }

    async fn size(&self) -> Result<u64, PortError> {
        self.with_consumer(|consumer, topic, timeout| {
            let ranges = pending_ranges(consumer, topic, timeout)?;
            Ok(ranges.values().map(|(from, high)| u64::try_from(high - from).unwrap_or(0)).sum())
        })
        .await
    }
}

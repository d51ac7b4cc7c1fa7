//! [`EventConsumer`] on `StreamConsumer`s with manual, synchronous offset commits.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    events::{Delivery, DeliveryPosition, EventConsumer, EventEnvelope, EventSubscription, Received, Undecodable},
};
use rdkafka::{
    ClientConfig, Message, Offset, TopicPartitionList,
    consumer::{CommitMode, Consumer, StreamConsumer},
};
use std::{sync::Arc, time::Duration};

use crate::{DEP, KafkaOptions, millis};

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
            .set("socket.timeout.ms", millis(self.options.timeout).max(1000).to_string())
            .set("session.timeout.ms", "10000")
            .set("fetch.wait.max.ms", millis(self.options.fetch_wait).to_string())
            .create()
            .map_err(|e| PortError::unavailable(DEP, format!("cannot create the consumer: {e}")))?;
        let names: Vec<String> = topics.iter().map(|t| self.options.topic(t)).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        consumer.subscribe(&refs).map_err(|e| PortError::unavailable(DEP, e))?;
        Ok(Box::new(KafkaSubscription {
            consumer: Some(Arc::new(consumer)),
            prefix: self.options.topic_prefix.clone(),
            timeout: self.options.timeout,
        }))
    }
}

struct KafkaSubscription {
    // Always Some until dropped; an Option so Drop can move it to a blocking thread.
    consumer: Option<Arc<StreamConsumer>>,
    prefix: String,
    timeout: Duration,
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
        let consumer = Arc::clone(self.consumer()?);
        let topic = format!("{}{}", self.prefix, position.topic);
        let (partition, offset) = (position.partition, position.offset);
        let timeout = self.timeout;
        let commit = tokio::task::spawn_blocking(move || {
            let mut list = TopicPartitionList::new();
            list.add_partition_offset(&topic, partition, Offset::Offset(offset + 1))?;
            consumer.commit(&list, CommitMode::Sync)
        });
        tokio::time::timeout(timeout, commit)
            .await
            .map_err(|_| PortError::timeout(DEP, timeout))?
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
        // Closing a consumer blocks while it leaves the group; never do that on an async worker.
        if let Some(consumer) = self.consumer.take() {
            match tokio::runtime::Handle::try_current() {
                Ok(handle) => {
                    handle.spawn_blocking(move || drop(consumer));
                }
                Err(_) => drop(consumer),
            }
        }
    }
}

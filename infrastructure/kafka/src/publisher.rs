//! [`EventPublisher`] on an idempotent `FutureProducer`.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    events::{EventEnvelope, EventPublisher},
    health::HealthCheck,
};
use rdkafka::{
    ClientConfig,
    message::{Header, OwnedHeaders},
    producer::{FutureProducer, FutureRecord, Producer},
    util::Timeout,
};
use std::sync::Arc;

use crate::{DEP, KafkaOptions, millis};

/// Publishes envelopes as JSON, keyed by aggregate id, with `event-id`/`event-type` headers.
#[derive(Clone)]
pub struct KafkaPublisher {
    producer: Arc<FutureProducer>,
    options: KafkaOptions,
}

impl std::fmt::Debug for KafkaPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaPublisher").field("options", &self.options).finish()
    }
}

impl KafkaPublisher {
    /// Creates the producer (connections open in the background).
    pub fn new(options: &KafkaOptions) -> Result<Self, PortError> {
        let producer: FutureProducer = ClientConfig::new()
            .set("bootstrap.servers", &options.brokers)
            .set("client.id", &options.client_id)
            // Idempotence implies acks=all and retries without duplicates or reordering.
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("message.timeout.ms", millis(options.timeout).to_string())
            .set("socket.timeout.ms", millis(options.timeout).max(1000).to_string())
            .set("compression.type", "lz4")
            .create()
            .map_err(|e| PortError::unavailable(DEP, format!("cannot create the producer: {e}")))?;
        Ok(Self { producer: Arc::new(producer), options: options.clone() })
    }
}

impl KafkaPublisher {
    /// Sends one record to the prefixed `logical` topic and waits for the broker's acknowledgement.
    pub(crate) async fn send(
        &self,
        logical: &str,
        key: &str,
        payload: &[u8],
        headers: OwnedHeaders,
    ) -> Result<(), PortError> {
        let topic = self.options.topic(logical);
        let record = FutureRecord::to(&topic).key(key).payload(payload).headers(headers);
        // message.timeout.ms bounds delivery; the outer timeout is a backstop for a stuck client.
        let bound = self.options.timeout + std::time::Duration::from_secs(1);
        let sent = tokio::time::timeout(bound, self.producer.send(record, Timeout::After(self.options.timeout))).await;
        match sent {
            Ok(Ok(_delivery)) => Ok(()),
            Ok(Err((err, _))) => Err(PortError::unavailable(DEP, format!("publishing to {topic} failed: {err}"))),
            Err(_) => Err(PortError::timeout(DEP, bound)),
        }
    }

    pub(crate) fn options(&self) -> &KafkaOptions {
        &self.options
    }
}

#[async_trait]
impl EventPublisher for KafkaPublisher {
    async fn publish(&self, event: &EventEnvelope) -> Result<(), PortError> {
        let payload = serde_json::to_vec(event).map_err(|e| PortError::Corrupt(format!("cannot encode event: {e}")))?;
        let id = event.id.to_string();
        let headers = OwnedHeaders::new()
            .insert(Header { key: "event-id", value: Some(id.as_str()) })
            .insert(Header { key: "event-type", value: Some(event.event_type.as_str()) });
        self.send(&event.topic, &event.aggregate_id, &payload, headers).await
    }
}

#[async_trait]
impl HealthCheck for KafkaPublisher {
    fn name(&self) -> &'static str {
        DEP
    }

    async fn check(&self) -> Result<(), PortError> {
        let producer = Arc::clone(&self.producer);
        let timeout = self.options.timeout;
        // fetch_metadata blocks; keep it off the async workers.
        tokio::task::spawn_blocking(move || producer.client().fetch_metadata(None, timeout).map(|_| ()))
            .await
            .map_err(|e| PortError::unavailable(DEP, e))?
            .map_err(|e| PortError::unavailable(DEP, e))
    }
}

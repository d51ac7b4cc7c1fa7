//! [`Broadcast`] on Redis pub/sub: one channel per deployment (`{prefix}broadcast:{name}`).

use async_trait::async_trait;
use cercat_common::{PortError, broadcast::Broadcast};
use deadpool_redis::redis::cmd;
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::RedisClient;

/// Publishes with `PUBLISH` on a pooled connection; each listener holds its own subscribed
/// connection and ends when that connection drops.
#[derive(Debug, Clone)]
pub struct RedisBroadcast {
    client: RedisClient,
    channel: String,
}

impl RedisBroadcast {
    /// The channel `name` of the client's deployment.
    pub fn new(client: RedisClient, name: &str) -> Self {
        let channel = client.key(&format!("broadcast:{name}"));
        Self { client, channel }
    }
}

#[async_trait]
impl Broadcast for RedisBroadcast {
    async fn publish(&self, message: &str) -> Result<(), PortError> {
        let _receivers: i64 = self.client.query(cmd("PUBLISH").arg(&self.channel).arg(message)).await?;
        Ok(())
    }

    async fn listen(&self) -> Result<mpsc::Receiver<String>, PortError> {
        let mut pubsub = self.client.pubsub().await?;
        let timeout = self.client.timeout();
        tokio::time::timeout(timeout, pubsub.subscribe(&self.channel))
            .await
            .map_err(|_| PortError::timeout("redis", timeout))?
            .map_err(|e| PortError::unavailable("redis", e))?;
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(async move {
            let mut messages = pubsub.into_on_message();
            while let Some(message) = messages.next().await {
                let Ok(text) = message.get_payload::<String>() else { continue };
                if tx.send(text).await.is_err() {
                    return;
                }
            }
            tracing::warn!("the redis broadcast connection closed");
        });
        Ok(rx)
    }
}

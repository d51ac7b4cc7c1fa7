//! [`Cache`] on Redis strings with `PX` expiry.

use async_trait::async_trait;
use cercat_common::{PortError, cache::Cache};
use deadpool_redis::redis::cmd;
use std::time::Duration;

use crate::RedisClient;

/// The shared cache.
#[derive(Clone, Debug)]
pub struct RedisCache {
    client: RedisClient,
}

impl RedisCache {
    /// Keys live under `<prefix>cache:`.
    pub fn new(client: RedisClient) -> Self {
        Self { client }
    }

    fn key(&self, key: &str) -> String {
        self.client.key(&format!("cache:{key}"))
    }
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        self.client.query(cmd("GET").arg(self.key(key))).await
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), PortError> {
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self.client.query::<()>(cmd("SET").arg(self.key(key)).arg(value).arg("PX").arg(ms)).await
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        self.client.query::<()>(cmd("DEL").arg(self.key(key))).await
    }
}

//! In-memory stand-ins for the common ports, for service tests in any context.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use async_trait::async_trait;

use crate::{PortError, cache::Cache};

/// A cache kept in a map (TTLs are ignored: a test's entries never expire), or one whose
/// dependency is down ([`MapCache::broken`]) to prove a service degrades without it.
#[derive(Debug, Default)]
pub struct MapCache {
    entries: Mutex<HashMap<String, Vec<u8>>>,
    broken: bool,
}

impl MapCache {
    /// A cache whose reads time out and whose writes fail, as Redis does when it is down.
    pub fn broken() -> Self {
        Self { entries: Mutex::default(), broken: true }
    }
}

#[async_trait]
impl Cache for MapCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        if self.broken {
            return Err(PortError::Timeout { dependency: "redis", after_ms: 500 });
        }
        Ok(self.entries.lock().map_err(|_| PortError::unavailable("cache", "poisoned"))?.get(key).cloned())
    }

    async fn set(&self, key: &str, value: &[u8], _ttl: Duration) -> Result<(), PortError> {
        if self.broken {
            return Err(PortError::unavailable("redis", "down"));
        }
        self.entries
            .lock()
            .map_err(|_| PortError::unavailable("cache", "poisoned"))?
            .insert(key.into(), value.to_vec());
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        if self.broken {
            return Err(PortError::unavailable("redis", "down"));
        }
        self.entries.lock().map_err(|_| PortError::unavailable("cache", "poisoned"))?.remove(key);
        Ok(())
    }
}

//! In-memory stand-ins for the common ports, for service tests in any context.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use async_trait::async_trait;

use crate::{
    PortError,
    cache::Cache,
    storage::{ImageStorage, StoredObject},
};

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

/// Object storage kept in a map, for services that store images: what was put is there until
/// it is deleted, and [`MapStorage::keys`] shows what is left (so a test sees orphans).
#[derive(Debug, Default)]
pub struct MapStorage {
    objects: Mutex<HashMap<String, Vec<u8>>>,
}

impl MapStorage {
    /// The keys stored now, sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.objects.lock().map(|o| o.keys().cloned().collect()).unwrap_or_default();
        keys.sort();
        keys
    }
}

#[async_trait]
impl ImageStorage for MapStorage {
    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> Result<StoredObject, PortError> {
        let size = bytes.len() as u64;
        self.objects.lock().map_err(|_| PortError::unavailable("storage", "poisoned"))?.insert(key.into(), bytes);
        Ok(StoredObject { key: key.into(), url: self.url_for(key), size })
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        Ok(self.objects.lock().map_err(|_| PortError::unavailable("storage", "poisoned"))?.get(key).cloned())
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        self.objects.lock().map_err(|_| PortError::unavailable("storage", "poisoned"))?.remove(key);
        Ok(())
    }

    fn url_for(&self, key: &str) -> String {
        format!("memory://{key}")
    }
}

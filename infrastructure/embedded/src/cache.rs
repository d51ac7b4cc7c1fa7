//! [`Cache`] in a mutex-guarded map with per-entry expiry and a size bound.

use async_trait::async_trait;
use cercat_common::{PortError, cache::Cache};
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// An in-process cache holding at most `capacity` entries. When full, expired entries are
/// purged first, then the entry closest to expiry is evicted.
#[derive(Debug)]
pub struct MemoryCache {
    entries: Mutex<HashMap<String, (Vec<u8>, Instant)>>,
    capacity: usize,
}

impl MemoryCache {
    /// A cache bounded to `capacity` entries (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self { entries: Mutex::new(HashMap::new()), capacity: capacity.max(1) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Vec<u8>, Instant)>> {
        // A panic while holding the lock cannot leave the map half-updated; keep serving.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Default for MemoryCache {
    fn default() -> Self {
        Self::new(10_000)
    }
}

#[async_trait]
impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        let mut entries = self.lock();
        match entries.get(key) {
            Some((value, expires)) if *expires > Instant::now() => Ok(Some(value.clone())),
            Some(_) => {
                entries.remove(key);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), PortError> {
        let now = Instant::now();
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(key) {
            entries.retain(|_, (_, expires)| *expires > now);
            if entries.len() >= self.capacity {
                let soonest = entries.iter().min_by_key(|(_, (_, expires))| *expires).map(|(k, _)| k.clone());
                if let Some(k) = soonest {
                    entries.remove(&k);
                }
            }
        }
        entries.insert(key.to_owned(), (value.to_vec(), now + ttl.max(Duration::from_millis(1))));
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        self.lock().remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn keeps_the_cache_contract() {
        cercat_common::testkit::cache_contract::run_all(Arc::new(MemoryCache::default()), "c:").await;
    }

    #[tokio::test]
    async fn never_grows_past_its_capacity() {
        let cache = MemoryCache::new(3);
        for i in 0..10 {
            cache.set(&format!("k{i}"), b"v", Duration::from_secs(60 + i)).await.unwrap();
        }
        assert_eq!(cache.lock().len(), 3);
        assert_eq!(cache.get("k9").await.unwrap(), Some(b"v".to_vec()), "the newest entry survives");
    }
}

//! The cache port: bytes under a key with a time to live.

use async_trait::async_trait;
use serde::{Serialize, de::DeserializeOwned};
use std::time::Duration;

use crate::PortError;

/// A shared cache (Redis in production, in-process when embedded). Values are opaque bytes;
/// [`get_json`]/[`set_json`] store serde values. A cache is an optimisation: callers treat its
/// errors as misses and go to the source of truth.
#[async_trait]
pub trait Cache: Send + Sync {
    /// The value under `key`, or `None` if absent or expired.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError>;
    /// Stores `value` under `key` for `ttl` (replacing any value). `ttl` must be at least 1 ms.
    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), PortError>;
    /// Removes `key`; removing a missing key is not an error.
    async fn delete(&self, key: &str) -> Result<(), PortError>;
}

/// Reads a JSON value; undecodable bytes (an older format) count as a miss.
pub async fn get_json<T: DeserializeOwned>(cache: &dyn Cache, key: &str) -> Result<Option<T>, PortError> {
    Ok(cache.get(key).await?.and_then(|bytes| serde_json::from_slice(&bytes).ok()))
}

/// Stores a JSON value.
pub async fn set_json<T: Serialize + Sync>(
    cache: &dyn Cache,
    key: &str,
    value: &T,
    ttl: Duration,
) -> Result<(), PortError> {
    let bytes = serde_json::to_vec(value).map_err(|e| PortError::Corrupt(format!("cannot encode cache value: {e}")))?;
    cache.set(key, &bytes, ttl).await
}

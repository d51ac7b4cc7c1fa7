//! The object-storage port for images.

use async_trait::async_trait;

use crate::PortError;

/// Stored object metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// The key, e.g. `profile/42/3f9c….png`.
    pub key: String,
    /// Where clients load it from.
    pub url: String,
    /// Size in bytes.
    pub size: u64,
}

/// Image bytes in object storage (GCS in production, a directory or memory otherwise).
#[async_trait]
pub trait ImageStorage: Send + Sync {
    /// Stores `bytes` under `key` with `content_type`, replacing any object there.
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<StoredObject, PortError>;
    /// The object's bytes, or `None` if there is none.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError>;
    /// Deletes the object; a missing object is not an error.
    async fn delete(&self, key: &str) -> Result<(), PortError>;
    /// The public URL of `key` (no I/O).
    fn url_for(&self, key: &str) -> String;
}

/// Whether `key` is a safe object key: relative, no `..`, no empty segments, printable ASCII.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 512
        && !key.starts_with('/')
        && key.split('/').all(|seg| !seg.is_empty() && seg != "." && seg != "..")
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'))
}

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

/// Accepted image types, recognised by their first bytes (never by file name).
pub fn sniff_image(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(("png", "image/png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("jpg", "image/jpeg"))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(("gif", "image/gif"))
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("webp", "image/webp"))
    } else {
        None
    }
}

//! `[limits]`: what one client can make the api hold — slow bodies and image uploads.

use serde::{Deserialize, Serialize};

/// Bounds on what one client can make the api hold: slow bodies and image uploads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    /// A request body must arrive within this many seconds of its headers (408 beyond). This
    /// is what stops a trickle of one byte every few seconds; `actix`'s own client timeout only
    /// covers the headers.
    pub body_read_timeout_secs: u64,
    /// Longest pause between two pieces of a body, in seconds (408 beyond).
    pub body_idle_timeout_secs: u64,
    /// Largest multipart (upload) request, in bytes, parts and boundaries included (413 beyond).
    pub upload_max_body_bytes: usize,
    /// Multipart requests read at once by one api instance; more get 503 with `Retry-After`.
    pub upload_max_concurrent: usize,
    /// Images one user may upload in 24 hours (the window starts at the first); beyond, 429
    /// `UPL_001` with `Retry-After`.
    pub upload_daily_files_per_user: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            body_read_timeout_secs: 60,
            body_idle_timeout_secs: 10,
            // Five 5 MiB images plus the JSON part and boundaries.
            upload_max_body_bytes: 26 * 1024 * 1024,
            upload_max_concurrent: 4,
            upload_daily_files_per_user: 200,
        }
    }
}

//! `[storage]`: where images live.

use serde::{Deserialize, Serialize};

/// Object storage.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    /// `gs://bucket/prefix`, `file:///abs/dir` or `memory://`; embedded defaults to `data_dir/objects`.
    pub url: Option<String>,
    /// Base URL clients load objects from (e.g. `https://storage.googleapis.com/bucket`);
    /// defaults to the api's own `/objects` route.
    pub public_base_url: Option<String>,
    /// Upper bound on one object operation.
    pub timeout_ms: u64,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self { url: None, public_base_url: None, timeout_ms: 10_000 }
    }
}

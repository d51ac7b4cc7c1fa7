//! `[redis]`: cache, leases, counters and queues in production.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// `[redis]`: the server production keeps caches, tokens, counters, queues and locks in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://host:6379/0`; required in production. Secret because it may carry a password.
    #[serde(default, skip_serializing)]
    pub url: Option<SecretString>,
    /// Pool size.
    pub pool_size: usize,
    /// Upper bound on getting a connection plus one command.
    pub timeout_ms: u64,
    /// Prefix of every key, so several deployments can share a server.
    pub key_prefix: String,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self { url: None, pool_size: 32, timeout_ms: 500, key_prefix: "cercat:".into() }
    }
}

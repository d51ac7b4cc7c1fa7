//! `[database]`: the relational store.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::Profile;

/// The relational database.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `mysql://user:pass@host:3306/db` or `sqlite://path?mode=rwc`; embedded defaults under
    /// `data_dir`. Secret because it carries the password; never serialized (no default has one).
    #[serde(default, skip_serializing)]
    pub url: Option<SecretString>,
    /// Pool size.
    pub max_connections: u32,
    /// Time to open a connection or wait for a pooled one.
    pub connect_timeout_ms: u64,
    /// Upper bound on any single query or transaction.
    pub query_timeout_ms: u64,
    /// Apply pending migrations at start (always true in embedded mode).
    pub migrate_on_start: bool,
}

impl DatabaseSettings {
    pub(crate) fn defaults(profile: Profile) -> Self {
        let embedded = profile == Profile::Embedded;
        Self {
            url: None,
            max_connections: if embedded { 4 } else { 16 },
            connect_timeout_ms: 3_000,
            query_timeout_ms: 5_000,
            migrate_on_start: embedded,
        }
    }
}

//! The lease lock: at most one holder per name, for at most a bounded time.

use async_trait::async_trait;
use std::time::Duration;

use crate::PortError;

/// A held lease. Release it when done; if the holder dies it expires after its hold time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The lock's name.
    pub name: String,
    /// Unique token proving ownership; release only succeeds with it.
    pub token: String,
    /// Who holds it (host/process), for operators.
    pub holder: String,
}

/// Mutual exclusion across processes (Redis in production, SQL table or in-process otherwise).
/// Callers never wait: if the lease is held they skip the work.
#[async_trait]
pub trait LeaseLock: Send + Sync {
    /// Takes the lease `name` for at most `max_hold` unless someone else holds an unexpired
    /// one, in which case it returns `Ok(None)` at once. `max_hold` must be at least 1 ms.
    async fn try_acquire(&self, name: &str, holder: &str, max_hold: Duration) -> Result<Option<Lease>, PortError>;

    /// Releases `lease` if it is still the current one; returns whether it was. Releasing an
    /// expired lease that someone else has since taken leaves theirs untouched.
    async fn release(&self, lease: &Lease) -> Result<bool, PortError>;
}

/// A fresh unguessable lease token.
pub fn new_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

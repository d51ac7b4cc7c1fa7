//! Idempotency keys with Stripe's semantics: the first request with a key runs; a retry with
//! the same key and the same request gets the first response again (errors included); the
//! same key with a different request is refused; a retry while the first is still running
//! is told so.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;

use crate::PortError;

/// A response kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// Body (the JSON envelope).
    pub body: String,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new (or its earlier run died unfinished): run the request, then
    /// [`IdempotencyStore::complete`] or [`IdempotencyStore::abandon`] it.
    Run,
    /// The key already has a response for the same request: send it again.
    Replay(StoredResponse),
    /// The key was used for a different request.
    Mismatch,
    /// The first request with this key is still running.
    InFlight,
}

/// Where keys and their first responses are kept (the database: they must survive a crash).
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` within `scope` (caller and endpoint) for a request whose canonical
    /// digest is `fingerprint`. A claim left unfinished for longer than `stale_after` (its
    /// process died) may be taken over.
    async fn claim(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
        stale_after: Duration,
    ) -> Result<Claim, PortError>;
    /// Stores the response of a claimed key.
    async fn complete(
        &self,
        scope: &str,
        key: &str,
        response: &StoredResponse,
        now: DateTime<Utc>,
    ) -> Result<(), PortError>;
    /// Forgets an unfinished claim (the request failed in a way a retry may fix).
    async fn abandon(&self, scope: &str, key: &str) -> Result<(), PortError>;
    /// Deletes keys created before `before`; returns how many.
    async fn purge(&self, before: DateTime<Utc>) -> Result<u64, PortError>;
}

//! Fan-out of short notices to every process of the deployment (Redis pub/sub in production,
//! an in-process channel when embedded), e.g. "alarm stored for user 7" so that whichever API
//! instance holds that user's SSE connection pushes it.
//!
//! At most once by design: a process that is not listening when a notice is published misses
//! it. Use it only for notices whose truth is stored elsewhere (the alarm is in the database;
//! a client that reconnects reads it there).

use async_trait::async_trait;
use tokio::sync::mpsc;

use crate::PortError;

/// Publishes and listens on one deployment-wide channel.
#[async_trait]
pub trait Broadcast: Send + Sync {
    /// Sends `message` to every current listener of every process.
    async fn publish(&self, message: &str) -> Result<(), PortError>;

    /// Starts listening. The receiver ends (returns `None`) when the connection behind it is
    /// lost; listen again to resume (notices sent in between are missed).
    async fn listen(&self) -> Result<mpsc::Receiver<String>, PortError>;
}

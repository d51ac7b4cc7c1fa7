//! The event pipeline as operators see it: what waits in the outbox and what consumer groups
//! gave up on. One service, so metrics, the admin CLI and the admin API read and replay the
//! backlog the same way without holding the stores themselves.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::{
    PortError,
    clock::Clock,
    events::{DeadLetter, DeadLetterQueue, ReplayReport, replay_dead_letters},
    outbox::OutboxStore,
};

/// The outbox backlog and the dead-letter queue.
pub struct EventBacklog {
    outbox: Arc<dyn OutboxStore>,
    dead_letters: Arc<dyn DeadLetterQueue>,
    clock: Arc<dyn Clock>,
}

impl EventBacklog {
    /// Over the deployment's outbox and dead-letter queue.
    pub fn new(outbox: Arc<dyn OutboxStore>, dead_letters: Arc<dyn DeadLetterQueue>, clock: Arc<dyn Clock>) -> Self {
        Self { outbox, dead_letters, clock }
    }

    /// Events recorded but not yet published (the outbox lag).
    pub async fn unsent(&self) -> Result<u64, PortError> {
        self.outbox.unsent_count().await
    }

    /// When the oldest unpublished event was recorded (`None` when all are published).
    pub async fn oldest_unsent_at(&self) -> Result<Option<DateTime<Utc>>, PortError> {
        self.outbox.oldest_unsent_at().await
    }

    /// How many dead letters wait for replay.
    pub async fn dead_letter_count(&self) -> Result<u64, PortError> {
        self.dead_letters.size().await
    }

    /// The oldest `limit` dead letters waiting.
    pub async fn dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>, PortError> {
        self.dead_letters.pending(limit).await
    }

    /// Puts up to `limit` dead letters back in the outbox, oldest first (see
    /// [`replay_dead_letters`] for what stops a replay).
    pub async fn replay_dead_letters(
        &self,
        limit: usize,
        discard_undecodable: bool,
    ) -> Result<ReplayReport, PortError> {
        replay_dead_letters(&*self.dead_letters, &*self.outbox, self.clock.now(), limit, discard_undecodable).await
    }
}

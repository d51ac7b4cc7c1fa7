//! A process-local front for a [`SessionRevocations`] store shared with other processes.
//!
//! Embedded mode keeps revocations in SQLite so that `cercat-admin serve` (another process)
//! sees a logout done through the api. Asking SQLite on every authenticated request halved the
//! throughput of cached endpoints, so this front answers most checks from memory:
//! - sessions ended by this process are known at once and kept until their `until` (never
//!   evicted: the set holds only the last ~16 minutes of logouts);
//! - "not revoked" answers from the shared store are remembered for [`FRESH`], so a logout
//!   done by *another* process takes effect here within that time.

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_user::ports::SessionRevocations;
use chrono::{DateTime, Utc};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// How long a "still alive" answer of the shared store is trusted.
pub const FRESH: Duration = Duration::from_secs(1);
/// Most "still alive" answers remembered; past it they are forgotten (costing a lookup).
const MAX_ALIVE: usize = 100_000;

#[derive(Debug, Default)]
struct Memory {
    revoked: HashMap<String, DateTime<Utc>>,
    alive: HashMap<String, Instant>,
}

/// Revocations answered from memory where that is safe, from the shared store otherwise.
pub struct CachedRevocations {
    shared: Arc<dyn SessionRevocations>,
    memory: Mutex<Memory>,
    fresh: Duration,
}

impl std::fmt::Debug for CachedRevocations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedRevocations").field("fresh", &self.fresh).finish()
    }
}

impl CachedRevocations {
    /// In front of `shared`, trusting its "alive" answers for [`FRESH`].
    pub fn new(shared: Arc<dyn SessionRevocations>) -> Self {
        Self::with_freshness(shared, FRESH)
    }

    /// In front of `shared`, trusting its "alive" answers for `fresh`.
    pub fn with_freshness(shared: Arc<dyn SessionRevocations>, fresh: Duration) -> Self {
        Self { shared, memory: Mutex::new(Memory::default()), fresh }
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl SessionRevocations for CachedRevocations {
    async fn revoke(&self, sid: &str, until: DateTime<Utc>) -> Result<(), PortError> {
        {
            let mut memory = self.memory();
            let now = Utc::now();
            memory.revoked.retain(|_, u| *u > now);
            memory.revoked.insert(sid.to_owned(), until);
            memory.alive.remove(sid);
        }
        self.shared.revoke(sid, until).await
    }

    async fn is_revoked(&self, sid: &str, now: DateTime<Utc>) -> Result<bool, PortError> {
        {
            let memory = self.memory();
            if memory.revoked.get(sid).is_some_and(|until| *until > now) {
                return Ok(true);
            }
            if memory.alive.get(sid).is_some_and(|at| at.elapsed() < self.fresh) {
                return Ok(false);
            }
        }
        let revoked = self.shared.is_revoked(sid, now).await?;
        let mut memory = self.memory();
        if revoked {
            memory.alive.remove(sid);
        } else {
            if memory.alive.len() >= MAX_ALIVE {
                let fresh = self.fresh;
                memory.alive.retain(|_, at| at.elapsed() < fresh);
                if memory.alive.len() >= MAX_ALIVE {
                    memory.alive.clear();
                }
            }
            memory.alive.insert(sid.to_owned(), Instant::now());
        }
        Ok(revoked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shared store another process writes to.
    #[derive(Default)]
    struct Shared(Mutex<HashMap<String, DateTime<Utc>>>);

    #[async_trait]
    impl SessionRevocations for Shared {
        async fn revoke(&self, sid: &str, until: DateTime<Utc>) -> Result<(), PortError> {
            self.0.lock().unwrap().insert(sid.to_owned(), until);
            Ok(())
        }
        async fn is_revoked(&self, sid: &str, now: DateTime<Utc>) -> Result<bool, PortError> {
            Ok(self.0.lock().unwrap().get(sid).is_some_and(|u| *u > now))
        }
    }

    #[tokio::test]
    async fn keeps_the_revocations_contract() {
        let front = CachedRevocations::new(Arc::new(Shared::default()));
        cercat_user::testkit::revocations_contract(Arc::new(front), "c:").await;
    }

    #[tokio::test]
    async fn a_logout_by_another_process_takes_effect_within_the_freshness() {
        let shared = Arc::new(Shared::default());
        let front = CachedRevocations::with_freshness(shared.clone(), Duration::from_millis(100));
        let until = Utc::now() + chrono::Duration::minutes(16);
        assert!(!front.is_revoked("s", Utc::now()).await.unwrap());
        shared.revoke("s", until).await.unwrap(); // the other process
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(front.is_revoked("s", Utc::now()).await.unwrap(), "seen after the freshness window");
        // Revoked here: known at once, even with a fresh "alive" answer remembered.
        assert!(!front.is_revoked("t", Utc::now()).await.unwrap());
        front.revoke("t", until).await.unwrap();
        assert!(front.is_revoked("t", Utc::now()).await.unwrap());
    }
}

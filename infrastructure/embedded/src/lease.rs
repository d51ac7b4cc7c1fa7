//! [`LeaseLock`] for one process.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    lease::{Lease, LeaseLock, new_token},
};
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Leases in a mutex-guarded map. Only coordinates tasks of one process; use the SQL or
/// Redis lease when several processes share work.
#[derive(Debug, Default)]
pub struct MemoryLeaseLock {
    held: Mutex<HashMap<String, (String, Instant)>>,
}

impl MemoryLeaseLock {
    /// An empty lock table.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl LeaseLock for MemoryLeaseLock {
    async fn try_acquire(&self, name: &str, holder: &str, max_hold: Duration) -> Result<Option<Lease>, PortError> {
        let now = Instant::now();
        let mut held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.get(name).is_some_and(|(_, expires)| *expires > now) {
            return Ok(None);
        }
        let token = new_token();
        held.insert(name.to_owned(), (token.clone(), now + max_hold.max(Duration::from_millis(1))));
        Ok(Some(Lease { name: name.to_owned(), token, holder: holder.to_owned() }))
    }

    async fn release(&self, lease: &Lease) -> Result<bool, PortError> {
        let mut held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let ours =
            held.get(&lease.name).is_some_and(|(token, expires)| *token == lease.token && *expires > Instant::now());
        if ours {
            held.remove(&lease.name);
        }
        Ok(ours)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn keeps_the_lease_contract() {
        cercat_common::testkit::lease_contract::run_all(Arc::new(MemoryLeaseLock::new()), "l:").await;
    }
}

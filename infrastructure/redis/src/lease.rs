//! [`LeaseLock`] as `SET key token NX PX` and a compare-and-delete script.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    lease::{Lease, LeaseLock, new_token},
};
use deadpool_redis::redis::{Script, cmd};
use std::{sync::Arc, time::Duration};

use crate::RedisClient;

// Deletes the lease only if it still holds our value, atomically.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Leases shared by every process using the same Redis.
#[derive(Clone, Debug)]
pub struct RedisLeaseLock {
    client: RedisClient,
    release: Arc<Script>,
}

impl RedisLeaseLock {
    /// Keys live under `<prefix>lease:`.
    pub fn new(client: RedisClient) -> Self {
        Self { client, release: Arc::new(RedisClient::script(RELEASE)) }
    }

    fn key(&self, name: &str) -> String {
        self.client.key(&format!("lease:{name}"))
    }
}

fn value(lease: &Lease) -> String {
    format!("{}|{}", lease.token, lease.holder)
}

#[async_trait]
impl LeaseLock for RedisLeaseLock {
    async fn try_acquire(&self, name: &str, holder: &str, max_hold: Duration) -> Result<Option<Lease>, PortError> {
        let lease = Lease { name: name.to_owned(), token: new_token(), holder: holder.to_owned() };
        let ms = u64::try_from(max_hold.as_millis()).unwrap_or(u64::MAX).max(1);
        let set: Option<String> =
            self.client.query(cmd("SET").arg(self.key(name)).arg(value(&lease)).arg("NX").arg("PX").arg(ms)).await?;
        Ok(set.map(|_| lease))
    }

    async fn release(&self, lease: &Lease) -> Result<bool, PortError> {
        let mut invocation = self.release.prepare_invoke();
        invocation.key(self.key(&lease.name)).arg(value(lease));
        let deleted: i64 = self.client.invoke(&invocation).await?;
        Ok(deleted == 1)
    }
}

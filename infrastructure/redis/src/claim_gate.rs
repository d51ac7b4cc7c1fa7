//! [`ClaimGate`] on Redis: per event a set of the users counted in (`<prefix>cpn:<id>:claimed`)
//! and a marker that the set was loaded from the database (`…:ready`). A click is one Lua
//! script — cold? counted? full? else count in — so the check and the count can never be
//! split by another click (the split is what told 0.014 % of Olive Young's rush "issued" when
//! they were not). A flush removes both keys; the next click finds the event cold and the
//! service loads the set again from the database's claims.

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_coupon::first_come::{ClaimGate, GateAnswer};
use chrono::{DateTime, Utc};
use deadpool_redis::redis::{Script, cmd};
use std::sync::Arc;

use crate::RedisClient;

const TAKE: &str = r"
if redis.call('EXISTS', KEYS[2]) == 0 then return 3 end
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 2 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 1 end
redis.call('SADD', KEYS[1], ARGV[1])
return 0
";

// Loads only a cold event: while it is cold nobody is counted in, so the set is rebuilt from
// the database's claims without losing a click.
const LOAD: &str = r"
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('DEL', KEYS[1])
for i = 2, #ARGV do redis.call('SADD', KEYS[1], ARGV[i]) end
redis.call('SET', KEYS[2], '1')
redis.call('EXPIREAT', KEYS[2], ARGV[1])
if #ARGV > 1 then redis.call('EXPIREAT', KEYS[1], ARGV[1]) end
return 1
";

/// The first-come gate shared by every api instance using the same Redis.
#[derive(Clone)]
pub struct RedisClaimGate {
    client: RedisClient,
    take: Arc<Script>,
    load: Arc<Script>,
}

impl std::fmt::Debug for RedisClaimGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisClaimGate").field("client", &self.client).finish()
    }
}

impl RedisClaimGate {
    /// Keys live under `<prefix>cpn:<event id>:…`.
    pub fn new(client: RedisClient) -> Self {
        Self { client, take: Arc::new(RedisClient::script(TAKE)), load: Arc::new(RedisClient::script(LOAD)) }
    }

    fn keys(&self, event_id: i64) -> (String, String) {
        (self.client.key(&format!("cpn:{event_id}:claimed")), self.client.key(&format!("cpn:{event_id}:ready")))
    }
}

#[async_trait]
impl ClaimGate for RedisClaimGate {
    async fn take(&self, event_id: i64, user_id: i64, quantity: u32) -> Result<GateAnswer, PortError> {
        let (set, ready) = self.keys(event_id);
        let mut inv = self.take.prepare_invoke();
        inv.key(set).key(ready).arg(user_id).arg(quantity);
        let answer: i64 = self.client.invoke(&inv).await?;
        Ok(match answer {
            0 => GateAnswer::Admitted,
            1 => GateAnswer::SoldOut,
            2 => GateAnswer::AlreadyClaimed,
            _ => GateAnswer::Cold,
        })
    }

    async fn load(&self, event_id: i64, claimants: &[i64], keep_until: DateTime<Utc>) -> Result<(), PortError> {
        let (set, ready) = self.keys(event_id);
        let mut inv = self.load.prepare_invoke();
        inv.key(set).key(ready).arg(keep_until.timestamp());
        for user in claimants {
            inv.arg(*user);
        }
        let _: i64 = self.client.invoke(&inv).await?;
        Ok(())
    }

    async fn release(&self, event_id: i64, user_id: i64) -> Result<(), PortError> {
        let (set, _) = self.keys(event_id);
        let _: i64 = self.client.query(cmd("SREM").arg(set).arg(user_id)).await?;
        Ok(())
    }
}

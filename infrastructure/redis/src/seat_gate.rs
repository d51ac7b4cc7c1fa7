//! [`SeatGate`] on Redis: per course a counter of free seats (`<prefix>crs:{<id>}:free`, whose
//! presence marks the course as loaded) and a set of the students holding one
//! (`…:holders`), both expiring together after the gate's bound. Each step is one Lua
//! script, so a check and its count are never split by another attempt; `{<id>}` keeps a
//! course's keys in one cluster slot.

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_course::gate::{SeatAnswer, SeatFacts, SeatGate};
use deadpool_redis::redis::{Script, cmd};
use std::sync::Arc;
use std::time::Duration;

use crate::RedisClient;

const TAKE: &str = r"
local free = redis.call('GET', KEYS[1])
if not free then return 3 end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 2 end
if tonumber(free) <= 0 then return 1 end
redis.call('DECR', KEYS[1])
redis.call('SADD', KEYS[2], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 0
";

// Loads only a cold course, so a load racing another (or an attempt already counted) never
// overwrites what the gate counts.
const LOAD: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
for i = 3, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
if #ARGV > 2 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
return 1
";

// A seat goes back only for a student the gate counts (INCR keeps the counter's expiry).
const GIVE_BACK: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('SREM', KEYS[2], ARGV[1]) == 1 then
  redis.call('INCR', KEYS[1])
  return 1
end
return 0
";

/// The seat gate shared by every api (and batch) instance using the same Redis.
#[derive(Clone)]
pub struct RedisSeatGate {
    client: RedisClient,
    take: Arc<Script>,
    load: Arc<Script>,
    give_back: Arc<Script>,
}

impl std::fmt::Debug for RedisSeatGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSeatGate").field("client", &self.client).finish()
    }
}

impl RedisSeatGate {
    /// Keys live under `<prefix>crs:{<course id>}:…`.
    pub fn new(client: RedisClient) -> Self {
        Self {
            client,
            take: Arc::new(RedisClient::script(TAKE)),
            load: Arc::new(RedisClient::script(LOAD)),
            give_back: Arc::new(RedisClient::script(GIVE_BACK)),
        }
    }

    fn keys(&self, course_id: i64) -> (String, String) {
        (
            self.client.key(&format!("crs:{{{course_id}}}:free")),
            self.client.key(&format!("crs:{{{course_id}}}:holders")),
        )
    }
}

#[async_trait]
impl SeatGate for RedisSeatGate {
    async fn take(&self, course_id: i64, user_id: i64) -> Result<SeatAnswer, PortError> {
        let (free, holders) = self.keys(course_id);
        let mut inv = self.take.prepare_invoke();
        inv.key(free).key(holders).arg(user_id);
        let answer: i64 = self.client.invoke(&inv).await?;
        Ok(match answer {
            0 => SeatAnswer::Admitted,
            1 => SeatAnswer::SoldOut,
            2 => SeatAnswer::Holding,
            _ => SeatAnswer::Cold,
        })
    }

    async fn load(&self, course_id: i64, facts: &SeatFacts, ttl: Duration) -> Result<(), PortError> {
        let (free, holders) = self.keys(course_id);
        let mut inv = self.load.prepare_invoke();
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        inv.key(free).key(holders).arg(ttl_ms).arg(facts.free);
        for user in &facts.holders {
            inv.arg(*user);
        }
        let _: i64 = self.client.invoke(&inv).await?;
        Ok(())
    }

    async fn give_back(&self, course_id: i64, user_id: i64) -> Result<(), PortError> {
        let (free, holders) = self.keys(course_id);
        let mut inv = self.give_back.prepare_invoke();
        inv.key(free).key(holders).arg(user_id);
        let _: i64 = self.client.invoke(&inv).await?;
        Ok(())
    }

    async fn forget(&self, course_id: i64) -> Result<(), PortError> {
        let (free, holders) = self.keys(course_id);
        let _: i64 = self.client.query(cmd("DEL").arg(free).arg(holders)).await?;
        Ok(())
    }
}

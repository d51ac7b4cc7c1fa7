//! [`ViewCounter`] on Redis, shared by every api instance: a marker per viewer, product and
//! day (`<prefix>mkt:seen:<day>:<product>:<viewer>`, two days' life), a hash of the views
//! counted since the last batch (`mkt:views:pending`, product → views), and the batch handed
//! out and not yet acknowledged (`mkt:views:taken`, its id in `mkt:views:taken:id`). Recording,
//! taking and acknowledging are one Lua script each, so a view is counted once and lands in
//! exactly one batch whichever instances race.

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_market::ports::{ViewBatch, ViewCounter};
use chrono::NaiveDate;
use deadpool_redis::redis::Script;
use std::sync::Arc;

use crate::RedisClient;

/// A viewer is remembered for two days: past the end of the (Seoul) day the view was on,
/// whichever hour of it the view came.
const SEEN_TTL_SECS: u64 = 2 * 24 * 3600;

const RECORD: &str = r"
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then
  redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  return 1
end
return 0
";

// A taken batch is answered again until it is acknowledged; only without one do the pending
// views become the next batch, renamed whole, so a view is in exactly one batch.
const TAKE: &str = r"
if redis.call('EXISTS', KEYS[2]) == 1 then
  local id = redis.call('GET', KEYS[3])
  if not id then
    id = ARGV[1]
    redis.call('SET', KEYS[3], id)
  end
  return {id, redis.call('HGETALL', KEYS[2])}
end
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('SET', KEYS[3], ARGV[1])
return {ARGV[1], redis.call('HGETALL', KEYS[2])}
";

const ACK: &str = r"
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
return 0
";

/// The market's view counter shared by every api instance using the same Redis.
#[derive(Clone)]
pub struct RedisViewCounter {
    client: RedisClient,
    record: Arc<Script>,
    take: Arc<Script>,
    ack: Arc<Script>,
}

impl std::fmt::Debug for RedisViewCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisViewCounter").field("client", &self.client).finish()
    }
}

impl RedisViewCounter {
    /// Keys live under `<prefix>mkt:seen:…` and `<prefix>mkt:views:…`.
    pub fn new(client: RedisClient) -> Self {
        Self {
            client,
            record: Arc::new(RedisClient::script(RECORD)),
            take: Arc::new(RedisClient::script(TAKE)),
            ack: Arc::new(RedisClient::script(ACK)),
        }
    }

    fn pending(&self) -> String {
        self.client.key("mkt:views:pending")
    }

    fn taken(&self) -> (String, String) {
        (self.client.key("mkt:views:taken"), self.client.key("mkt:views:taken:id"))
    }
}

#[async_trait]
impl ViewCounter for RedisViewCounter {
    async fn record(&self, product_id: i64, viewer_id: i64, day: NaiveDate) -> Result<bool, PortError> {
        let seen = self.client.key(&format!("mkt:seen:{}:{product_id}:{viewer_id}", day.format("%Y-%m-%d")));
        let mut inv = self.record.prepare_invoke();
        inv.key(seen).key(self.pending()).arg(product_id).arg(SEEN_TTL_SECS);
        let counted: i64 = self.client.invoke(&inv).await?;
        Ok(counted == 1)
    }

    async fn take(&self) -> Result<Option<ViewBatch>, PortError> {
        let (taken, taken_id) = self.taken();
        // A fresh uuid, not a Redis sequence: a Redis that lost its data would restart a
        // sequence at ids the database has applied already, and drop those batches' views.
        let id = uuid::Uuid::now_v7().to_string();
        let mut inv = self.take.prepare_invoke();
        inv.key(self.pending()).key(taken).key(taken_id).arg(id);
        let batch: Option<(String, Vec<(i64, u64)>)> = self.client.invoke(&inv).await?;
        Ok(batch.map(|(id, mut counts)| {
            counts.sort_unstable();
            ViewBatch { id, counts }
        }))
    }

    async fn ack(&self, batch_id: &str) -> Result<(), PortError> {
        let (taken, taken_id) = self.taken();
        let mut inv = self.ack.prepare_invoke();
        inv.key(taken).key(taken_id).arg(batch_id);
        let _: i64 = self.client.invoke(&inv).await?;
        Ok(())
    }
}

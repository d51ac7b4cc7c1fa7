//! [`WaitingRoom`] on Redis: a sorted set per course (member = user, score = arrival
//! number) and a hash with the arrival counter, the admitted count and the admission clock.
//! Every operation is one Lua script, so concurrent api instances see one order and one rate.

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_course::ports::{RoomState, WaitingRoom};
use chrono::{DateTime, Utc};
use deadpool_redis::redis::{Script, cmd};
use std::sync::Arc;

use crate::RedisClient;

/// Rooms outlive their enrollment window by this much, then Redis drops them.
const ROOM_TTL_SECS: u64 = 3 * 24 * 3600;

const JOIN: &str = r"
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1) - 1
  redis.call('ZADD', KEYS[1], seq, ARGV[1])
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return {redis.call('ZRANK', KEYS[1], ARGV[1]), redis.call('ZCARD', KEYS[1]),
        tonumber(redis.call('HGET', KEYS[2], 'admitted') or '0')}
";

const STANDING: &str = r"
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if not rank then rank = -1 end
return {rank, redis.call('ZCARD', KEYS[1]), tonumber(redis.call('HGET', KEYS[2], 'admitted') or '0')}
";

// Mirrors `cercat_embedded::admission_step`: at most `rate` per second since `last`, at
// most one second of credit, nothing banked while nobody waits.
const ADMIT: &str = r"
local len = redis.call('ZCARD', KEYS[1])
local admitted = tonumber(redis.call('HGET', KEYS[2], 'admitted') or '0')
local last = redis.call('HGET', KEYS[2], 'last')
local rate = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local waiting = len - admitted
if (not last) or waiting <= 0 then
  redis.call('HSET', KEYS[2], 'last', ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  return {len, admitted}
end
last = tonumber(last)
if now - last > 1000 then last = now - 1000 end
local credit = math.floor((now - last) * rate / 1000)
if credit <= 0 then
  redis.call('HSET', KEYS[2], 'last', string.format('%.0f', last))
  return {len, admitted}
end
local grant = math.min(credit, waiting)
if grant < credit then last = now else last = last + math.ceil(grant * 1000 / rate) end
admitted = admitted + grant
redis.call('HSET', KEYS[2], 'admitted', admitted, 'last', string.format('%.0f', last))
return {len, admitted}
";

/// Waiting rooms shared by every api instance using the same Redis.
#[derive(Clone)]
pub struct RedisWaitingRoom {
    client: RedisClient,
    join: Arc<Script>,
    standing: Arc<Script>,
    admit: Arc<Script>,
}

impl std::fmt::Debug for RedisWaitingRoom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisWaitingRoom").field("client", &self.client).finish()
    }
}

impl RedisWaitingRoom {
    /// Keys live under `<prefix>course:<id>:room`.
    pub fn new(client: RedisClient) -> Self {
        Self {
            client,
            join: Arc::new(RedisClient::script(JOIN)),
            standing: Arc::new(RedisClient::script(STANDING)),
            admit: Arc::new(RedisClient::script(ADMIT)),
        }
    }

    fn keys(&self, course_id: i64) -> (String, String) {
        (
            self.client.key(&format!("course:{course_id}:room")),
            self.client.key(&format!("course:{course_id}:room:meta")),
        )
    }
}

fn state(length: i64, admitted: i64) -> RoomState {
    RoomState { length: u64::try_from(length).unwrap_or(0), admitted: u64::try_from(admitted).unwrap_or(0) }
}

#[async_trait]
impl WaitingRoom for RedisWaitingRoom {
    async fn join(&self, course_id: i64, user_id: i64) -> Result<(u64, RoomState), PortError> {
        let (set, meta) = self.keys(course_id);
        let mut inv = self.join.prepare_invoke();
        inv.key(set).key(meta).arg(user_id).arg(ROOM_TTL_SECS);
        let (rank, len, admitted): (i64, i64, i64) = self.client.invoke(&inv).await?;
        Ok((u64::try_from(rank).unwrap_or(0), state(len, admitted)))
    }

    async fn standing(&self, course_id: i64, user_id: i64) -> Result<(Option<u64>, RoomState), PortError> {
        let (set, meta) = self.keys(course_id);
        let mut inv = self.standing.prepare_invoke();
        inv.key(set).key(meta).arg(user_id);
        let (rank, len, admitted): (i64, i64, i64) = self.client.invoke(&inv).await?;
        Ok((u64::try_from(rank).ok(), state(len, admitted)))
    }

    async fn admit(&self, course_id: i64, rate_per_sec: u32, now: DateTime<Utc>) -> Result<RoomState, PortError> {
        let (set, meta) = self.keys(course_id);
        let mut inv = self.admit.prepare_invoke();
        inv.key(set).key(meta).arg(rate_per_sec.max(1)).arg(now.timestamp_millis()).arg(ROOM_TTL_SECS);
        let (len, admitted): (i64, i64) = self.client.invoke(&inv).await?;
        Ok(state(len, admitted))
    }

    async fn state(&self, course_id: i64) -> Result<RoomState, PortError> {
        let (set, meta) = self.keys(course_id);
        let len: i64 = self.client.query(cmd("ZCARD").arg(set)).await?;
        let admitted: Option<i64> = self.client.query(cmd("HGET").arg(meta).arg("admitted")).await?;
        Ok(state(len, admitted.unwrap_or(0)))
    }

    async fn clear(&self, course_id: i64) -> Result<(), PortError> {
        let (set, meta) = self.keys(course_id);
        let _: i64 = self.client.query(cmd("DEL").arg(set).arg(meta)).await?;
        Ok(())
    }
}

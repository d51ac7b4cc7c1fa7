//! Refresh tokens and rate limits in Redis, each operation one Lua script (atomic).
//!
//! Keys (under the deployment prefix): `rt:<hash>` → hash {s: A|U, u, f} with TTL;
//! `rtf:<family>` → set of token hashes; `rtu:<user>` → set of families. Scripts build the
//! family/user keys from the prefix they are given, so this layout needs a single Redis (or
//! Redis with all keys on one shard), not Redis Cluster.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    ratelimit::{RateDecision, RateLimiter},
};
use cercat_user::ports::{RefreshSession, RefreshTokenStore, Rotation, SessionRevocations};
use chrono::{DateTime, Utc};
use deadpool_redis::redis::{Script, cmd};
use std::{sync::Arc, time::Duration};

use crate::RedisClient;

// The family and user sets live as long as their longest-lived token: a set's TTL is only
// ever pushed out, so a short-lived token does not make them forget longer-lived ones.
const EXTEND: &str = r"
local function extend(key, ms)
  if redis.call('PTTL', key) < tonumber(ms) then redis.call('PEXPIRE', key, ms) end
end
";

const CREATE: &str = r"
redis.call('HSET', KEYS[1], 's', 'A', 'u', ARGV[2], 'f', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local fam = ARGV[4] .. 'rtf:' .. ARGV[3]
redis.call('SADD', fam, ARGV[5])
extend(fam, ARGV[1])
local usr = ARGV[4] .. 'rtu:' .. ARGV[2]
redis.call('SADD', usr, ARGV[3])
extend(usr, ARGV[1])
return 1
";

// KEYS: old, new. ARGV: ttl ms, prefix, new hash, now ms, grace ms.
// Answers {1, u, f, spent_at} rotated (now or within grace), {2, u, f} reused, {0} unknown.
const ROTATE: &str = r"
local st = redis.call('HMGET', KEYS[1], 's', 'u', 'f', 'n', 't')
if not st[1] then return {0} end
local u, f = st[2], st[3]
local fam = ARGV[2] .. 'rtf:' .. f
if st[1] == 'U' then
  if st[4] == ARGV[3] and tonumber(ARGV[4]) < tonumber(st[5]) + tonumber(ARGV[5]) then
    return {1, u, f, st[5]}
  end
  for _, h in ipairs(redis.call('SMEMBERS', fam)) do redis.call('DEL', ARGV[2] .. 'rt:' .. h) end
  redis.call('DEL', fam)
  redis.call('SREM', ARGV[2] .. 'rtu:' .. u, f)
  return {2, u, f}
end
redis.call('HSET', KEYS[1], 's', 'U', 'n', ARGV[3], 't', ARGV[4])
redis.call('HSET', KEYS[2], 's', 'A', 'u', u, 'f', f)
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('SADD', fam, ARGV[3])
extend(fam, ARGV[1])
extend(ARGV[2] .. 'rtu:' .. u, ARGV[1])
return {1, u, f, ARGV[4]}
";

const REVOKE_FAMILY: &str = r"
local fam = ARGV[1] .. 'rtf:' .. ARGV[2]
for _, h in ipairs(redis.call('SMEMBERS', fam)) do redis.call('DEL', ARGV[1] .. 'rt:' .. h) end
redis.call('DEL', fam)
return 1
";

const REVOKE_USER: &str = r"
local usr = ARGV[1] .. 'rtu:' .. ARGV[2]
local out = {}
for _, f in ipairs(redis.call('SMEMBERS', usr)) do
  if f ~= ARGV[3] then
    local fam = ARGV[1] .. 'rtf:' .. f
    if redis.call('EXISTS', fam) == 1 then table.insert(out, f) end
    for _, h in ipairs(redis.call('SMEMBERS', fam)) do redis.call('DEL', ARGV[1] .. 'rt:' .. h) end
    redis.call('DEL', fam)
    redis.call('SREM', usr, f)
  end
end
return out
";

// ARGV: prefix, user. A family counts while one of its tokens' keys still exists (a token's
// key expires with it; the family and user sets may outlive their tokens).
const LIVE_FAMILIES: &str = r"
local out = {}
for _, f in ipairs(redis.call('SMEMBERS', ARGV[1] .. 'rtu:' .. ARGV[2])) do
  for _, h in ipairs(redis.call('SMEMBERS', ARGV[1] .. 'rtf:' .. f)) do
    if redis.call('EXISTS', ARGV[1] .. 'rt:' .. h) == 1 then
      table.insert(out, f)
      break
    end
  end
end
return out
";

const HIT: &str = r"
local c = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {c, ttl}
";

const CHECK: &str = r"
local c = tonumber(redis.call('GET', KEYS[1]) or '0')
return {c, redis.call('PTTL', KEYS[1])}
";

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// Refresh tokens shared by every api instance.
#[derive(Clone, Debug)]
pub struct RedisRefreshStore {
    client: RedisClient,
    scripts: Arc<[Script; 5]>,
}

impl RedisRefreshStore {
    /// Keys live under `<prefix>rt:`, `rtf:`, `rtu:`.
    pub fn new(client: RedisClient) -> Self {
        let scripts = [
            RedisClient::script(&format!("{EXTEND}{CREATE}")),
            RedisClient::script(&format!("{EXTEND}{ROTATE}")),
            RedisClient::script(REVOKE_FAMILY),
            RedisClient::script(REVOKE_USER),
            RedisClient::script(LIVE_FAMILIES),
        ];
        Self { client, scripts: Arc::new(scripts) }
    }

    fn prefix(&self) -> String {
        self.client.key("")
    }
}

fn session(user: &str, family: String) -> Result<RefreshSession, PortError> {
    let user_id = user.parse().map_err(|_| PortError::Corrupt(format!("refresh token with user `{user}`")))?;
    Ok(RefreshSession { user_id, family })
}

#[async_trait]
impl RefreshTokenStore for RedisRefreshStore {
    async fn create(&self, token_hash: &str, s: &RefreshSession, ttl: Duration) -> Result<(), PortError> {
        let mut inv = self.scripts[0].prepare_invoke();
        inv.key(self.client.key(&format!("rt:{token_hash}")))
            .arg(ms(ttl))
            .arg(s.user_id)
            .arg(&s.family)
            .arg(self.prefix())
            .arg(token_hash);
        self.client.invoke::<i64>(&inv).await.map(|_| ())
    }

    async fn rotate(
        &self,
        old_hash: &str,
        new_hash: &str,
        ttl: Duration,
        now: DateTime<Utc>,
        grace: Duration,
    ) -> Result<Rotation, PortError> {
        let mut inv = self.scripts[1].prepare_invoke();
        inv.key(self.client.key(&format!("rt:{old_hash}")))
            .key(self.client.key(&format!("rt:{new_hash}")))
            .arg(ms(ttl))
            .arg(self.prefix())
            .arg(new_hash)
            .arg(now.timestamp_millis())
            .arg(u64::try_from(grace.as_millis()).unwrap_or(u64::MAX));
        let reply: Vec<String> = self.client.invoke(&inv).await?;
        let field = |i: usize| reply.get(i).cloned();
        match (reply.first().map(String::as_str), field(1), field(2)) {
            (Some("1"), Some(u), Some(f)) => {
                let at = field(3)
                    .and_then(|t| t.parse::<i64>().ok())
                    .and_then(DateTime::from_timestamp_millis)
                    .ok_or_else(|| PortError::Corrupt("a spent refresh token without its time".into()))?;
                Ok(Rotation::Rotated { session: session(&u, f)?, at })
            }
            (Some("2"), Some(u), Some(f)) => Ok(Rotation::Reused(session(&u, f)?)),
            _ => Ok(Rotation::Unknown),
        }
    }

    async fn revoke_family(&self, family: &str) -> Result<(), PortError> {
        let mut inv = self.scripts[2].prepare_invoke();
        inv.arg(self.prefix()).arg(family);
        self.client.invoke::<i64>(&inv).await.map(|_| ())
    }

    async fn revoke_user(&self, user_id: i64, keep: Option<&str>) -> Result<Vec<String>, PortError> {
        let mut inv = self.scripts[3].prepare_invoke();
        inv.arg(self.prefix()).arg(user_id).arg(keep.unwrap_or(""));
        self.client.invoke(&inv).await
    }

    async fn live_families(&self, user_id: i64) -> Result<Vec<String>, PortError> {
        let mut inv = self.scripts[4].prepare_invoke();
        inv.arg(self.prefix()).arg(user_id);
        self.client.invoke(&inv).await
    }
}

/// Fixed-window counters shared by every instance.
#[derive(Clone, Debug)]
pub struct RedisRateLimiter {
    client: RedisClient,
    hit: Arc<Script>,
    check: Arc<Script>,
}

impl RedisRateLimiter {
    /// Keys live under `<prefix>rate:`.
    pub fn new(client: RedisClient) -> Self {
        Self { client, hit: Arc::new(RedisClient::script(HIT)), check: Arc::new(RedisClient::script(CHECK)) }
    }

    fn key(&self, key: &str) -> String {
        self.client.key(&format!("rate:{key}"))
    }
}

fn retry(ttl_ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(1).max(1))
}

#[async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<RateDecision, PortError> {
        let mut inv = self.hit.prepare_invoke();
        inv.key(self.key(key)).arg(ms(window));
        let (count, ttl): (i64, i64) = self.client.invoke(&inv).await?;
        Ok(if count > i64::from(limit) {
            RateDecision::Limited { retry_after: retry(ttl) }
        } else {
            RateDecision::Allowed
        })
    }

    async fn check(&self, key: &str, limit: u32) -> Result<RateDecision, PortError> {
        let mut inv = self.check.prepare_invoke();
        inv.key(self.key(key));
        let (count, ttl): (i64, i64) = self.client.invoke(&inv).await?;
        Ok(if count >= i64::from(limit) && ttl > 0 {
            RateDecision::Limited { retry_after: retry(ttl) }
        } else {
            RateDecision::Allowed
        })
    }

    async fn reset(&self, key: &str) -> Result<(), PortError> {
        self.client.query::<()>(cmd("DEL").arg(self.key(key))).await
    }
}

/// Ended sessions shared by every instance: `<prefix>revoked-sid:<sid>` with a TTL until the
/// session's last access token expires. (Redis must not evict keys before their TTL: run it
/// with `maxmemory-policy noeviction`, as deploy/README.md says.)
#[derive(Clone, Debug)]
pub struct RedisSessionRevocations {
    client: RedisClient,
}

impl RedisSessionRevocations {
    /// Keys live under `<prefix>revoked-sid:`.
    pub fn new(client: RedisClient) -> Self {
        Self { client }
    }

    fn key(&self, sid: &str) -> String {
        self.client.key(&format!("revoked-sid:{sid}"))
    }
}

#[async_trait]
impl SessionRevocations for RedisSessionRevocations {
    async fn revoke(&self, sid: &str, until: DateTime<Utc>) -> Result<(), PortError> {
        let ttl = (until - Utc::now()).num_milliseconds().max(1);
        self.client.query::<()>(cmd("SET").arg(self.key(sid)).arg(1).arg("PX").arg(ttl)).await
    }

    async fn is_revoked(&self, sid: &str, _now: DateTime<Utc>) -> Result<bool, PortError> {
        // Redis expires the key itself at `until`.
        self.client.query::<bool>(cmd("EXISTS").arg(self.key(sid))).await
    }
}

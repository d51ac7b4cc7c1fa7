//! [`KeywordStore`] in Redis, each operation one Lua script (atomic). Keys under the prefix:
//! `kw:recent:<user>:<board>` (list, 30-day TTL), `kw:pop:<board>` and `kw:trend:<board>`
//! (sorted sets), `kw:lex:<board>` (score-0 sorted set of `f:<folded>\0<keyword>` and
//! `c:<chosung>\0<keyword>` for prefix ranges), `kw:forms:<board>` (hash: keyword →
//! `<folded>\0<chosung>`, to unindex a forgotten keyword), `kw:snap:<board>` (list) and
//! `kw:seen:<board>:<user>:<keyword>` (a marker living one count window: that user's search
//! of that keyword was counted).

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_community::{keywords::KeywordLimits, ports::KeywordStore};
use deadpool_redis::redis::{Script, cmd};
use std::sync::Arc;

use crate::RedisClient;

const RECENT_TTL_MS: u64 = 30 * 24 * 3600 * 1000;

// KEYS: recent, pop, trend, lex, seen (this user + board + keyword), forms.
// ARGV: keyword, folded, chosung, recent_max, recent_ttl_ms, count_window_ms, max_keywords,
// max_trending. Returns 1 when the search was counted.
const RECORD: &str = r"
local kw = ARGV[1]
redis.call('LREM', KEYS[1], 0, kw)
redis.call('LPUSH', KEYS[1], kw)
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[4]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if not redis.call('SET', KEYS[5], '1', 'NX', 'PX', ARGV[6]) then return 0 end
local lowest_other = function(key)
  local low = redis.call('ZRANGE', key, 0, 1)
  if low[1] == kw then return low[2] end
  return low[1]
end
redis.call('ZINCRBY', KEYS[2], 1, kw)
redis.call('ZINCRBY', KEYS[3], 1, kw)
if redis.call('HSETNX', KEYS[6], kw, ARGV[2] .. '\0' .. ARGV[3]) == 1 then
  redis.call('ZADD', KEYS[4], 0, 'f:' .. ARGV[2] .. '\0' .. kw)
  redis.call('ZADD', KEYS[4], 0, 'c:' .. ARGV[3] .. '\0' .. kw)
end
if redis.call('ZCARD', KEYS[2]) > tonumber(ARGV[7]) then
  local victim = lowest_other(KEYS[2])
  if victim then
    redis.call('ZREM', KEYS[2], victim)
    redis.call('ZREM', KEYS[3], victim)
    local forms = redis.call('HGET', KEYS[6], victim)
    if forms then
      local at = string.find(forms, '\0', 1, true)
      redis.call('ZREM', KEYS[4], 'f:' .. string.sub(forms, 1, at - 1) .. '\0' .. victim,
        'c:' .. string.sub(forms, at + 1) .. '\0' .. victim)
      redis.call('HDEL', KEYS[6], victim)
    end
  end
end
if redis.call('ZCARD', KEYS[3]) > tonumber(ARGV[8]) then
  local victim = lowest_other(KEYS[3])
  if victim then redis.call('ZREM', KEYS[3], victim) end
end
return 1
";

const COMPLETE: &str = r"
local items = redis.call('ZRANGEBYLEX', KEYS[1], '[' .. ARGV[1], '[' .. ARGV[1] .. '\255', 'LIMIT', 0, 500)
local seen, found = {}, {}
for _, m in ipairs(items) do
  local at = string.find(m, '\0', 1, true)
  local kw = string.sub(m, at + 1)
  if not seen[kw] then
    seen[kw] = true
    table.insert(found, {kw, tonumber(redis.call('ZSCORE', KEYS[2], kw) or '0')})
  end
end
table.sort(found, function(a, b) if a[2] ~= b[2] then return a[2] > b[2] end return a[1] < b[1] end)
local out = {}
for i = 1, math.min(tonumber(ARGV[2]), #found) do out[i] = found[i][1] end
return out
";

const SNAPSHOT: &str = r"
local top = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
redis.call('DEL', KEYS[2])
if #top > 0 then redis.call('RPUSH', KEYS[2], unpack(top)) end
return #top
";

const DECAY: &str = r"
local all = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #all, 2 do
  local s = tonumber(all[i + 1]) * tonumber(ARGV[1])
  if s < tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], all[i]) else redis.call('ZADD', KEYS[1], s, all[i]) end
end
return #all / 2
";

/// Search keywords shared by every api instance.
#[derive(Clone, Debug)]
pub struct RedisKeywordStore {
    client: RedisClient,
    scripts: Arc<[Script; 4]>,
}

impl RedisKeywordStore {
    /// Keys live under `<prefix>kw:`.
    pub fn new(client: RedisClient) -> Self {
        Self { client, scripts: Arc::new([RECORD, COMPLETE, SNAPSHOT, DECAY].map(RedisClient::script)) }
    }

    fn key(&self, kind: &str, board: i64) -> String {
        self.client.key(&format!("kw:{kind}:{board}"))
    }

    fn recent_key(&self, user: i64, board: i64) -> String {
        self.client.key(&format!("kw:recent:{user}:{board}"))
    }
}

#[async_trait]
impl KeywordStore for RedisKeywordStore {
    async fn record(
        &self,
        user_id: i64,
        certificate_id: i64,
        keyword: &str,
        folded: &str,
        chosung: &str,
        limits: &KeywordLimits,
    ) -> Result<bool, PortError> {
        let mut inv = self.scripts[0].prepare_invoke();
        let window_ms = u64::try_from(limits.count_window.as_millis()).unwrap_or(u64::MAX).max(1);
        inv.key(self.recent_key(user_id, certificate_id))
            .key(self.key("pop", certificate_id))
            .key(self.key("trend", certificate_id))
            .key(self.key("lex", certificate_id))
            .key(self.client.key(&format!("kw:seen:{certificate_id}:{user_id}:{keyword}")))
            .key(self.key("forms", certificate_id))
            .arg(keyword)
            .arg(folded)
            .arg(chosung)
            .arg(limits.recent_max)
            .arg(RECENT_TTL_MS)
            .arg(window_ms)
            .arg(limits.max_keywords)
            .arg(limits.max_trending);
        self.client.invoke::<i64>(&inv).await.map(|counted| counted == 1)
    }

    async fn recent(&self, user_id: i64, certificate_id: i64) -> Result<Vec<String>, PortError> {
        self.client.query(cmd("LRANGE").arg(self.recent_key(user_id, certificate_id)).arg(0).arg(-1)).await
    }

    async fn forget(&self, user_id: i64, certificate_id: i64, keyword: Option<&str>) -> Result<(), PortError> {
        let key = self.recent_key(user_id, certificate_id);
        match keyword {
            None => self.client.query::<i64>(cmd("DEL").arg(key)).await.map(|_| ()),
            Some(k) => self.client.query::<i64>(cmd("LREM").arg(key).arg(0).arg(k)).await.map(|_| ()),
        }
    }

    async fn complete(
        &self,
        certificate_id: i64,
        prefix: &str,
        by_chosung: bool,
        limit: usize,
    ) -> Result<Vec<String>, PortError> {
        let mut inv = self.scripts[1].prepare_invoke();
        let range = format!("{}:{prefix}", if by_chosung { 'c' } else { 'f' });
        inv.key(self.key("lex", certificate_id)).key(self.key("pop", certificate_id)).arg(range).arg(limit);
        self.client.invoke(&inv).await
    }

    async fn trending(&self, certificate_id: i64, limit: usize) -> Result<Vec<String>, PortError> {
        let stop = i64::try_from(limit).unwrap_or(i64::MAX) - 1;
        self.client.query(cmd("ZREVRANGE").arg(self.key("trend", certificate_id)).arg(0).arg(stop)).await
    }

    async fn snapshot_order(&self, certificate_id: i64) -> Result<Vec<String>, PortError> {
        self.client.query(cmd("LRANGE").arg(self.key("snap", certificate_id)).arg(0).arg(-1)).await
    }

    async fn snapshot(&self, certificate_id: i64, limit: usize) -> Result<(), PortError> {
        let mut inv = self.scripts[2].prepare_invoke();
        inv.key(self.key("trend", certificate_id)).key(self.key("snap", certificate_id)).arg(limit);
        self.client.invoke::<i64>(&inv).await.map(|_| ())
    }

    async fn decay(&self, certificate_id: i64, factor: f64, floor: f64) -> Result<(), PortError> {
        let mut inv = self.scripts[3].prepare_invoke();
        inv.key(self.key("trend", certificate_id)).arg(factor).arg(floor);
        self.client.invoke::<i64>(&inv).await.map(|_| ())
    }
}

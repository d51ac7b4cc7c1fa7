//! In-process refresh-token store and rate limiter.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    ratelimit::{RateDecision, RateLimiter},
};
use cercat_user::ports::{RefreshSession, RefreshTokenStore, Rotation};
use chrono::{DateTime, Utc};
use std::{
    collections::{HashMap, HashSet},
    sync::Mutex,
    time::{Duration, Instant},
};

#[derive(Debug)]
struct Token {
    session: RefreshSession,
    /// Once spent: into which successor, and when.
    spent: Option<(String, DateTime<Utc>)>,
    expires: Instant,
}

#[derive(Debug, Default)]
struct Tokens {
    tokens: HashMap<String, Token>,
    families: HashMap<String, HashSet<String>>,
    users: HashMap<i64, HashSet<String>>,
}

impl Tokens {
    fn revoke_family(&mut self, family: &str) {
        if let Some(hashes) = self.families.remove(family) {
            for hash in hashes {
                if let Some(token) = self.tokens.remove(&hash)
                    && let Some(fams) = self.users.get_mut(&token.session.user_id)
                {
                    fams.remove(family);
                }
            }
        }
    }

    fn prune(&mut self, now: Instant) {
        let expired: Vec<String> =
            self.tokens.iter().filter(|(_, t)| t.expires <= now).map(|(h, _)| h.clone()).collect();
        for hash in expired {
            if let Some(token) = self.tokens.remove(&hash)
                && let Some(set) = self.families.get_mut(&token.session.family)
            {
                set.remove(&hash);
            }
        }
        self.families.retain(|_, set| !set.is_empty());
        let families = &self.families;
        for fams in self.users.values_mut() {
            fams.retain(|f| families.contains_key(f));
        }
        self.users.retain(|_, fams| !fams.is_empty());
    }

    /// Whether `family` still holds a token unexpired at `now`.
    fn is_live(&self, family: &str, now: Instant) -> bool {
        self.families
            .get(family)
            .is_some_and(|hashes| hashes.iter().any(|h| self.tokens.get(h).is_some_and(|t| t.expires > now)))
    }

    fn insert(&mut self, hash: &str, session: &RefreshSession, ttl: Duration, now: Instant) {
        self.tokens.insert(hash.to_owned(), Token { session: session.clone(), spent: None, expires: now + ttl });
        self.families.entry(session.family.clone()).or_default().insert(hash.to_owned());
        self.users.entry(session.user_id).or_default().insert(session.family.clone());
    }
}

/// Whether `now` is less than `grace` after `spent_at` (a clock stepping back counts as inside).
fn within(spent_at: DateTime<Utc>, now: DateTime<Utc>, grace: Duration) -> bool {
    chrono::Duration::from_std(grace).is_ok_and(|g| now < spent_at + g)
}

/// Refresh tokens for one process, lost when it ends: the in-process twin of the Redis store
/// (embedded mode keeps its tokens in the database, so they outlive a restart).
#[derive(Debug, Default)]
pub struct MemoryRefreshStore {
    inner: Mutex<Tokens>,
    inserts: Mutex<u64>,
}

impl MemoryRefreshStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tokens> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl RefreshTokenStore for MemoryRefreshStore {
    async fn create(&self, token_hash: &str, session: &RefreshSession, ttl: Duration) -> Result<(), PortError> {
        let now = Instant::now();
        let mut inner = self.lock();
        // Sweep expired tokens now and then so the map stays bounded by live sessions.
        let mut inserts = self.inserts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *inserts += 1;
        if inserts.is_multiple_of(256) {
            inner.prune(now);
        }
        inner.insert(token_hash, session, ttl, now);
        Ok(())
    }

    async fn rotate(
        &self,
        old_hash: &str,
        new_hash: &str,
        ttl: Duration,
        at: DateTime<Utc>,
        grace: Duration,
    ) -> Result<Rotation, PortError> {
        let now = Instant::now();
        let mut inner = self.lock();
        let Some(token) = inner.tokens.get_mut(old_hash).filter(|t| t.expires > now) else {
            return Ok(Rotation::Unknown);
        };
        let session = token.session.clone();
        match &token.spent {
            None => {
                token.spent = Some((new_hash.to_owned(), at));
                inner.insert(new_hash, &session, ttl, now);
                Ok(Rotation::Rotated { session, at })
            }
            Some((successor, spent_at)) if successor == new_hash && within(*spent_at, at, grace) => {
                Ok(Rotation::Rotated { session, at: *spent_at })
            }
            Some(_) => {
                inner.revoke_family(&session.family);
                Ok(Rotation::Reused(session))
            }
        }
    }

    async fn revoke_family(&self, family: &str) -> Result<(), PortError> {
        self.lock().revoke_family(family);
        Ok(())
    }

    async fn revoke_user(&self, user_id: i64, keep: Option<&str>) -> Result<Vec<String>, PortError> {
        let now = Instant::now();
        let mut inner = self.lock();
        let families: Vec<String> = inner
            .users
            .get(&user_id)
            .map(|f| f.iter().filter(|f| Some(f.as_str()) != keep).cloned().collect())
            .unwrap_or_default();
        // Families whose tokens have all expired (not yet swept) end too, unreported.
        let live = families.iter().filter(|f| inner.is_live(f, now)).cloned().collect();
        for family in &families {
            inner.revoke_family(family);
        }
        Ok(live)
    }

    async fn live_families(&self, user_id: i64) -> Result<Vec<String>, PortError> {
        let now = Instant::now();
        let inner = self.lock();
        Ok(inner
            .users
            .get(&user_id)
            .map(|f| f.iter().filter(|f| inner.is_live(f, now)).cloned().collect())
            .unwrap_or_default())
    }
}

/// Fixed-window counters for one process.
#[derive(Debug, Default)]
pub struct MemoryRateLimiter {
    windows: Mutex<HashMap<String, (u32, Instant)>>,
}

impl MemoryRateLimiter {
    /// No counters yet.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<RateDecision, PortError> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() > 100_000 {
            windows.retain(|_, (_, end)| *end > now);
        }
        let entry = windows.entry(key.to_owned()).or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 = entry.0.saturating_add(1);
        Ok(if entry.0 > limit { RateDecision::Limited { retry_after: entry.1 - now } } else { RateDecision::Allowed })
    }

    async fn check(&self, key: &str, limit: u32) -> Result<RateDecision, PortError> {
        let now = Instant::now();
        let windows = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(match windows.get(key) {
            Some((count, end)) if *end > now && *count >= limit => RateDecision::Limited { retry_after: *end - now },
            _ => RateDecision::Allowed,
        })
    }

    async fn reset(&self, key: &str) -> Result<(), PortError> {
        self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn keeps_the_refresh_token_contract() {
        cercat_user::testkit::run_all(Arc::new(MemoryRefreshStore::new()), "t:").await;
    }

    #[tokio::test]
    async fn keeps_the_rate_limiter_contract() {
        cercat_common::testkit::ratelimit_contract::run_all(Arc::new(MemoryRateLimiter::new()), "r:").await;
    }
}

//! Searches in memory: the [`KeywordStore`] fake.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use async_trait::async_trait;
use cercat_common::PortError;

use super::lock;
use crate::{keywords::KeywordLimits, ports::KeywordStore};

/// One recorded search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub user_id: i64,
    pub certificate_id: i64,
    pub keyword: String,
    pub folded: String,
    pub chosung: String,
}

/// Searches in a list: recent ones per user and board, completions by the folded or initial
/// consonant form, trending by how often each keyword was searched; the snapshots stored and
/// the decays asked for are kept. While `down` is set, recording fails.
#[derive(Default)]
pub struct Keywords {
    pub searches: Mutex<Vec<Search>>,
    pub snapshots: Mutex<HashMap<i64, Vec<String>>>,
    pub decays: Mutex<Vec<(i64, f64, f64)>>,
    pub down: AtomicBool,
}

impl Keywords {
    /// (user, board, keyword) of each search, oldest first.
    pub fn searched(&self) -> Vec<(i64, i64, String)> {
        lock(&self.searches).iter().map(|s| (s.user_id, s.certificate_id, s.keyword.clone())).collect()
    }

    /// Records searches of `keyword` on a board by user 99, as the service would.
    pub fn seed(&self, certificate_id: i64, keyword: &str, times: usize) {
        for _ in 0..times {
            lock(&self.searches).push(Search {
                user_id: 99,
                certificate_id,
                keyword: keyword.into(),
                folded: crate::keywords::folded(keyword),
                chosung: crate::keywords::chosung(keyword),
            });
        }
    }

    fn ranking(&self, certificate_id: i64, limit: usize) -> Vec<String> {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for s in lock(&self.searches).iter().filter(|s| s.certificate_id == certificate_id) {
            match counts.iter_mut().find(|(k, _)| *k == s.keyword) {
                Some((_, n)) => *n += 1,
                None => counts.push((s.keyword.clone(), 1)),
            }
        }
        counts.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        counts.into_iter().map(|(k, _)| k).take(limit).collect()
    }
}

#[async_trait]
impl KeywordStore for Keywords {
    async fn record(
        &self,
        user_id: i64,
        certificate_id: i64,
        keyword: &str,
        folded: &str,
        chosung: &str,
        _limits: &KeywordLimits,
    ) -> Result<bool, PortError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(PortError::Timeout { dependency: "redis", after_ms: 500 });
        }
        let search =
            Search { user_id, certificate_id, keyword: keyword.into(), folded: folded.into(), chosung: chosung.into() };
        lock(&self.searches).push(search);
        Ok(true)
    }
    async fn recent(&self, user_id: i64, certificate_id: i64) -> Result<Vec<String>, PortError> {
        let mut recent: Vec<String> = Vec::new();
        for s in
            lock(&self.searches).iter().rev().filter(|s| (s.user_id, s.certificate_id) == (user_id, certificate_id))
        {
            if !recent.contains(&s.keyword) {
                recent.push(s.keyword.clone());
            }
        }
        Ok(recent)
    }
    async fn forget(&self, user_id: i64, certificate_id: i64, keyword: Option<&str>) -> Result<(), PortError> {
        lock(&self.searches).retain(|s| {
            (s.user_id, s.certificate_id) != (user_id, certificate_id) || keyword.is_some_and(|w| w != s.keyword)
        });
        Ok(())
    }
    async fn complete(
        &self,
        certificate_id: i64,
        prefix: &str,
        by_chosung: bool,
        limit: usize,
    ) -> Result<Vec<String>, PortError> {
        let mut found: Vec<String> = Vec::new();
        for s in lock(&self.searches).iter().filter(|s| s.certificate_id == certificate_id) {
            let form = if by_chosung { &s.chosung } else { &s.folded };
            if form.starts_with(prefix) && !found.contains(&s.keyword) {
                found.push(s.keyword.clone());
            }
        }
        Ok(found.into_iter().take(limit).collect())
    }
    async fn trending(&self, certificate_id: i64, limit: usize) -> Result<Vec<String>, PortError> {
        Ok(self.ranking(certificate_id, limit))
    }
    async fn snapshot_order(&self, certificate_id: i64) -> Result<Vec<String>, PortError> {
        Ok(lock(&self.snapshots).get(&certificate_id).cloned().unwrap_or_default())
    }
    async fn snapshot(&self, certificate_id: i64, limit: usize) -> Result<(), PortError> {
        let ranking = self.ranking(certificate_id, limit);
        lock(&self.snapshots).insert(certificate_id, ranking);
        Ok(())
    }
    async fn decay(&self, certificate_id: i64, factor: f64, floor: f64) -> Result<(), PortError> {
        lock(&self.decays).push((certificate_id, factor, floor));
        Ok(())
    }
}

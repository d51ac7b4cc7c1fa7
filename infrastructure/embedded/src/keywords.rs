//! In-process [`KeywordStore`]: recent lists, popularity and trending scores, an ordered
//! autocomplete index and snapshots behind one mutex (each operation atomic, like the Redis
//! scripts).

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Instant;

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_community::{keywords::KeywordLimits, ports::KeywordStore};

/// Counted (user, keyword) pairs kept per board; past it the oldest are forgotten early (that
/// user may then count again before the window ends — the caps below still bound the stores).
const SEEN_MAX: usize = 100_000;

#[derive(Default)]
struct Board {
    popularity: HashMap<String, f64>,
    trend: HashMap<String, f64>,
    /// (form, keyword) for folded (`f`) and initial-consonant (`c`) forms.
    index: BTreeSet<(char, String, String)>,
    /// Each keyword's (folded, chosung) forms, to unindex it when it is forgotten.
    forms: HashMap<String, (String, String)>,
    snapshot: Vec<String>,
    /// (user, keyword) → until when it is counted; `seen_order` holds them oldest first.
    seen: HashMap<(i64, String), Instant>,
    seen_order: VecDeque<(Instant, i64, String)>,
}

impl Board {
    /// Whether `user`'s search of `keyword` counts now (and remembers that it did).
    fn first_in_window(&mut self, user: i64, keyword: &str, limits: &KeywordLimits) -> bool {
        let now = Instant::now();
        while let Some((until, u, k)) = self.seen_order.front() {
            if *until > now && self.seen_order.len() < SEEN_MAX {
                break;
            }
            // Only drop the map entry this queue entry stands for (a later one may replace it).
            if self.seen.get(&(*u, k.clone())).is_some_and(|t| t == until) {
                self.seen.remove(&(*u, k.clone()));
            }
            self.seen_order.pop_front();
        }
        if self.seen.get(&(user, keyword.to_owned())).is_some_and(|until| *until > now) {
            return false;
        }
        let until = now + limits.count_window;
        self.seen.insert((user, keyword.to_owned()), until);
        self.seen_order.push_back((until, user, keyword.to_owned()));
        true
    }

    /// Forgets the keyword with the lowest score in `scores` other than `keep` (ties: the
    /// alphabetically first), as Redis' `ZRANGE 0 1` picks it.
    fn lowest_other(scores: &HashMap<String, f64>, keep: &str) -> Option<String> {
        scores
            .iter()
            .filter(|(k, _)| k.as_str() != keep)
            .min_by(|a, b| a.1.total_cmp(b.1).then_with(|| a.0.cmp(b.0)))
            .map(|(k, _)| k.clone())
    }

    fn forget_keyword(&mut self, keyword: &str) {
        self.popularity.remove(keyword);
        self.trend.remove(keyword);
        if let Some((folded, chosung)) = self.forms.remove(keyword) {
            self.index.remove(&('f', folded, keyword.to_owned()));
            self.index.remove(&('c', chosung, keyword.to_owned()));
        }
    }
}

/// Search keywords for a single node.
#[derive(Default)]
pub struct MemoryKeywordStore {
    recent: Mutex<HashMap<(i64, i64), VecDeque<String>>>,
    boards: Mutex<HashMap<i64, Board>>,
}

impl std::fmt::Debug for MemoryKeywordStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryKeywordStore").finish_non_exhaustive()
    }
}

fn top(scores: &HashMap<String, f64>, limit: usize) -> Vec<String> {
    let mut all: Vec<(&String, f64)> = scores.iter().map(|(k, s)| (k, *s)).collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| b.0.cmp(a.0)));
    all.into_iter().take(limit).map(|(k, _)| k.clone()).collect()
}

#[async_trait]
impl KeywordStore for MemoryKeywordStore {
    async fn record(
        &self,
        user_id: i64,
        certificate_id: i64,
        keyword: &str,
        folded: &str,
        chosung: &str,
        limits: &KeywordLimits,
    ) -> Result<bool, PortError> {
        {
            let mut recent = self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let list = recent.entry((user_id, certificate_id)).or_default();
            list.retain(|k| k != keyword);
            list.push_front(keyword.to_owned());
            list.truncate(limits.recent_max);
        }
        let mut boards = self.boards.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let board = boards.entry(certificate_id).or_default();
        if !board.first_in_window(user_id, keyword, limits) {
            return Ok(false);
        }
        *board.popularity.entry(keyword.to_owned()).or_default() += 1.0;
        *board.trend.entry(keyword.to_owned()).or_default() += 1.0;
        if !board.forms.contains_key(keyword) {
            board.forms.insert(keyword.to_owned(), (folded.to_owned(), chosung.to_owned()));
            board.index.insert(('f', folded.to_owned(), keyword.to_owned()));
            board.index.insert(('c', chosung.to_owned(), keyword.to_owned()));
        }
        if board.popularity.len() > limits.max_keywords
            && let Some(victim) = Board::lowest_other(&board.popularity, keyword)
        {
            board.forget_keyword(&victim);
        }
        if board.trend.len() > limits.max_trending
            && let Some(victim) = Board::lowest_other(&board.trend, keyword)
        {
            board.trend.remove(&victim);
        }
        Ok(true)
    }

    async fn recent(&self, user_id: i64, certificate_id: i64) -> Result<Vec<String>, PortError> {
        let recent = self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(recent.get(&(user_id, certificate_id)).map(|l| l.iter().cloned().collect()).unwrap_or_default())
    }

    async fn forget(&self, user_id: i64, certificate_id: i64, keyword: Option<&str>) -> Result<(), PortError> {
        let mut recent = self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match keyword {
            None => {
                recent.remove(&(user_id, certificate_id));
            }
            Some(k) => {
                if let Some(list) = recent.get_mut(&(user_id, certificate_id)) {
                    list.retain(|x| x != k);
                }
            }
        }
        Ok(())
    }

    async fn complete(
        &self,
        certificate_id: i64,
        prefix: &str,
        by_chosung: bool,
        limit: usize,
    ) -> Result<Vec<String>, PortError> {
        let boards = self.boards.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(board) = boards.get(&certificate_id) else { return Ok(Vec::new()) };
        let kind = if by_chosung { 'c' } else { 'f' };
        let mut found: Vec<(String, f64)> = board
            .index
            .range((kind, prefix.to_owned(), String::new())..)
            .take_while(|(k, form, _)| *k == kind && form.starts_with(prefix))
            .map(|(_, _, keyword)| (keyword.clone(), board.popularity.get(keyword).copied().unwrap_or(0.0)))
            .collect();
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        found.dedup_by(|a, b| a.0 == b.0);
        Ok(found.into_iter().take(limit).map(|(k, _)| k).collect())
    }

    async fn trending(&self, certificate_id: i64, limit: usize) -> Result<Vec<String>, PortError> {
        let boards = self.boards.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(boards.get(&certificate_id).map(|b| top(&b.trend, limit)).unwrap_or_default())
    }

    async fn snapshot_order(&self, certificate_id: i64) -> Result<Vec<String>, PortError> {
        let boards = self.boards.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(boards.get(&certificate_id).map(|b| b.snapshot.clone()).unwrap_or_default())
    }

    async fn snapshot(&self, certificate_id: i64, limit: usize) -> Result<(), PortError> {
        let mut boards = self.boards.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let board = boards.entry(certificate_id).or_default();
        board.snapshot = top(&board.trend, limit);
        Ok(())
    }

    async fn decay(&self, certificate_id: i64, factor: f64, floor: f64) -> Result<(), PortError> {
        let mut boards = self.boards.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(board) = boards.get_mut(&certificate_id) {
            board.trend.retain(|_, score| {
                *score *= factor;
                *score >= floor
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn keeps_the_keyword_contract() {
        cercat_community::testkit::run_all(Arc::new(MemoryKeywordStore::default()), 7).await;
    }
}

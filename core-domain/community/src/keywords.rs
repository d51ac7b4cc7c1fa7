//! Search keywords: recent searches per user and board, autocomplete by prefix or by Korean
//! initial consonants (초성: `ㅈㅂㅊㄹ` finds `정보처리`) ranked by popularity, and trending
//! keywords with surge scoring (each search adds 1 to a score that a job halves every 30 minutes,
//! so a burst outranks an old steady count) and rank changes against a 10-minute snapshot.
//! A user counts once per keyword per decay window, so one account repeating a search cannot
//! lift it; each board keeps a bounded number of keywords.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Recent searches kept per user and board.
pub const RECENT_MAX: usize = 10;
/// Autocomplete suggestions.
pub const SUGGESTIONS: usize = 5;
/// Trending keywords shown.
pub const TRENDING: usize = 10;
/// What the decay job multiplies trending scores by.
pub const DECAY_FACTOR: f64 = 0.5;
/// Trending scores below this are dropped by the decay job.
pub const DECAY_FLOOR: f64 = 0.05;
/// How often the decay job runs: also how long one user's repeats of a keyword count once.
pub const DECAY_PERIOD: Duration = Duration::from_secs(30 * 60);

/// The bounds every keyword store applies when it records a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeywordLimits {
    /// Recent searches kept per user and board.
    pub recent_max: usize,
    /// A user's searches of one keyword on one board count once within this window.
    pub count_window: Duration,
    /// Keywords a board keeps for autocomplete (popularity); past it, the least popular other
    /// keyword is forgotten.
    pub max_keywords: usize,
    /// Keywords a board keeps trending scores for; past it, the lowest other score is dropped.
    pub max_trending: usize,
}

/// The limits the service uses.
pub const LIMITS: KeywordLimits =
    KeywordLimits { recent_max: RECENT_MAX, count_window: DECAY_PERIOD, max_keywords: 10_000, max_trending: 1_000 };

const CHOSUNG: [char; 19] =
    ['ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ'];

/// The keyword with each Hangul syllable replaced by its initial consonant; other characters
/// lower-cased, whitespace dropped (`정보 처리기사` → `ㅈㅂㅊㄹㄱㅅ`).
pub fn chosung(keyword: &str) -> String {
    keyword
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(|c| {
            let code = c as u32;
            let initial = (0xAC00..=0xD7A3).contains(&code).then(|| CHOSUNG[((code - 0xAC00) / 588) as usize]);
            initial.map_or_else(|| c.to_lowercase().collect::<Vec<_>>(), |i| vec![i])
        })
        .collect()
}

/// Whether a query is made of initial consonants only (then it matches [`chosung`] forms).
pub fn is_chosung_query(query: &str) -> bool {
    let mut chars = query.chars().filter(|c| !c.is_whitespace()).peekable();
    chars.peek().is_some() && chars.all(|c| CHOSUNG.contains(&c))
}

/// The form a keyword is matched by as a plain prefix: lower-cased, whitespace dropped.
pub fn folded(keyword: &str) -> String {
    keyword.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// How a trending keyword moved since the last snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RankStatus {
    /// Not in the last snapshot's top list.
    New,
    /// Higher than in the snapshot.
    RankUp,
    /// Lower than in the snapshot.
    RankDown,
    /// Same rank.
    Unchanged,
}

/// A trending keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trending {
    /// 1-based rank.
    pub rank: usize,
    /// The keyword.
    pub keyword: String,
    /// Movement since the snapshot.
    pub status: RankStatus,
}

/// Ranks `current` (best first) against the snapshot's order.
pub fn rank(current: Vec<String>, snapshot: &[String]) -> Vec<Trending> {
    current
        .into_iter()
        .enumerate()
        .map(|(i, keyword)| {
            let status = match snapshot.iter().position(|k| *k == keyword) {
                None => RankStatus::New,
                Some(before) if before > i => RankStatus::RankUp,
                Some(before) if before < i => RankStatus::RankDown,
                Some(_) => RankStatus::Unchanged,
            };
            Trending { rank: i + 1, keyword, status }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_consonants_of_hangul_and_the_rest_folded() {
        assert_eq!(chosung("정보처리"), "ㅈㅂㅊㄹ");
        assert_eq!(chosung("정보 처리기사"), "ㅈㅂㅊㄹㄱㅅ");
        assert_eq!(chosung("SQLD 합격"), "sqldㅎㄱ");
        assert_eq!(chosung("깡통"), "ㄲㅌ");
        assert!(is_chosung_query("ㅈㅂ ㅊㄹ"));
        assert!(!is_chosung_query("정보"));
        assert!(!is_chosung_query("ㅈㅂa"));
        assert!(!is_chosung_query("  "));
        assert_eq!(folded("SQL 기본"), "sql기본");
    }

    #[test]
    fn ranks_compare_with_the_snapshot() {
        let snapshot = vec!["a".to_owned(), "b".to_owned(), "c".to_owned()];
        let now = rank(vec!["b".into(), "a".into(), "d".into(), "c".into()], &snapshot);
        let statuses: Vec<_> = now.iter().map(|t| (t.rank, t.keyword.as_str(), t.status)).collect();
        assert_eq!(
            statuses,
            vec![
                (1, "b", RankStatus::RankUp),
                (2, "a", RankStatus::RankDown),
                (3, "d", RankStatus::New),
                (4, "c", RankStatus::RankDown)
            ]
        );
        assert_eq!(rank(vec!["a".into()], &snapshot)[0].status, RankStatus::Unchanged);
    }
}

#[cfg(test)]
mod proptests;

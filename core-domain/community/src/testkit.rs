//! The [`KeywordStore`] contract, run against every adapter.

use std::{sync::Arc, time::Duration};

use crate::{
    keywords::{KeywordLimits, LIMITS, chosung, folded},
    ports::KeywordStore,
};

async fn search_with(store: &dyn KeywordStore, user: i64, cert: i64, keyword: &str, limits: &KeywordLimits) -> bool {
    store.record(user, cert, keyword, &folded(keyword), &chosung(keyword), limits).await.expect("record")
}

async fn search(store: &dyn KeywordStore, user: i64, cert: i64, keyword: &str) -> bool {
    search_with(store, user, cert, keyword, &LIMITS).await
}

/// Runs every check; `board` must be a certificate id no other run uses.
pub async fn run_all(store: Arc<dyn KeywordStore>, board: i64) {
    let s = &*store;
    // Recent searches: newest first, deduplicated, at most 10, per user and board.
    for k in ["정보처리", "SQL", "정보처리", "네트워크"] {
        search(s, 1, board, k).await;
    }
    assert_eq!(s.recent(1, board).await.expect("recent"), vec!["네트워크", "정보처리", "SQL"]);
    assert!(s.recent(2, board).await.expect("recent").is_empty(), "per user");
    assert!(s.recent(1, board + 1).await.expect("recent").is_empty(), "per board");
    for i in 0..12 {
        search(s, 3, board, &format!("키워드{i}")).await;
    }
    let recent = s.recent(3, board).await.expect("recent");
    assert_eq!(recent.len(), 10);
    assert_eq!(recent[0], "키워드11");
    assert_eq!(recent[9], "키워드2");
    s.forget(1, board, Some("정보처리")).await.expect("forget one");
    assert_eq!(s.recent(1, board).await.expect("recent"), vec!["네트워크", "SQL"]);
    s.forget(1, board, Some("없는 검색어")).await.expect("forget missing");
    s.forget(1, board, None).await.expect("forget all");
    assert!(s.recent(1, board).await.expect("recent").is_empty());

    // Autocomplete: by prefix (case-insensitive, spaces ignored) and by initial consonants,
    // most popular first (popularity counts users, not repeats).
    for user in [4, 40, 41] {
        search(s, user, board, "정보처리기사").await;
    }
    search(s, 4, board, "정보보안").await;
    search(s, 4, board, "SQL 활용").await;
    let got = s.complete(board, "정보", false, 5).await.expect("complete");
    // 정보처리 was searched twice but by one user: it ties 정보보안 and the tie is alphabetical.
    assert_eq!(got, vec!["정보처리기사", "정보보안", "정보처리"]);
    assert_eq!(s.complete(board, "sql", false, 5).await.expect("complete")[0], "SQL");
    assert_eq!(s.complete(board, "sql활", false, 5).await.expect("complete"), vec!["SQL 활용"]);
    assert_eq!(s.complete(board, "ㅈㅂㅊㄹ", true, 5).await.expect("chosung"), vec!["정보처리기사", "정보처리"]);
    assert_eq!(s.complete(board, "정보", false, 1).await.expect("limit").len(), 1);
    assert!(s.complete(board, "없다", false, 5).await.expect("none").is_empty());
    assert!(s.complete(board + 1, "정보", false, 5).await.expect("other board").is_empty());

    // Trending: counts with decay; ranks against the snapshot.
    let trending = s.trending(board, 3).await.expect("trending");
    assert_eq!(trending[0], "정보처리기사"); // 3 searches
    s.snapshot(board, 10).await.expect("snapshot");
    assert_eq!(s.snapshot_order(board).await.expect("order"), s.trending(board, 10).await.expect("trending"));
    // A surge: after decay halves the old scores, five fresh searches put 네트워크 first.
    s.decay(board, 0.5, 0.05).await.expect("decay");
    for user in 50..55 {
        search(s, user, board, "네트워크").await;
    }
    assert_eq!(s.trending(board, 1).await.expect("trending"), vec!["네트워크"]);
    // Decay drops what falls under the floor.
    for _ in 0..8 {
        s.decay(board, 0.5, 0.05).await.expect("decay");
    }
    assert!(s.trending(board, 10).await.expect("trending").is_empty());
    assert!(s.trending(board + 1, 10).await.expect("other board").is_empty());

    one_account_cannot_steer_the_counts(s, board + 2).await;
    the_stores_are_capped(s, board + 3).await;
}

/// One user repeating one search counts once per window: 30 searches by one account lose to
/// two users searching once; after the window the user counts again.
async fn one_account_cannot_steer_the_counts(s: &dyn KeywordStore, board: i64) {
    assert!(search(s, 60, board, "광고문구").await, "the first search counts");
    for _ in 0..29 {
        assert!(!search(s, 60, board, "광고문구").await, "a repeat within the window does not");
    }
    search(s, 61, board, "광고기획").await;
    search(s, 62, board, "광고기획").await;
    assert_eq!(s.trending(board, 1).await.expect("trending"), vec!["광고기획"]);
    assert_eq!(s.complete(board, "광고", false, 5).await.expect("complete"), vec!["광고기획", "광고문구"]);
    assert_eq!(s.recent(60, board).await.expect("recent"), vec!["광고문구"], "the recent list still moves");
    // Another keyword of the same user, and the same keyword on another board, are counted.
    assert!(search(s, 60, board, "광고기획").await);
    assert!(search(s, 60, board + 100, "광고문구").await);
    // Once the window is over, the user counts again.
    let short = KeywordLimits { count_window: Duration::from_millis(300), ..LIMITS };
    assert!(search_with(s, 63, board, "창업", &short).await);
    assert!(!search_with(s, 63, board, "창업", &short).await);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(search_with(s, 63, board, "창업", &short).await, "counted again after the window");
}

/// Past the caps, the least popular other keywords are forgotten (autocomplete and trending
/// alike), and a new keyword still gets in.
async fn the_stores_are_capped(s: &dyn KeywordStore, board: i64) {
    let capped = KeywordLimits { max_keywords: 5, max_trending: 3, ..LIMITS };
    for user in 70..73 {
        search_with(s, user, board, "캡인기", &capped).await;
    }
    for i in 0..10 {
        search_with(s, 80 + i, board, &format!("캡{i}"), &capped).await;
    }
    let kept = s.complete(board, "캡", false, 100).await.expect("complete");
    assert_eq!(kept.len(), 5, "{kept:?}");
    assert_eq!(kept[0], "캡인기", "the popular keyword survives");
    assert!(kept.contains(&"캡9".to_owned()), "the newest keyword got in: {kept:?}");
    let by_chosung = s.complete(board, "ㅋ", true, 100).await.expect("chosung");
    assert_eq!(by_chosung.len(), 5, "forgotten keywords leave the initial-consonant index too: {by_chosung:?}");
    let trending = s.trending(board, 100).await.expect("trending");
    assert_eq!(trending.len(), 3, "{trending:?}");
    assert_eq!(trending[0], "캡인기");
}

//! The [`KeywordStore`] contract, run against every adapter.

use std::sync::Arc;

use crate::{
    keywords::{chosung, folded},
    ports::KeywordStore,
};

async fn search(store: &dyn KeywordStore, user: i64, cert: i64, keyword: &str) {
    store.record(user, cert, keyword, &folded(keyword), &chosung(keyword), 10).await.expect("record");
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
    // most popular first.
    for _ in 0..3 {
        search(s, 4, board, "정보처리기사").await;
    }
    search(s, 4, board, "정보보안").await;
    search(s, 4, board, "SQL 활용").await;
    let got = s.complete(board, "정보", false, 5).await.expect("complete");
    assert_eq!(got, vec!["정보처리기사", "정보처리", "정보보안"]);
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
    for _ in 0..5 {
        search(s, 5, board, "네트워크").await;
    }
    assert_eq!(s.trending(board, 1).await.expect("trending"), vec!["네트워크"]);
    // Decay drops what falls under the floor.
    for _ in 0..8 {
        s.decay(board, 0.5, 0.05).await.expect("decay");
    }
    assert!(s.trending(board, 10).await.expect("trending").is_empty());
    assert!(s.trending(board + 1, 10).await.expect("other board").is_empty());
}

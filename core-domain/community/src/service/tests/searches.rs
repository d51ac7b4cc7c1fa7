//! Searches on a board: the recent list, autocomplete by prefix or initial consonants,
//! trending against the last snapshot, and a keyword store that is down.

use std::sync::atomic::Ordering;

use super::{AUTHOR, READER, fakes::Harness, page, post_by};
use crate::keywords::{DECAY_FACTOR, DECAY_FLOOR, RankStatus};

#[tokio::test]
async fn recent_searches_are_the_user_s_own_newest_first_and_forgotten_one_or_all() {
    let h = Harness::new();
    for (user, keyword) in [(READER, "합격 후기"), (READER, "기출"), (AUTHOR, "합격 후기")] {
        h.service.record_search(user, 1, keyword).await;
    }
    assert_eq!(h.service.recent_searches(READER, 1).await.unwrap(), ["기출", "합격 후기"]);
    assert!(h.service.recent_searches(READER, 2).await.unwrap().is_empty(), "per board");

    h.service.forget_searches(READER, 1, Some("   ")).await.unwrap();
    assert_eq!(h.service.recent_searches(READER, 1).await.unwrap().len(), 2, "a blank keyword forgets nothing");
    h.service.forget_searches(READER, 1, Some(" 합격   후기 ")).await.unwrap();
    assert_eq!(h.service.recent_searches(READER, 1).await.unwrap(), ["기출"], "spacing does not matter");
    h.service.forget_searches(READER, 1, None).await.unwrap();
    assert!(h.service.recent_searches(READER, 1).await.unwrap().is_empty());
    assert_eq!(h.service.recent_searches(AUTHOR, 1).await.unwrap(), ["합격 후기"], "another user's stay");
}

#[tokio::test]
async fn a_keyword_store_outage_does_not_fail_the_search() {
    let h = Harness::new();
    post_by(&h, AUTHOR).await;
    h.keywords.down.store(true, std::sync::atomic::Ordering::SeqCst);
    let found = h.service.board_posts(1, None, Some("합격"), &page().into(), READER).await.unwrap();
    assert_eq!(found.content.len(), 1, "the posts are found");
    assert!(h.keywords.searched().is_empty(), "the search went unrecorded");
    h.keywords.down.store(false, Ordering::SeqCst);
}

#[tokio::test]
async fn autocomplete_completes_by_prefix_or_by_initial_consonants() {
    let h = Harness::new();
    for keyword in ["정보처리기사", "정보보안", "SQLD 합격"] {
        h.service.record_search(READER, 1, keyword).await;
    }
    let complete = |q: Option<&'static str>| h.service.autocomplete(1, q);
    assert_eq!(complete(Some(" 정보 ")).await.unwrap(), ["정보처리기사", "정보보안"]);
    assert_eq!(complete(Some("ㅈㅂㅊㄹ")).await.unwrap(), ["정보처리기사"], "initial consonants");
    assert_eq!(complete(Some("ㅈㅂ ㅊㄹ")).await.unwrap(), ["정보처리기사"], "spaces between them do not count");
    assert_eq!(complete(Some("sqld합")).await.unwrap(), ["SQLD 합격"], "case and spaces folded");
    for blank in [None, Some("  "), Some("null")] {
        assert!(complete(blank).await.unwrap().is_empty(), "{blank:?} completes nothing");
    }
    assert!(h.service.autocomplete(2, Some("정보")).await.unwrap().is_empty(), "per board");
}

#[tokio::test]
async fn trending_keywords_move_against_the_last_snapshot() {
    let h = Harness::new();
    h.keywords.seed(1, "실기", 3);
    h.keywords.seed(1, "필기", 2);
    let first = h.service.trending(1).await.unwrap();
    assert!(first.iter().all(|t| t.status == RankStatus::New), "no snapshot yet: everything is new");
    h.service.snapshot_trending(1).await.unwrap();

    h.keywords.seed(1, "필기", 2);
    h.keywords.seed(1, "기출", 1);
    let moved: Vec<_> =
        h.service.trending(1).await.unwrap().into_iter().map(|t| (t.rank, t.keyword, t.status)).collect();
    assert_eq!(
        moved,
        [
            (1, "필기".to_owned(), RankStatus::RankUp),
            (2, "실기".to_owned(), RankStatus::RankDown),
            (3, "기출".to_owned(), RankStatus::New),
        ]
    );
    h.service.decay_trending(1).await.unwrap();
    assert_eq!(*h.keywords.decays.lock().unwrap(), [(1, DECAY_FACTOR, DECAY_FLOOR)], "the decay job's factor");
}

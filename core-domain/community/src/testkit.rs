//! The contracts of the community ports, run against every adapter: [`run_all`] for the
//! [`KeywordStore`] (Redis and in-process), [`post_repository_contract`] for the
//! [`PostRepository`] (SQLite always, MariaDB in CI).

use std::{sync::Arc, time::Duration};

use cercat_common::{
    PortError,
    paging::{Direction, Keyset, SortOrder},
};

use crate::{
    LikeTarget, Post, PostDraft, PostKind, Tag, TagType,
    events::{Activity, CommentNotice, CommunityEvent},
    keywords::{KeywordLimits, LIMITS, chosung, folded},
    model::{Author, WITHDRAWN_NICKNAME},
    ports::{ActivityTarget, KeywordStore, LikeOutcome, PostFilter, PostRepository},
    search,
};

async fn search_with(store: &dyn KeywordStore, user: i64, cert: i64, keyword: &str, limits: &KeywordLimits) -> bool {
    store.record(user, cert, keyword, &folded(keyword), &chosung(keyword), limits).await.expect("record")
}

async fn search(store: &dyn KeywordStore, user: i64, cert: i64, keyword: &str) -> bool {
    search_with(store, user, cert, keyword, &LIMITS).await
}

/// Runs every [`KeywordStore`] check; `board` must be a certificate id no other run uses.
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

/// What the [`PostRepository`] contract needs of the storage around it: accounts to act as, and
/// the events the repository recorded.
#[async_trait::async_trait]
pub trait CommunityFixtures: Send + Sync {
    /// A new active account with this nickname; its id.
    async fn join(&self, nickname: &str) -> i64;
    /// Withdraws the account (it stays, flagged, until purged).
    async fn withdraw(&self, user_id: i64);
    /// The community events recorded since the last call, oldest first.
    async fn recorded(&self) -> Vec<CommunityEvent>;
}

fn draft(kind: PostKind, title: &str) -> PostDraft {
    PostDraft {
        kind, title: title.into(), content: format!("{title} 본문입니다"), tags: Vec::new(), question: None
    }
}

fn activity(receiver_id: i64, actor_id: i64, post_id: i64, comment_id: Option<i64>, board: i64) -> Activity {
    Activity {
        receiver_id, actor_id, actor_nickname: "행동한사람".into(), post_id, comment_id, certificate_id: board
    }
}

/// The [`PostRepository`] contract: posts round-trip, counters stay exact, a like or comment
/// records exactly the event it is handed (and only when it lands), authors are shown from
/// their account's facts. `board` must be an existing certificate no other run writes to.
pub async fn post_repository_contract(repo: Arc<dyn PostRepository>, fx: &dyn CommunityFixtures, board: i64) {
    let r = &*repo;
    let now = chrono::Utc::now();
    let author = fx.join("글쓴이").await;
    let reader = fx.join("읽는이").await;
    fx.recorded().await;

    // A post round-trips with its images in upload order.
    let tip = PostDraft {
        tags: vec![Tag { tag_type: TagType::Book, tag_name: "기본서".into() }],
        ..draft(PostKind::Tip, "정보처리 합격 후기")
    };
    let tokens = search::post_tokens(&tip.title, &tip.content).into_iter().collect::<Vec<_>>();
    let keys = vec!["posts/a.png".to_owned(), "posts/b.png".to_owned()];
    let id = r.create(board, author, &tip, &tokens, &keys, now).await.expect("create");
    let post = r.find(id, reader).await.expect("find").expect("the post");
    assert_eq!((post.certificate_id, &post.draft, post.author.user_id), (board, &tip, author));
    assert_eq!(post.author.nickname, "글쓴이");
    assert_eq!(post.images.iter().map(|i| i.key.as_str()).collect::<Vec<_>>(), ["posts/a.png", "posts/b.png"]);
    assert_eq!((post.like_count, post.comment_count, post.liked), (0, 0, false));
    assert!(r.find(id + 1_000_000, reader).await.expect("find").is_none());

    // An update replaces the fields and drops only this post's named images.
    let edited = draft(PostKind::Tip, "정보처리 합격 수기");
    let removed =
        r.update(id, &edited, &[], &[post.images[0].id, -5], &["posts/c.png".to_owned()], now).await.expect("update");
    assert_eq!(removed, vec!["posts/a.png".to_owned()]);
    let post = r.find(id, reader).await.expect("find").expect("the post");
    assert_eq!(post.draft.title, "정보처리 합격 수기");
    assert_eq!(post.images.iter().map(|i| i.key.as_str()).collect::<Vec<_>>(), ["posts/b.png", "posts/c.png"]);

    // The facts activity is decided from.
    let facts = r.activity_target(LikeTarget::Post, id).await.expect("facts").expect("the post's facts");
    assert_eq!(facts, ActivityTarget { author_id: author, post_id: id, certificate_id: board });
    assert!(r.activity_target(LikeTarget::Post, id + 1_000_000).await.expect("facts").is_none());
    assert!(r.activity_target(LikeTarget::Comment, id + 1_000_000).await.expect("facts").is_none());

    likes_count_once_and_record_their_event(r, fx, board, id, author, reader).await;
    comments_count_and_record_their_notice(r, fx, board, id, author, reader).await;
    lists_filter_and_sort(r, board, id, reader).await;
    withdrawn_authors_show_as_the_placeholder(r, fx, board).await;

    // Deleting a post takes its likes and comments: liking it now finds nothing.
    let keys = r.delete(id).await.expect("delete");
    assert_eq!(keys.len(), 2);
    assert!(r.find(id, reader).await.expect("find").is_none());
    assert_eq!(r.like(reader, LikeTarget::Post, id, None, now).await.expect("like"), LikeOutcome::TargetMissing);
    assert!(fx.recorded().await.is_empty());
}

async fn likes_count_once_and_record_their_event(
    r: &dyn PostRepository,
    fx: &dyn CommunityFixtures,
    board: i64,
    id: i64,
    author: i64,
    reader: i64,
) {
    let now = chrono::Utc::now();
    let event = CommunityEvent::PostLiked(activity(author, reader, id, None, board));
    assert_eq!(r.like(reader, LikeTarget::Post, id, Some(&event), now).await.expect("like"), LikeOutcome::Added);
    assert_eq!(fx.recorded().await, vec![event.clone()], "the like's event lands with it");
    assert_eq!(r.like(reader, LikeTarget::Post, id, Some(&event), now).await.expect("like"), LikeOutcome::AlreadyLiked);
    assert!(fx.recorded().await.is_empty(), "a repeated like records nothing");
    let missing = r.like(reader, LikeTarget::Comment, id + 1_000_000, Some(&event), now).await.expect("like");
    assert_eq!(missing, LikeOutcome::TargetMissing);
    assert!(fx.recorded().await.is_empty(), "a like on nothing records nothing");
    // One's own like: the service hands no event, none is recorded, the counter still counts.
    assert_eq!(r.like(author, LikeTarget::Post, id, None, now).await.expect("like"), LikeOutcome::Added);
    assert!(fx.recorded().await.is_empty());
    let post = r.find(id, reader).await.expect("find").expect("the post");
    assert_eq!((post.like_count, post.liked), (2, true));
    assert!(r.unlike(author, LikeTarget::Post, id).await.expect("unlike"));
    assert!(!r.unlike(author, LikeTarget::Post, id).await.expect("unlike twice"));
    assert!(!r.unlike(author, LikeTarget::Comment, id + 1_000_000).await.expect("unlike nothing"));
    assert_eq!(r.find(id, author).await.expect("find").expect("the post").like_count, 1);
}

async fn comments_count_and_record_their_notice(
    r: &dyn PostRepository,
    fx: &dyn CommunityFixtures,
    board: i64,
    id: i64,
    author: i64,
    reader: i64,
) {
    let now = chrono::Utc::now();
    let notice = CommentNotice::new(activity(author, reader, id, None, board));
    let comment = r.add_comment(id, reader, None, "축하해요", Some(&notice), now).await.expect("comment");
    assert_eq!(fx.recorded().await, vec![notice.event(comment)], "the notice is stamped with the new id");
    let reply = r.add_comment(id, author, Some(comment), "고마워요", None, now).await.expect("reply");
    assert!(fx.recorded().await.is_empty());
    let refused = r.add_comment(id, author, Some(reply), "답글의 답글", None, now).await;
    assert!(matches!(refused, Err(PortError::InUse(_))), "a reply to a reply: {refused:?}");
    let refused = r.add_comment(id + 1_000_000, author, None, "없는 글", None, now).await;
    assert!(matches!(refused, Err(PortError::InUse(_))), "a comment on nothing: {refused:?}");
    assert_eq!(r.find(id, reader).await.expect("find").expect("the post").comment_count, 2);

    let facts = r.activity_target(LikeTarget::Comment, comment).await.expect("facts").expect("the comment's facts");
    assert_eq!(facts, ActivityTarget { author_id: reader, post_id: id, certificate_id: board });
    let found = r.find_comment(reply).await.expect("find").expect("the reply");
    assert_eq!((found.post_id, found.parent_id, found.author.nickname.as_str()), (id, Some(comment), "글쓴이"));
    let event = CommunityEvent::CommentLiked(activity(reader, author, id, Some(comment), board));
    let liked = r.like(author, LikeTarget::Comment, comment, Some(&event), now).await.expect("like");
    assert_eq!(liked, LikeOutcome::Added);
    assert_eq!(fx.recorded().await, vec![event]);
    let thread = r.comments(id, author).await.expect("comments");
    assert_eq!(
        thread.iter().map(|c| (c.id, c.like_count, c.liked)).collect::<Vec<_>>(),
        [(comment, 1, true), (reply, 0, false)]
    );

    // Deleting a comment takes its replies; the count drops by what was deleted, once.
    assert_eq!(r.delete_comment(comment).await.expect("delete"), 2);
    assert_eq!(r.delete_comment(comment).await.expect("delete again"), 0);
    assert_eq!(r.find(id, reader).await.expect("find").expect("the post").comment_count, 0);
    assert!(r.comments(id, reader).await.expect("comments").is_empty());
}

async fn lists_filter_and_sort(r: &dyn PostRepository, board: i64, tip: i64, reader: i64) {
    let now = chrono::Utc::now();
    let normal = draft(PostKind::Normal, "네트워크 질문");
    let tokens = search::post_tokens(&normal.title, &normal.content).into_iter().collect::<Vec<_>>();
    let asked = r.create(board, reader, &normal, &tokens, &[], now).await.expect("create");
    r.add_comment(tip, reader, None, "저도요", None, now).await.expect("comment");
    let ids = |posts: Vec<Post>| posts.into_iter().map(|p| p.id).collect::<Vec<_>>();
    let on_board = PostFilter { certificate_id: Some(board), ..PostFilter::default() };
    assert_eq!(ids(r.list(&on_board, &[], 0, None, 10, reader).await.expect("list")), [asked, tip], "newest first");
    let by_likes = [SortOrder { field: "count".into(), direction: Direction::Desc }];
    assert_eq!(ids(r.list(&on_board, &by_likes, 0, None, 10, reader).await.expect("list")), [tip, asked]);
    assert_eq!(ids(r.list(&on_board, &[], 1, None, 10, reader).await.expect("list")), [tip], "offset");
    let tips = PostFilter { kind: Some(PostKind::Tip), ..on_board.clone() };
    assert_eq!(ids(r.list(&tips, &[], 0, None, 10, reader).await.expect("list")), [tip]);
    let mine = PostFilter { author_id: Some(reader), ..on_board.clone() };
    assert_eq!(ids(r.list(&mine, &[], 0, None, 10, reader).await.expect("list")), [asked]);
    let commented = PostFilter { commented_by: Some(reader), ..on_board.clone() };
    assert_eq!(ids(r.list(&commented, &[], 0, None, 10, reader).await.expect("list")), [tip]);
    let (keyword, tokens) = search::prepare("네트워크").expect("a keyword");
    let found = PostFilter { keyword: Some((keyword, tokens.into_iter().collect())), ..on_board.clone() };
    assert_eq!(ids(r.list(&found, &[], 0, None, 10, reader).await.expect("search")), [asked]);

    // Keyset positions: strictly older by (created_at, id), ties on the time broken by id, on
    // the time exactly as stored (read back from the post itself).
    let tied = r.create(board, reader, &normal, &[], &[], now).await.expect("create");
    let at = |id: i64| async move {
        let post = r.find(id, reader).await.expect("find").expect("the post");
        Some(Keyset { at: post.created_at, id })
    };
    assert_eq!(ids(r.list(&on_board, &[], 0, None, 10, reader).await.expect("list")), [tied, asked, tip]);
    assert_eq!(ids(r.list(&on_board, &[], 0, at(tied).await, 10, reader).await.expect("after")), [asked, tip]);
    assert_eq!(ids(r.list(&on_board, &[], 0, at(asked).await, 10, reader).await.expect("after")), [tip]);
    assert_eq!(ids(r.list(&on_board, &[], 0, at(tip).await, 10, reader).await.expect("after")), Vec::<i64>::new());
    r.delete(tied).await.expect("delete");
    r.delete(asked).await.expect("delete");
}

async fn withdrawn_authors_show_as_the_placeholder(r: &dyn PostRepository, fx: &dyn CommunityFixtures, board: i64) {
    let now = chrono::Utc::now();
    let leaving = fx.join("떠날사람").await;
    let account = r.account(leaving).await.expect("account").expect("the account");
    assert_eq!((account.nickname.as_str(), account.withdrawn), ("떠날사람", false));
    let id = r.create(board, leaving, &draft(PostKind::Normal, "마지막 글"), &[], &[], now).await.expect("create");
    fx.withdraw(leaving).await;
    assert!(r.account(leaving).await.expect("account").expect("still stored").withdrawn);
    let post = r.find(id, leaving).await.expect("find").expect("the post");
    assert_eq!(post.author, Author::shown(leaving, None, chrono::Utc::now()));
    assert_eq!(post.author.nickname, WITHDRAWN_NICKNAME);
    assert!(r.account(i64::MAX - 1).await.expect("account").is_none());
    r.delete(id).await.expect("delete");
}

//! `CommunityService` over in-memory fakes: who is told of what, how withdrawn authors show,
//! the board list's rules, COMMENTARY questions and who may review.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod activity;
mod fakes;
mod posts;
mod searches;

use cercat_common::paging::PageRequest;
use chrono::Duration;
use fakes::{Harness, at};

use crate::{
    CommunityError, LikeTarget, PostDraft, PostKind,
    commentary::QuestionChoice,
    events::{Activity, CommunityEvent},
    model::{Account, Author, WITHDRAWN_NICKNAME},
    ports::Preparation,
    reviews::{Difficulty, ReviewedExam},
};

const AUTHOR: i64 = 1;
const READER: i64 = 2;

fn draft(kind: PostKind) -> PostDraft {
    PostDraft {
        kind, title: "합격 후기".into(), content: "열심히 했어요".into(), tags: Vec::new(), question: None
    }
}

fn page_no(page: i64) -> PageRequest {
    PageRequest::parse(Some(page), Some(10), None, None, &[]).unwrap()
}

fn page() -> PageRequest {
    page_no(0)
}

async fn post_by(h: &Harness, user: i64) -> i64 {
    h.service
        .create_post(1, user, draft(PostKind::Normal), QuestionChoice::default(), Vec::new())
        .await
        .unwrap()
        .post
        .id
}

fn activity(comment_id: Option<i64>, post_id: i64) -> Activity {
    Activity {
        receiver_id: AUTHOR,
        actor_id: READER,
        actor_nickname: "매일공부".into(),
        post_id,
        comment_id,
        certificate_id: 1,
    }
}

#[tokio::test]
async fn a_like_tells_the_author_once_and_never_for_ones_own_content() {
    let h = Harness::new();
    let post = post_by(&h, AUTHOR).await;
    assert!(h.service.like(READER, LikeTarget::Post, post).await.unwrap());
    assert_eq!(h.posts.events(), vec![CommunityEvent::PostLiked(activity(None, post))]);
    assert!(!h.service.like(READER, LikeTarget::Post, post).await.unwrap(), "liking twice changes nothing");
    assert!(h.posts.events().is_empty());
    assert!(h.service.like(AUTHOR, LikeTarget::Post, post).await.unwrap(), "one's own like counts");
    assert!(h.posts.events().is_empty(), "but tells nobody");
    let missing = h.service.like(READER, LikeTarget::Comment, 99).await;
    assert!(matches!(missing, Err(CommunityError::LikeTargetNotFound("COMMENT", 99))));
}

#[tokio::test]
async fn a_comment_tells_the_post_author_and_a_liked_comment_its_author() {
    let h = Harness::new();
    let post = post_by(&h, AUTHOR).await;
    let mine = h.service.add_comment(post, AUTHOR, None, "첫 댓글").await.unwrap();
    assert!(h.posts.events().is_empty(), "commenting on one's own post tells nobody");
    let theirs = h.service.add_comment(post, READER, None, "  축하해요  ").await.unwrap();
    assert_eq!(h.posts.events(), vec![CommunityEvent::PostCommented(activity(Some(theirs), post))]);
    assert_eq!(h.posts.find_comment_content(theirs), "축하해요");
    h.service.like(READER, LikeTarget::Comment, mine).await.unwrap();
    assert_eq!(h.posts.events(), vec![CommunityEvent::CommentLiked(activity(Some(mine), post))]);
    let reply = h.service.add_comment(post, AUTHOR, Some(theirs), "고마워요").await.unwrap();
    let refused = h.service.add_comment(post, READER, Some(reply), "답글의 답글").await;
    assert!(matches!(refused, Err(CommunityError::InvalidComment(_))), "one reply level: {refused:?}");
    assert!(matches!(h.service.add_comment(99, READER, None, "없는 글").await, Err(CommunityError::PostNotFound(99))));
}

#[test]
fn withdrawn_or_purged_authors_show_as_the_placeholder() {
    let now = chrono::Utc::now();
    let active =
        Account {
            nickname: "글쓴이".into(), image_key: Some("p.png".into()), withdrawn: false, suspended_until: None
        };
    assert_eq!(Author::shown(1, Some(active.clone()), now).nickname, "글쓴이");
    let gone = Author::shown(1, Some(Account { withdrawn: true, ..active }), now);
    assert_eq!((gone.nickname.as_str(), gone.image_key.as_deref()), (WITHDRAWN_NICKNAME, None));
    assert_eq!(Author::shown(1, None, now), gone);
}

#[test]
fn suspended_authors_keep_their_name_and_are_marked_while_the_suspension_lasts() {
    let now = chrono::Utc::now();
    let hour = chrono::Duration::hours(1);
    let account = |until| Account {
        nickname: "글쓴이".into(),
        image_key: Some("p.png".into()),
        withdrawn: false,
        suspended_until: until,
    };
    let indefinitely = Author::shown(1, Some(account(Some(None))), now);
    assert!(indefinitely.suspended);
    assert_eq!((indefinitely.nickname.as_str(), indefinitely.image_key.as_deref()), ("글쓴이", Some("p.png")));
    assert!(Author::shown(1, Some(account(Some(Some(now + hour)))), now).suspended, "until a later date");
    assert!(!Author::shown(1, Some(account(Some(Some(now - hour)))), now).suspended, "a lapsed suspension");
    assert!(!Author::shown(1, Some(account(None)), now).suspended);
    let withdrawn = Account { withdrawn: true, ..account(Some(None)) };
    assert!(!Author::shown(1, Some(withdrawn), now).suspended, "the placeholder is not marked");
}

#[tokio::test]
async fn the_board_list_shows_no_reviews_and_counts_a_search_once() {
    let h = Harness::new();
    post_by(&h, AUTHOR).await;
    let reviews = h.service.board_posts(1, Some("REVIEW"), None, &page().into(), READER).await.unwrap();
    assert!(reviews.content.is_empty() && !reviews.has_next, "exam reviews have their own list");
    let wrong = h.service.board_posts(1, Some("QUESTION"), None, &page().into(), READER).await;
    assert!(matches!(wrong, Err(CommunityError::InvalidQuery { field: "postType", .. })));
    let unknown = h.service.board_posts(7, None, Some("후기"), &page().into(), READER).await;
    assert!(matches!(unknown, Err(CommunityError::BoardNotFound(7))), "searches only on boards that exist");
    let found = h.service.board_posts(1, None, Some(" 합격 "), &page().into(), READER).await.unwrap();
    assert_eq!(found.content.len(), 1);
    h.service.board_posts(1, None, Some("합격"), &page_no(1).into(), READER).await.unwrap();
    assert_eq!(h.keywords.searched(), vec![(READER, 1, "합격".to_owned())], "scrolling is not searching");
}

#[tokio::test]
async fn a_commentary_names_an_existing_question_and_is_shown_with_it() {
    let h = Harness::new();
    let create = |choice| h.service.create_post(1, AUTHOR, draft(PostKind::Commentary), choice, Vec::new());
    let incomplete = create(QuestionChoice { exam_year: Some(2024), round: Some(1), number: None }).await;
    assert!(matches!(incomplete, Err(CommunityError::InvalidPost { field: "questionSequence", .. })));
    let no_exam = create(QuestionChoice { exam_year: Some(2023), round: Some(1), number: Some(1) }).await;
    assert!(matches!(no_exam, Err(CommunityError::QuestionNotFound(_))));
    let no_question = create(QuestionChoice { exam_year: Some(2024), round: Some(1), number: Some(3) }).await;
    assert!(matches!(no_question, Err(CommunityError::QuestionNotFound(_))));
    let view = create(QuestionChoice { exam_year: Some(2024), round: Some(1), number: Some(2) }).await.unwrap();
    let shown = view.question.expect("the question");
    assert_eq!((shown.question.number, shown.exam.id, shown.subjects.len()), (2, 10, 1));
    // Other kinds name no question, whatever the form says.
    let choice = QuestionChoice { exam_year: Some(2024), round: Some(1), number: Some(2) };
    let normal = h.service.create_post(1, AUTHOR, draft(PostKind::Normal), choice, Vec::new()).await.unwrap();
    assert_eq!((normal.post.draft.question, normal.question), (None, None));
    // Once the exam is deleted the post is still shown, without it.
    *h.world.exam_deleted.lock().unwrap() = true;
    let (view, _) = h.service.post(view.post.id, READER).await.unwrap();
    assert_eq!(view.question, None);
}

#[tokio::test]
async fn reviews_are_for_those_who_studied_within_two_weeks_of_the_exam() {
    let h = Harness::new();
    let exam = ReviewedExam { schedule_id: 4, exam_date: at(5) };
    *h.world.latest_exam.lock().unwrap() = Some(exam);
    assert!(h.service.review_period_open(1).await.unwrap());
    assert!(matches!(h.service.review_period_open(9).await, Err(CommunityError::BoardNotFound(9))));
    assert!(!h.service.may_review(READER, 1).await.unwrap(), "not studied");
    let refused = h.service.create_review(READER, 1, Difficulty::Normal, "어려웠어요").await;
    assert!(matches!(refused, Err(CommunityError::NotAReviewer)));
    let studied = Preparation { studied: true, goal_start: Some(at(5) - Duration::days(45)) };
    h.world.preparation.lock().unwrap().insert(READER, studied);
    assert!(h.service.may_review(READER, 1).await.unwrap());
    h.service.create_review(READER, 1, Difficulty::Normal, " 어려웠어요 ").await.unwrap();
    let stored = h.reviews.0.lock().unwrap().clone();
    assert_eq!((stored[0].prepare_months, stored[0].content.as_str(), stored[0].schedule_id), (2, "어려웠어요", 4));
    assert!(!h.service.may_review(READER, 1).await.unwrap(), "once per exam");
    h.clock.set(at(5) + Duration::days(14));
    assert!(!h.service.review_period_open(1).await.unwrap(), "closed after two weeks");
}

//! Comments, likes and reviews: what is refused, who may delete what, and the reviews list.

use chrono::Duration;

use super::{
    AUTHOR, READER,
    fakes::{Harness, at},
    post_by,
};
use crate::{
    CommunityError, LikeTarget,
    ports::Preparation,
    reviews::{Difficulty, ReviewFilter, ReviewedExam},
};

#[tokio::test]
async fn a_comment_is_1_to_1000_characters_and_replies_only_to_a_top_level_comment_of_its_post() {
    let h = Harness::new();
    let post = post_by(&h, AUTHOR).await;
    let other = post_by(&h, AUTHOR).await;
    for content in ["   ".to_owned(), "가".repeat(1001)] {
        let refused = h.service.add_comment(post, READER, None, &content).await;
        assert!(matches!(refused, Err(CommunityError::InvalidComment(_))), "{refused:?}");
    }
    let elsewhere = h.service.add_comment(other, READER, None, "다른 글").await.unwrap();
    let refused = h.service.add_comment(post, READER, Some(elsewhere), "답글").await;
    assert!(matches!(refused, Err(CommunityError::InvalidComment(_))), "the parent is another post's: {refused:?}");
    let missing = h.service.add_comment(post, READER, Some(99), "답글").await;
    assert!(matches!(missing, Err(CommunityError::CommentNotFound(99))), "{missing:?}");
    let (_, threads) = h.service.post(post, READER).await.unwrap();
    assert!(threads.is_empty(), "nothing refused was stored");
    assert!(h.service.add_comment(post, READER, None, &"가".repeat(1000)).await.is_ok(), "1000 characters are fine");
}

#[tokio::test]
async fn a_comment_goes_with_its_replies_by_its_author_or_an_admin() {
    let h = Harness::new();
    let post = post_by(&h, AUTHOR).await;
    let comment = h.service.add_comment(post, READER, None, "질문").await.unwrap();
    h.service.add_comment(post, AUTHOR, Some(comment), "답변").await.unwrap();
    let mine = h.service.add_comment(post, READER, None, "또 질문").await.unwrap();
    let refused = h.service.delete_comment(comment, AUTHOR, false).await;
    assert!(matches!(refused, Err(CommunityError::NotOwner(_))), "the post's author is not the comment's: {refused:?}");
    h.service.delete_comment(comment, AUTHOR, true).await.unwrap();
    h.service.delete_comment(mine, READER, false).await.unwrap();
    let (_, threads) = h.service.post(post, READER).await.unwrap();
    assert!(threads.is_empty(), "the replies went with their comment");
    assert!(matches!(h.service.delete_comment(mine, READER, false).await, Err(CommunityError::CommentNotFound(_))));
}

#[tokio::test]
async fn an_unlike_removes_the_caller_s_like_once() {
    let h = Harness::new();
    let post = post_by(&h, AUTHOR).await;
    h.service.like(READER, LikeTarget::Post, post).await.unwrap();
    assert!(h.service.post(post, READER).await.unwrap().0.post.liked);
    assert!(!h.service.unlike(AUTHOR, LikeTarget::Post, post).await.unwrap(), "the author never liked it");
    assert!(h.service.unlike(READER, LikeTarget::Post, post).await.unwrap());
    assert!(!h.service.unlike(READER, LikeTarget::Post, post).await.unwrap(), "a second unlike changes nothing");
    let (view, _) = h.service.post(post, READER).await.unwrap();
    assert_eq!((view.post.liked, view.post.like_count), (false, 0));
}

#[tokio::test]
async fn a_review_needs_an_open_exam_and_1_to_1000_characters() {
    let h = Harness::new();
    let studied = Preparation { studied: true, goal_start: None };
    h.world.preparation.lock().unwrap().insert(READER, studied);
    let closed = h.service.create_review(READER, 1, Difficulty::Easy, "쉬웠어요").await;
    assert!(matches!(closed, Err(CommunityError::ReviewClosed)), "no exam to review: {closed:?}");
    assert!(!h.service.review_period_open(1).await.unwrap());
    *h.world.latest_exam.lock().unwrap() = Some(ReviewedExam { schedule_id: 4, exam_date: at(5) });
    for content in ["  ".to_owned(), "가".repeat(1001)] {
        let refused = h.service.create_review(READER, 1, Difficulty::Easy, &content).await;
        assert!(matches!(refused, Err(CommunityError::InvalidReview { field: "content", .. })), "{refused:?}");
    }
    let unknown = h.service.create_review(READER, 9, Difficulty::Easy, "쉬웠어요").await;
    assert!(matches!(unknown, Err(CommunityError::BoardNotFound(9))), "{unknown:?}");
    h.service.create_review(READER, 1, Difficulty::Easy, "쉬웠어요").await.unwrap();
    assert_eq!(h.reviews.0.lock().unwrap()[0].prepare_months, 0, "no goal, no months of preparation");
    let again = h.service.create_review(READER, 1, Difficulty::Easy, "또").await;
    assert!(matches!(again, Err(CommunityError::AlreadyReviewed)), "{again:?}");
}

async fn reviews(
    h: &Harness,
    filter: ReviewFilter,
    size: i64,
) -> cercat_common::paging::Slice<crate::reviews::ExamReview> {
    let page = cercat_common::paging::PageRequest::parse(Some(0), Some(size), None, None, &[]).unwrap();
    h.service.reviews(1, filter, &page).await.unwrap()
}

#[tokio::test]
async fn the_reviews_list_filters_by_months_and_difficulty_newest_first() {
    let h = Harness::new();
    *h.world.latest_exam.lock().unwrap() = Some(ReviewedExam { schedule_id: 4, exam_date: at(5) });
    for (user, months, difficulty) in
        [(2, 1, Difficulty::Easy), (3, 4, Difficulty::TooDifficult), (4, 2, Difficulty::Easy)]
    {
        let goal_start = Some(at(5) - Duration::days(30 * months));
        h.world.preparation.lock().unwrap().insert(user, Preparation { studied: true, goal_start });
        h.service.create_review(user, 1, difficulty, "후기").await.unwrap();
    }
    let all = reviews(&h, ReviewFilter::default(), 2).await;
    assert_eq!(all.content.iter().map(|r| r.prepare_months).collect::<Vec<_>>(), [2, 4], "newest first");
    assert!(all.has_next);
    let easy = ReviewFilter { difficulty: Some(Difficulty::Easy), min_months: Some(2), max_months: None };
    assert_eq!(reviews(&h, easy, 10).await.content.iter().map(|r| r.prepare_months).collect::<Vec<_>>(), [2]);
}

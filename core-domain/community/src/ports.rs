//! What the community context needs from storage.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    paging::{Keyset, SortOrder},
};
use chrono::{DateTime, Utc};

use crate::{
    LikeTarget, PostDraft, PostKind,
    commentary::ExamQuestions,
    events::{CommentNotice, CommunityEvent},
    keywords::KeywordLimits,
    model::{Account, Comment, Post},
    reviews::ReviewedExam,
};

/// What a like did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LikeOutcome {
    /// Added; the counter grew by one (and the event handed in was recorded).
    Added,
    /// The user already liked it; nothing changed.
    AlreadyLiked,
    /// No such post or comment.
    TargetMissing,
}

/// The facts about a post or comment that decide who hears of activity on it. None of them
/// changes after the row is written, so reading them before the write cannot go stale (a
/// deletion in between shows as [`LikeOutcome::TargetMissing`] or a refused comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityTarget {
    /// Who wrote the post or comment (the one who would be told).
    pub author_id: i64,
    /// The post (itself, or the one the comment is on).
    pub post_id: i64,
    /// The post's board.
    pub certificate_id: i64,
}

/// Which posts a list shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PostFilter {
    /// The board.
    pub certificate_id: Option<i64>,
    /// Only this kind.
    pub kind: Option<PostKind>,
    /// Title or content contains this (already normalized) keyword, found through these tokens.
    pub keyword: Option<(String, Vec<String>)>,
    /// Written by this user.
    pub author_id: Option<i64>,
    /// Commented on by this user.
    pub commented_by: Option<i64>,
    /// COMMENTARY on this exam year.
    pub exam_year: Option<i32>,
    /// … round.
    pub round: Option<i32>,
    /// … question number.
    pub question_number: Option<i32>,
}

/// Posts, images, comments and likes. Counters (`like_count`, `comment_count`) change only in
/// the transaction that inserts or deletes the row they count, by relative `± n` updates, so
/// they stay exact under any concurrency.
#[async_trait]
pub trait PostRepository: Send + Sync {
    /// Stores a post with its image keys and search tokens; returns its id.
    async fn create(
        &self,
        certificate_id: i64,
        user_id: i64,
        draft: &PostDraft,
        tokens: &[String],
        image_keys: &[String],
        at: DateTime<Utc>,
    ) -> Result<i64, PortError>;
    /// Replaces the post's fields and tokens, drops the images named in `remove_image_ids`
    /// (other posts' ids are ignored) and appends `new_image_keys`; returns the keys removed.
    async fn update(
        &self,
        post_id: i64,
        draft: &PostDraft,
        tokens: &[String],
        remove_image_ids: &[i64],
        new_image_keys: &[String],
        at: DateTime<Utc>,
    ) -> Result<Vec<String>, PortError>;
    /// Deletes the post with its images, comments, likes and tokens; returns the image keys.
    async fn delete(&self, post_id: i64) -> Result<Vec<String>, PortError>;
    /// One post as `viewer` sees it.
    async fn find(&self, post_id: i64, viewer: i64) -> Result<Option<Post>, PortError>;
    /// Posts matching `filter`, sorted by `sort` (fields `createdAt`, `id`, `count` = likes;
    /// none = `createdAt` descending), then by id descending: `limit` after skipping `offset`.
    ///
    /// With `after` (the service passes it only with the default newest-first order and no
    /// offset) only posts strictly older than that position in `(created_at, id)` descending
    /// order are listed, so a post written meanwhile never shifts a later page.
    async fn list(
        &self,
        filter: &PostFilter,
        sort: &[SortOrder],
        offset: u64,
        after: Option<Keyset>,
        limit: u64,
        viewer: i64,
    ) -> Result<Vec<Post>, PortError>;
    /// The post's comments and replies, oldest first.
    async fn comments(&self, post_id: i64, viewer: i64) -> Result<Vec<Comment>, PortError>;
    /// A page of the post's top-level comments, oldest first (by id), strictly after the
    /// top-level comment `after`, at most `limit` of them, each with all its replies. The
    /// default reads every comment and pages them in memory; the SQL adapter reads the page.
    async fn comment_page(
        &self,
        post_id: i64,
        viewer: i64,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<Comment>, PortError> {
        let all = self.comments(post_id, viewer).await?;
        let tops: Vec<i64> = all
            .iter()
            .filter(|c| c.parent_id.is_none() && after.is_none_or(|a| c.id > a))
            .map(|c| c.id)
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect();
        Ok(all.into_iter().filter(|c| tops.contains(&c.id) || c.parent_id.is_some_and(|p| tops.contains(&p))).collect())
    }
    /// One comment.
    async fn find_comment(&self, comment_id: i64) -> Result<Option<Comment>, PortError>;
    /// Adds a comment, bumping the post's comment count and recording `notice`'s event (stamped
    /// with the new comment's id) in the same transaction. [`PortError::InUse`] when the post,
    /// or the parent as a top-level comment of it, is gone by then.
    async fn add_comment(
        &self,
        post_id: i64,
        user_id: i64,
        parent_id: Option<i64>,
        content: &str,
        notice: Option<&CommentNotice>,
        at: DateTime<Utc>,
    ) -> Result<i64, PortError>;
    /// Deletes a comment with its replies and their likes; the post's count drops by the
    /// number of comments actually deleted. Returns that number (0 if it was already gone).
    async fn delete_comment(&self, comment_id: i64) -> Result<u64, PortError>;
    /// Likes a target once, bumping its counter and recording `event` in the outbox in the same
    /// transaction; the event is recorded only when the outcome is [`LikeOutcome::Added`].
    ///
    /// Refusals are outcomes, not errors: [`LikeOutcome::AlreadyLiked`] when this user's like
    /// exists (the counter is left as it was — a double click is not a failure), and
    /// [`LikeOutcome::TargetMissing`] when no post or comment of that kind has this id.
    ///
    /// Errors: [`PortError::Timeout`] when the store does not answer within its bound,
    /// [`PortError::Unavailable`] when it fails. Two racing likes by one user MUST end as one
    /// `Added` and one `AlreadyLiked`, never as [`PortError::Duplicate`].
    async fn like(
        &self,
        user_id: i64,
        target: LikeTarget,
        target_id: i64,
        event: Option<&CommunityEvent>,
        at: DateTime<Utc>,
    ) -> Result<LikeOutcome, PortError>;
    /// Removes a like; `false` if there was none (nothing changes).
    async fn unlike(&self, user_id: i64, target: LikeTarget, target_id: i64) -> Result<bool, PortError>;
    /// Who wrote the post or comment and where it sits; `None` when it does not exist.
    async fn activity_target(&self, target: LikeTarget, target_id: i64) -> Result<Option<ActivityTarget>, PortError>;
    /// The account's stored facts; `None` once it is purged.
    async fn account(&self, user_id: i64) -> Result<Option<Account>, PortError>;
}

/// Exam reviews; one per user and exam (a unique key).
#[async_trait]
pub trait ReviewRepository: Send + Sync {
    /// Whether the user reviewed this exam.
    async fn exists(&self, user_id: i64, schedule_id: i64) -> Result<bool, PortError>;
    /// Stores a review. [`PortError::Duplicate`] when the user already reviewed the exam.
    async fn create(&self, review: &NewReview, at: DateTime<Utc>) -> Result<i64, PortError>;
    /// The certificate's reviews matching `filter`, newest first.
    async fn list(
        &self,
        certificate_id: i64,
        filter: &crate::reviews::ReviewFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<crate::reviews::ExamReview>, PortError>;
}

/// A review to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReview {
    /// The reviewer; one review per user and exam.
    pub user_id: i64,
    /// The certificate whose latest exam is reviewed.
    pub certificate_id: i64,
    /// The exam's schedule.
    pub schedule_id: i64,
    /// How hard the exam felt.
    pub difficulty: crate::reviews::Difficulty,
    /// Months of preparation.
    pub prepare_months: i32,
    /// The review, trimmed, 1 to 1,000 characters.
    pub content: String,
}

/// Search keywords (Redis in production, in-process when embedded). Keywords arrive trimmed,
/// with inner whitespace collapsed.
#[async_trait]
pub trait KeywordStore: Send + Sync {
    /// Records one search atomically: moves `keyword` to the front of the user's recent list
    /// for the board (deduplicated, at most `limits.recent_max`). Unless this user's search of
    /// this keyword on this board was already counted within `limits.count_window`, it also
    /// adds 1 to the keyword's popularity and trending score and indexes it for autocomplete
    /// under `folded` and `chosung`; then, past `limits.max_keywords` (or
    /// `limits.max_trending`), forgets the least popular (lowest-scored) *other* keyword of the
    /// board (ties: the alphabetically first). Returns whether the search was counted.
    async fn record(
        &self,
        user_id: i64,
        certificate_id: i64,
        keyword: &str,
        folded: &str,
        chosung: &str,
        limits: &KeywordLimits,
    ) -> Result<bool, PortError>;
    /// The user's recent searches on the board, newest first.
    async fn recent(&self, user_id: i64, certificate_id: i64) -> Result<Vec<String>, PortError>;
    /// Removes one recent search, or all of them when `keyword` is `None`.
    async fn forget(&self, user_id: i64, certificate_id: i64, keyword: Option<&str>) -> Result<(), PortError>;
    /// Up to `limit` keywords whose folded (or, with `by_chosung`, initial-consonant) form starts
    /// with `prefix`, most popular first (ties alphabetical).
    async fn complete(
        &self,
        certificate_id: i64,
        prefix: &str,
        by_chosung: bool,
        limit: usize,
    ) -> Result<Vec<String>, PortError>;
    /// The `limit` keywords with the highest trending score (ties in reverse alphabetical order,
    /// as Redis orders them).
    async fn trending(&self, certificate_id: i64, limit: usize) -> Result<Vec<String>, PortError>;
    /// The order stored by the last [`Self::snapshot`].
    async fn snapshot_order(&self, certificate_id: i64) -> Result<Vec<String>, PortError>;
    /// Stores the current top `limit` as the snapshot to compare ranks with.
    async fn snapshot(&self, certificate_id: i64, limit: usize) -> Result<(), PortError>;
    /// Multiplies every trending score of the board by `factor` and drops those under `floor`.
    async fn decay(&self, certificate_id: i64, factor: f64, floor: f64) -> Result<(), PortError>;
}

/// The boards that exist (the certificate context's), as the community context asks.
#[async_trait]
pub trait BoardDirectory: Send + Sync {
    /// Whether the board (certificate) exists.
    async fn exists(&self, certificate_id: i64) -> Result<bool, PortError>;
}

/// The mock-exam questions COMMENTARY posts are about (the mock-exam context's).
#[async_trait]
pub trait QuestionCatalog: Send + Sync {
    /// The id of the board's mock exam of `year` and `round`, if it has one.
    async fn exam_of(&self, certificate_id: i64, year: i32, round: i32) -> Result<Option<i64>, PortError>;
    /// The exam with its questions and its certificate's subjects; `None` once it is deleted.
    async fn questions(&self, mock_exam_id: i64) -> Result<Option<ExamQuestions>, PortError>;
}

/// How far a user prepared for a certificate, as review eligibility needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preparation {
    /// Whether the certificate is one of the user's goals or interests.
    pub studied: bool,
    /// When the user's current goal for it began, if one is running.
    pub goal_start: Option<DateTime<Utc>>,
}

/// What decides who may review an exam, held by the certificate and learning contexts.
#[async_trait]
pub trait ReviewEligibility: Send + Sync {
    /// The certificate's latest exam before now, if it had one.
    async fn latest_exam(&self, certificate_id: i64) -> Result<Option<ReviewedExam>, PortError>;
    /// The user's goal and interests for the certificate.
    async fn preparation(&self, user_id: i64, certificate_id: i64) -> Result<Preparation, PortError>;
}

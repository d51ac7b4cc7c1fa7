//! Community use cases.

use std::{sync::Arc, time::Duration};

use cercat_common::{
    PortError,
    cache::{self, Cache},
    clock::Clock,
    paging::{PageRequest, Slice},
    storage::{ImageStorage, sniff_image},
};

use crate::{
    CommunityError, LikeTarget, Post, PostDraft, PostKind, keywords,
    model::{Comment, CommentThread},
    ports::{KeywordStore, LikeOutcome, NewReview, PostFilter, PostRepository, ReviewRepository},
    reviews::{self, Difficulty, Eligibility, ExamReview, ReviewFilter, ReviewedExam},
    search,
};

/// Sort fields of post lists (`count` = likes, as Cercat's client names it).
pub const POST_SORT_FIELDS: &[&str] = &["createdAt", "id", "count"];
/// Most images on one post.
pub const MAX_IMAGES: usize = 5;
/// Largest image, bytes.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// How long the best-tips list stays cached.
pub const BEST_TIPS_TTL: Duration = Duration::from_secs(300);
const MAX_TITLE: usize = 100;
const MAX_CONTENT: usize = 5_000;
const MAX_COMMENT: usize = 1_000;

/// The cache key of a board's best tips.
pub fn best_tips_key(certificate_id: i64) -> String {
    format!("community:v1:best-tips:{certificate_id}")
}

/// Community use cases.
pub struct CommunityService {
    posts: Arc<dyn PostRepository>,
    reviews: Arc<dyn ReviewRepository>,
    keywords: Arc<dyn KeywordStore>,
    storage: Arc<dyn ImageStorage>,
    cache: Arc<dyn Cache>,
    clock: Arc<dyn Clock>,
}

fn bad(field: &'static str, reason: impl Into<String>) -> CommunityError {
    CommunityError::InvalidPost { field, reason: reason.into() }
}

fn check_draft(draft: &mut PostDraft) -> Result<(), CommunityError> {
    draft.title = draft.title.trim().to_owned();
    draft.content = draft.content.trim().to_owned();
    if !(1..=MAX_TITLE).contains(&draft.title.chars().count()) {
        return Err(bad("title", format!("must be 1 to {MAX_TITLE} characters")));
    }
    if !(1..=MAX_CONTENT).contains(&draft.content.chars().count()) {
        return Err(bad("content", format!("must be 1 to {MAX_CONTENT} characters")));
    }
    if draft.kind == PostKind::Tip {
        if draft.tags.len() > 5 {
            return Err(bad("tags", "at most 5 tags"));
        }
        for tag in &mut draft.tags {
            tag.tag_name = tag.tag_name.trim().to_owned();
            if !(1..=50).contains(&tag.tag_name.chars().count()) {
                return Err(bad("tags", "each tag name is 1 to 50 characters"));
            }
        }
    } else {
        draft.tags.clear();
    }
    if draft.kind == PostKind::Commentary && draft.question.is_none() {
        return Err(bad("questionSequence", "a commentary names its exam year, round and question"));
    }
    if draft.kind != PostKind::Commentary {
        draft.question = None;
    }
    Ok(())
}

fn tokens(draft: &PostDraft) -> Vec<String> {
    search::post_tokens(&draft.title, &draft.content).into_iter().collect()
}

impl CommunityService {
    /// Wires the service.
    pub fn new(
        posts: Arc<dyn PostRepository>,
        reviews: Arc<dyn ReviewRepository>,
        keywords: Arc<dyn KeywordStore>,
        storage: Arc<dyn ImageStorage>,
        cache: Arc<dyn Cache>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { posts, reviews, keywords, storage, cache, clock }
    }

    /// Records a search the user made on a board (recent list, popularity, trending). A
    /// keyword-store failure is logged and does not fail the search.
    pub async fn record_search(&self, user_id: i64, certificate_id: i64, keyword: &str) {
        let recorded = self
            .keywords
            .record(
                user_id,
                certificate_id,
                keyword,
                &keywords::folded(keyword),
                &keywords::chosung(keyword),
                &keywords::LIMITS,
            )
            .await;
        if let Err(err) = recorded {
            tracing::warn!(%err, "could not record a search keyword");
        }
    }

    /// The user's recent searches on a board, newest first.
    pub async fn recent_searches(&self, user_id: i64, certificate_id: i64) -> Result<Vec<String>, CommunityError> {
        Ok(self.keywords.recent(user_id, certificate_id).await?)
    }

    /// Removes one recent search (an empty keyword is a no-op, as the client sends one on load),
    /// or all of them.
    pub async fn forget_searches(
        &self,
        user_id: i64,
        certificate_id: i64,
        keyword: Option<&str>,
    ) -> Result<(), CommunityError> {
        match keyword.map(|k| k.split_whitespace().collect::<Vec<_>>().join(" ")) {
            Some(k) if k.is_empty() => Ok(()),
            Some(k) => Ok(self.keywords.forget(user_id, certificate_id, Some(&k)).await?),
            None => Ok(self.keywords.forget(user_id, certificate_id, None).await?),
        }
    }

    /// Up to five popular keywords completing `query` by prefix, or by initial consonants when
    /// the query is made of them (`ㅈㅂㅊㄹ`). Blank (or the client's literal `null`) → none.
    pub async fn autocomplete(&self, certificate_id: i64, query: Option<&str>) -> Result<Vec<String>, CommunityError> {
        let Some(query) = query.map(str::trim).filter(|q| !q.is_empty() && *q != "null") else { return Ok(Vec::new()) };
        let by_chosung = keywords::is_chosung_query(query);
        let prefix = if by_chosung { query.split_whitespace().collect() } else { keywords::folded(query) };
        Ok(self.keywords.complete(certificate_id, &prefix, by_chosung, keywords::SUGGESTIONS).await?)
    }

    /// The board's top ten trending keywords with their movement since the last snapshot.
    pub async fn trending(&self, certificate_id: i64) -> Result<Vec<keywords::Trending>, CommunityError> {
        let current = self.keywords.trending(certificate_id, keywords::TRENDING).await?;
        let snapshot = self.keywords.snapshot_order(certificate_id).await?;
        Ok(keywords::rank(current, &snapshot))
    }

    /// Halves the board's trending scores (the 30-minute decay job).
    pub async fn decay_trending(&self, certificate_id: i64) -> Result<(), CommunityError> {
        Ok(self.keywords.decay(certificate_id, keywords::DECAY_FACTOR, keywords::DECAY_FLOOR).await?)
    }

    /// Stores the board's current ranking to compare with (the 10-minute snapshot job).
    pub async fn snapshot_trending(&self, certificate_id: i64) -> Result<(), CommunityError> {
        Ok(self.keywords.snapshot(certificate_id, keywords::TRENDING).await?)
    }

    /// Whether the certificate's latest exam (`exam`) is open for reviews now.
    pub fn review_period_open(&self, exam: Option<ReviewedExam>) -> bool {
        exam.is_some_and(|e| e.open_at(self.clock.now()))
    }

    /// Why the user may not review `exam` now (`studied`: the certificate is one of their goals
    /// or interests), or `None` when they may.
    pub async fn review_refusal(
        &self,
        user_id: i64,
        exam: Option<ReviewedExam>,
        studied: bool,
    ) -> Result<Option<CommunityError>, CommunityError> {
        let already = match exam {
            Some(e) => self.reviews.exists(user_id, e.schedule_id).await?,
            None => false,
        };
        Ok(reviews::refusal(exam, studied, already, self.clock.now()))
    }

    /// Writes a review of `exam` (see [`Self::review_refusal`] for who may, and when).
    pub async fn create_review(
        &self,
        user_id: i64,
        certificate_id: i64,
        eligibility: Eligibility,
        difficulty: Difficulty,
        content: &str,
    ) -> Result<i64, CommunityError> {
        let Eligibility { exam, studied, prepare_months } = eligibility;
        let content = content.trim();
        if !(1..=reviews::MAX_REVIEW_CHARS).contains(&content.chars().count()) {
            return Err(CommunityError::InvalidReview {
                field: "content",
                reason: format!("must be 1 to {} characters", reviews::MAX_REVIEW_CHARS),
            });
        }
        if let Some(refusal) = self.review_refusal(user_id, exam, studied).await? {
            return Err(refusal);
        }
        let Some(exam) = exam else { return Err(CommunityError::ReviewClosed) };
        let review = NewReview {
            user_id,
            certificate_id,
            schedule_id: exam.schedule_id,
            difficulty,
            prepare_months,
            content: content.to_owned(),
        };
        self.reviews.create(&review, self.clock.now()).await.map_err(|e| match e {
            // Two submissions raced: the unique key let one through.
            PortError::Duplicate(_) => CommunityError::AlreadyReviewed,
            other => other.into(),
        })
    }

    /// The certificate's reviews, newest first.
    pub async fn reviews(
        &self,
        certificate_id: i64,
        filter: ReviewFilter,
        page: &PageRequest,
    ) -> Result<Slice<ExamReview>, CommunityError> {
        let rows = self.reviews.list(certificate_id, &filter, page.offset(), page.fetch_limit()).await?;
        Ok(Slice::from_fetched(rows, page))
    }

    /// The public URL of a stored image.
    pub fn image_url(&self, key: &str) -> String {
        self.storage.url_for(key)
    }

    async fn store_images(&self, certificate_id: i64, images: Vec<Vec<u8>>) -> Result<Vec<String>, CommunityError> {
        let mut checked = Vec::with_capacity(images.len());
        for bytes in images {
            if bytes.len() > MAX_IMAGE_BYTES {
                return Err(CommunityError::InvalidImage(format!("an image is larger than {MAX_IMAGE_BYTES} bytes")));
            }
            let (ext, mime) = sniff_image(&bytes)
                .ok_or_else(|| CommunityError::InvalidImage("images must be PNG, JPEG, GIF or WebP".into()))?;
            checked.push((bytes, ext, mime));
        }
        let mut keys = Vec::with_capacity(checked.len());
        let stamp = self.clock.now().timestamp_micros();
        for (i, (bytes, ext, mime)) in checked.into_iter().enumerate() {
            let key = format!("posts/{certificate_id}/{stamp}-{i}-{}.{ext}", uuid::Uuid::new_v4().simple());
            match self.storage.put(&key, bytes, mime).await {
                Ok(_) => keys.push(key),
                Err(err) => {
                    self.drop_images(&keys).await;
                    return Err(err.into());
                }
            }
        }
        Ok(keys)
    }

    async fn drop_images(&self, keys: &[String]) {
        for key in keys {
            if let Err(err) = self.storage.delete(key).await {
                tracing::warn!(%err, key, "could not delete a post image; it is orphaned");
            }
        }
    }

    async fn forget_best_tips(&self, certificate_id: i64) {
        if let Err(err) = self.cache.delete(&best_tips_key(certificate_id)).await {
            tracing::warn!(%err, "could not invalidate the best tips");
        }
    }

    /// Writes a post on a board with up to five images.
    pub async fn create_post(
        &self,
        certificate_id: i64,
        user_id: i64,
        mut draft: PostDraft,
        images: Vec<Vec<u8>>,
    ) -> Result<Post, CommunityError> {
        check_draft(&mut draft)?;
        if images.len() > MAX_IMAGES {
            return Err(CommunityError::InvalidImage(format!("at most {MAX_IMAGES} images per post")));
        }
        let keys = self.store_images(certificate_id, images).await?;
        let created =
            self.posts.create(certificate_id, user_id, &draft, &tokens(&draft), &keys, self.clock.now()).await;
        let id = match created {
            Ok(id) => id,
            Err(err) => {
                self.drop_images(&keys).await;
                return Err(err.into());
            }
        };
        self.posts.find(id, user_id).await?.ok_or(CommunityError::PostNotFound(id))
    }

    /// Edits the caller's post: fields, images removed by id, images added.
    pub async fn update_post(
        &self,
        post_id: i64,
        user_id: i64,
        mut draft: PostDraft,
        remove_image_ids: &[i64],
        images: Vec<Vec<u8>>,
    ) -> Result<Post, CommunityError> {
        let post = self.posts.find(post_id, user_id).await?.ok_or(CommunityError::PostNotFound(post_id))?;
        if post.author.user_id != user_id {
            return Err(CommunityError::NotOwner("edit this post"));
        }
        if post.draft.kind != draft.kind {
            return Err(bad("postType", format!("this post is a {} post", post.draft.kind.as_str())));
        }
        check_draft(&mut draft)?;
        let kept = post.images.iter().filter(|i| !remove_image_ids.contains(&i.id)).count();
        if kept + images.len() > MAX_IMAGES {
            return Err(CommunityError::InvalidImage(format!("at most {MAX_IMAGES} images per post")));
        }
        let keys = self.store_images(post.certificate_id, images).await?;
        let updated =
            self.posts.update(post_id, &draft, &tokens(&draft), remove_image_ids, &keys, self.clock.now()).await;
        match updated {
            Ok(removed) => self.drop_images(&removed).await,
            Err(err) => {
                self.drop_images(&keys).await;
                return Err(err.into());
            }
        }
        self.forget_best_tips(post.certificate_id).await;
        self.posts.find(post_id, user_id).await?.ok_or(CommunityError::PostNotFound(post_id))
    }

    /// Deletes a post (its author, or an admin).
    pub async fn delete_post(&self, post_id: i64, user_id: i64, admin: bool) -> Result<(), CommunityError> {
        let post = self.posts.find(post_id, user_id).await?.ok_or(CommunityError::PostNotFound(post_id))?;
        if post.author.user_id != user_id && !admin {
            return Err(CommunityError::NotOwner("delete this post"));
        }
        let keys = self.posts.delete(post_id).await?;
        self.drop_images(&keys).await;
        self.forget_best_tips(post.certificate_id).await;
        Ok(())
    }

    /// A post with its comment tree (comments oldest first, each with its replies).
    pub async fn post(&self, post_id: i64, viewer: i64) -> Result<(Post, Vec<CommentThread>), CommunityError> {
        let post = self.posts.find(post_id, viewer).await?.ok_or(CommunityError::PostNotFound(post_id))?;
        let comments = self.posts.comments(post_id, viewer).await?;
        let (top, replies): (Vec<Comment>, Vec<Comment>) = comments.into_iter().partition(|c| c.parent_id.is_none());
        let threads = top
            .into_iter()
            .map(|comment| {
                let mine = replies.iter().filter(|r| r.parent_id == Some(comment.id)).cloned().collect();
                CommentThread { comment, replies: mine }
            })
            .collect();
        Ok((post, threads))
    }

    /// Posts matching `filter`, one page at a time (pages past the end are empty).
    pub async fn list(
        &self,
        filter: PostFilter,
        page: &PageRequest,
        viewer: i64,
    ) -> Result<Slice<Post>, CommunityError> {
        let rows = self.posts.list(&filter, page.sort(), page.offset(), page.fetch_limit(), viewer).await?;
        Ok(Slice::from_fetched(rows, page))
    }

    /// Turns a keyword into the filter part that finds it (400 when it is too short or long).
    pub fn keyword_filter(keyword: &str) -> Result<(String, Vec<String>), CommunityError> {
        search::prepare(keyword).map(|(k, t)| (k, t.into_iter().collect())).ok_or_else(|| {
            CommunityError::InvalidQuery {
                field: "keyword",
                reason: format!(
                    "must be {} to {} characters with at least two in one word",
                    search::MIN_KEYWORD_CHARS,
                    search::MAX_KEYWORD_CHARS
                ),
            }
        })
    }

    /// The board's three most-liked tips (cached for five minutes; edits and deletions of tips
    /// drop the cache), as `viewer` sees them.
    pub async fn best_tips(&self, certificate_id: i64, viewer: i64) -> Result<Vec<Post>, CommunityError> {
        let key = best_tips_key(certificate_id);
        let ids: Vec<i64> = match cache::get_json::<Vec<i64>>(&*self.cache, &key).await {
            Ok(Some(ids)) => ids,
            other => {
                if let Err(err) = other {
                    tracing::warn!(%err, "best-tips cache read failed");
                }
                let filter = PostFilter {
                    certificate_id: Some(certificate_id),
                    kind: Some(PostKind::Tip),
                    ..PostFilter::default()
                };
                let sort = [cercat_common::paging::SortOrder {
                    field: "count".into(),
                    direction: cercat_common::paging::Direction::Desc,
                }];
                let ids: Vec<i64> = self.posts.list(&filter, &sort, 0, 3, viewer).await?.iter().map(|p| p.id).collect();
                if let Err(err) = cache::set_json(&*self.cache, &key, &ids, BEST_TIPS_TTL).await {
                    tracing::warn!(%err, "best-tips cache write failed");
                }
                ids
            }
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(post) = self.posts.find(id, viewer).await? {
                out.push(post);
            }
        }
        Ok(out)
    }

    /// Comments on a post, or replies to one of its top-level comments.
    pub async fn add_comment(
        &self,
        post_id: i64,
        user_id: i64,
        parent_id: Option<i64>,
        content: &str,
    ) -> Result<i64, CommunityError> {
        let content = content.trim();
        if !(1..=MAX_COMMENT).contains(&content.chars().count()) {
            return Err(CommunityError::InvalidComment(format!("content must be 1 to {MAX_COMMENT} characters")));
        }
        if self.posts.find(post_id, user_id).await?.is_none() {
            return Err(CommunityError::PostNotFound(post_id));
        }
        if let Some(parent) = parent_id {
            let parent = self.posts.find_comment(parent).await?.ok_or(CommunityError::CommentNotFound(parent))?;
            if parent.post_id != post_id {
                return Err(CommunityError::InvalidComment("the parent comment belongs to another post".into()));
            }
            if parent.parent_id.is_some() {
                return Err(CommunityError::InvalidComment("replies cannot be replied to (one reply level)".into()));
            }
        }
        self.posts.add_comment(post_id, user_id, parent_id, content, self.clock.now()).await.map_err(|e| match e {
            // The parent or the post vanished between the check and the insert.
            PortError::InUse(_) => match parent_id {
                Some(parent) => CommunityError::CommentNotFound(parent),
                None => CommunityError::PostNotFound(post_id),
            },
            other => other.into(),
        })
    }

    /// Deletes a comment and its replies (its author, or an admin).
    pub async fn delete_comment(&self, comment_id: i64, user_id: i64, admin: bool) -> Result<(), CommunityError> {
        let comment = self.posts.find_comment(comment_id).await?.ok_or(CommunityError::CommentNotFound(comment_id))?;
        if comment.author.user_id != user_id && !admin {
            return Err(CommunityError::NotOwner("delete this comment"));
        }
        self.posts.delete_comment(comment_id).await?;
        Ok(())
    }

    /// Likes a post or comment (liking twice changes nothing); returns whether this call added it.
    pub async fn like(&self, user_id: i64, target: LikeTarget, target_id: i64) -> Result<bool, CommunityError> {
        match self.posts.like(user_id, target, target_id, self.clock.now()).await? {
            LikeOutcome::Added => Ok(true),
            LikeOutcome::AlreadyLiked => Ok(false),
            LikeOutcome::TargetMissing => Err(CommunityError::LikeTargetNotFound(target.as_str(), target_id)),
        }
    }

    /// Removes a like (removing a missing like changes nothing); returns whether one was removed.
    pub async fn unlike(&self, user_id: i64, target: LikeTarget, target_id: i64) -> Result<bool, CommunityError> {
        Ok(self.posts.unlike(user_id, target, target_id).await?)
    }
}

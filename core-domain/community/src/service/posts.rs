//! Writing, reading and listing posts, with their images and (for COMMENTARY posts) the
//! mock-exam question they are about.

use std::collections::{HashMap, hash_map::Entry};

use cercat_common::{
    cache,
    paging::{CursorPage, Direction, Keyset, KeysetRequest, SortOrder},
    storage::sniff_image,
};

use crate::{
    CommunityError, CommunityService, Post, PostDraft, PostKind,
    commentary::{CommentaryQuestion, ExamQuestions, PostView, QuestionChoice},
    model::{Comment, CommentThread, QuestionRef},
    ports::PostFilter,
    search,
};

use super::{BEST_TIPS_TTL, MAX_IMAGE_BYTES, MAX_IMAGES, best_tips_key};

const MAX_TITLE: usize = 100;
const MAX_CONTENT: usize = 5_000;

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
    // Tags are checked on every kind (a bad tag is bad input even where it would be dropped),
    // and kept only on tips.
    if draft.tags.len() > 5 {
        return Err(bad("tags", "at most 5 tags"));
    }
    for tag in &mut draft.tags {
        tag.tag_name = tag.tag_name.trim().to_owned();
        if !(1..=50).contains(&tag.tag_name.chars().count()) {
            return Err(bad("tags", "each tag name is 1 to 50 characters"));
        }
    }
    if draft.kind != PostKind::Tip {
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
    /// Resolves a COMMENTARY's (year, round, question) to a question of the board's mock exams;
    /// other kinds name none.
    async fn resolve_question(
        &self,
        certificate_id: i64,
        kind: PostKind,
        choice: QuestionChoice,
    ) -> Result<Option<QuestionRef>, CommunityError> {
        if kind != PostKind::Commentary {
            return Ok(None);
        }
        let (Some(year), Some(round), Some(number)) = (choice.exam_year, choice.round, choice.number) else {
            return Err(bad("questionSequence", "a commentary needs examYear, round and questionSequence"));
        };
        let catalog = &self.neighbours.questions;
        let exam = catalog.exam_of(certificate_id, year, round).await?.ok_or_else(|| {
            CommunityError::QuestionNotFound(format!(
                "certificate {certificate_id} has no mock exam for {year} round {round}"
            ))
        })?;
        let found = catalog.questions(exam).await?.is_some_and(|set| set.questions.iter().any(|q| q.number == number));
        if !found {
            return Err(CommunityError::QuestionNotFound(format!(
                "the {year} round {round} mock exam has no question {number}"
            )));
        }
        Ok(Some(QuestionRef { mock_exam_id: exam, exam_year: year, round, number }))
    }

    /// The posts as shown: each COMMENTARY with its question (each exam read once per call).
    pub(super) async fn views(&self, posts: Vec<Post>) -> Result<Vec<PostView>, CommunityError> {
        let mut exams: HashMap<i64, Option<ExamQuestions>> = HashMap::new();
        let mut out = Vec::with_capacity(posts.len());
        for post in posts {
            let question = match post.draft.question {
                Some(q) => {
                    if let Entry::Vacant(slot) = exams.entry(q.mock_exam_id) {
                        slot.insert(self.neighbours.questions.questions(q.mock_exam_id).await?);
                    }
                    exams.get(&q.mock_exam_id).and_then(Option::as_ref).and_then(|set| {
                        let question = set.questions.iter().find(|x| x.number == q.number)?.clone();
                        Some(CommentaryQuestion { question, exam: set.exam.clone(), subjects: set.subjects.clone() })
                    })
                }
                None => None,
            };
            out.push(PostView { post, question });
        }
        Ok(out)
    }

    pub(super) async fn view(&self, post: Post) -> Result<PostView, CommunityError> {
        let id = post.id;
        self.views(vec![post]).await?.pop().ok_or(CommunityError::PostNotFound(id))
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

    /// Writes a post on a board with up to five images; a COMMENTARY names its question.
    pub async fn create_post(
        &self,
        certificate_id: i64,
        user_id: i64,
        mut draft: PostDraft,
        question: QuestionChoice,
        images: Vec<Vec<u8>>,
    ) -> Result<PostView, CommunityError> {
        draft.question = self.resolve_question(certificate_id, draft.kind, question).await?;
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
        let post = self.posts.find(id, user_id).await?.ok_or(CommunityError::PostNotFound(id))?;
        self.view(post).await
    }

    /// Edits the caller's post: fields, images removed by id, images added. A COMMENTARY's
    /// question is looked up on the post's own board.
    pub async fn update_post(
        &self,
        post_id: i64,
        user_id: i64,
        mut draft: PostDraft,
        question: QuestionChoice,
        remove_image_ids: &[i64],
        images: Vec<Vec<u8>>,
    ) -> Result<PostView, CommunityError> {
        let post = self.posts.find(post_id, user_id).await?.ok_or(CommunityError::PostNotFound(post_id))?;
        // Ownership first: a stranger is refused as one, whatever the form names.
        if post.author.user_id != user_id {
            return Err(CommunityError::NotOwner("edit this post"));
        }
        draft.question = self.resolve_question(post.certificate_id, draft.kind, question).await?;
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
        let post = self.posts.find(post_id, user_id).await?.ok_or(CommunityError::PostNotFound(post_id))?;
        self.view(post).await
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
    pub async fn post(&self, post_id: i64, viewer: i64) -> Result<(PostView, Vec<CommentThread>), CommunityError> {
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
        Ok((self.view(post).await?, threads))
    }

    /// A page of the post's comments, oldest first, each top-level comment with its replies:
    /// for posts with many comments (the detail carries them all). Keyset on the top-level
    /// comments' ids, so comments written meanwhile never shift a page.
    pub async fn comment_threads(
        &self,
        post_id: i64,
        viewer: i64,
        page: &KeysetRequest,
    ) -> Result<CursorPage<CommentThread>, CommunityError> {
        self.posts.find(post_id, viewer).await?.ok_or(CommunityError::PostNotFound(post_id))?;
        let after = page.after.map(|k| k.id);
        let comments = self.posts.comment_page(post_id, viewer, after, page.fetch_limit()).await?;
        let (top, replies): (Vec<Comment>, Vec<Comment>) = comments.into_iter().partition(|c| c.parent_id.is_none());
        let threads: Vec<CommentThread> = top
            .into_iter()
            .map(|comment| {
                let mine = replies.iter().filter(|r| r.parent_id == Some(comment.id)).cloned().collect();
                CommentThread { comment, replies: mine }
            })
            .collect();
        Ok(CursorPage::from_fetched(threads, page, |t| Keyset { at: t.comment.created_at, id: t.comment.id }))
    }

    /// The list name of a post's comment pages (cursors of one post's comments are refused on another's).
    pub fn comments_list(post_id: i64) -> String {
        format!("comments:{post_id}")
    }

    /// Turns a keyword as sent into the filter part that finds it: `None` when absent or blank,
    /// 400 when it is too short or long.
    pub fn keyword_filter(keyword: Option<&str>) -> Result<Option<(String, Vec<String>)>, CommunityError> {
        search::read_keyword(keyword).map(|k| k.map(|(k, t)| (k, t.into_iter().collect()))).map_err(|()| {
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
    pub async fn best_tips(&self, certificate_id: i64, viewer: i64) -> Result<Vec<PostView>, CommunityError> {
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
                let sort = [SortOrder { field: "count".into(), direction: Direction::Desc }];
                let ids: Vec<i64> =
                    self.posts.list(&filter, &sort, 0, None, 3, viewer).await?.iter().map(|p| p.id).collect();
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
        self.views(out).await
    }
}

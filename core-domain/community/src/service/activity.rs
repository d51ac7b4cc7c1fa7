//! Comments and likes, and who hears of them: the author of the post or comment, never the
//! actor themself. The events are decided and built here, before the write, from facts that
//! never change once a row exists (its author, its post, its board); the repository records
//! them in the write's transaction, so a like or comment and its event land together or not
//! at all.

use cercat_common::PortError;

use crate::{
    CommunityError, CommunityService, LikeTarget,
    events::{Activity, CommentNotice, CommunityEvent},
    ports::{ActivityTarget, LikeOutcome},
};

const MAX_COMMENT: usize = 1_000;

/// Whether `actor_id`'s like or comment on `target` is news to its author: never for one's own
/// content (the one place that rule lives; alarms store what they are told).
pub(crate) fn tells_author(target: &ActivityTarget, actor_id: i64) -> bool {
    target.author_id != actor_id
}

fn activity(target: &ActivityTarget, actor_id: i64, actor_nickname: String, comment_id: Option<i64>) -> Activity {
    Activity {
        receiver_id: target.author_id,
        actor_id,
        actor_nickname,
        post_id: target.post_id,
        comment_id,
        certificate_id: target.certificate_id,
    }
}

impl CommunityService {
    /// The actor's nickname as events carry it (the one they have now).
    async fn nickname(&self, user_id: i64) -> Result<String, CommunityError> {
        Ok(self.posts.account(user_id).await?.map(|a| a.nickname).unwrap_or_default())
    }

    /// Comments on a post, or replies to one of its top-level comments; the post's author is
    /// told (unless it is their own post).
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
        let post = self
            .posts
            .activity_target(LikeTarget::Post, post_id)
            .await?
            .ok_or(CommunityError::PostNotFound(post_id))?;
        if let Some(parent) = parent_id {
            let parent = self.posts.find_comment(parent).await?.ok_or(CommunityError::CommentNotFound(parent))?;
            if parent.post_id != post_id {
                return Err(CommunityError::InvalidComment("the parent comment belongs to another post".into()));
            }
            if parent.parent_id.is_some() {
                return Err(CommunityError::InvalidComment("replies cannot be replied to (one reply level)".into()));
            }
        }
        let notice = if tells_author(&post, user_id) {
            Some(CommentNotice::new(activity(&post, user_id, self.nickname(user_id).await?, None)))
        } else {
            None
        };
        let added = self.posts.add_comment(post_id, user_id, parent_id, content, notice.as_ref(), self.clock.now());
        added.await.map_err(|e| match e {
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

    /// Likes a post or comment (liking twice changes nothing); returns whether this call added
    /// it. The author is told of an added like (unless it is their own content).
    pub async fn like(&self, user_id: i64, target: LikeTarget, target_id: i64) -> Result<bool, CommunityError> {
        let missing = || CommunityError::LikeTargetNotFound(target.as_str(), target_id);
        let facts = self.posts.activity_target(target, target_id).await?.ok_or_else(missing)?;
        let event = if tells_author(&facts, user_id) {
            let nickname = self.nickname(user_id).await?;
            Some(match target {
                LikeTarget::Post => CommunityEvent::PostLiked(activity(&facts, user_id, nickname, None)),
                LikeTarget::Comment => {
                    CommunityEvent::CommentLiked(activity(&facts, user_id, nickname, Some(target_id)))
                }
            })
        } else {
            None
        };
        match self.posts.like(user_id, target, target_id, event.as_ref(), self.clock.now()).await? {
            LikeOutcome::Added => Ok(true),
            LikeOutcome::AlreadyLiked => Ok(false),
            LikeOutcome::TargetMissing => Err(missing()),
        }
    }

    /// Removes a like (removing a missing like changes nothing); returns whether one was removed.
    pub async fn unlike(&self, user_id: i64, target: LikeTarget, target_id: i64) -> Result<bool, CommunityError> {
        Ok(self.posts.unlike(user_id, target, target_id).await?)
    }
}

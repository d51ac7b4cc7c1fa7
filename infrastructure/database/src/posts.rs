//! [`PostRepository`] over `posts`, `post_images`, `post_tokens`, `post_comments` and `likes`,
//! one module per seam: [`write`] (posts with their images and tokens), [`read`] (finding and
//! listing, with [`search`]'s keyword filter), [`comments`], [`likes`], and [`counters`] — the
//! one place the like and comment counters change. The adapter answers with facts (accounts,
//! authors, outcomes); who is told of what is decided by the community service, which hands
//! the events in to be recorded in the write's transaction.

mod comments;
pub(crate) mod counters;
mod likes;
mod read;
pub(crate) mod search;
mod write;

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use cercat_common::{
    PortError,
    paging::{Keyset, SortOrder},
};
use cercat_community::{
    LikeTarget, Post, PostDraft,
    events::{CommentNotice, CommunityEvent},
    model::{Account, Author, Comment},
    ports::{ActivityTarget, LikeOutcome, PostFilter, PostRepository},
};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::{db::Db, entity::user};

/// Posts, comments and likes.
#[derive(Clone, Debug)]
pub struct SqlPostRepository {
    db: Db,
}

impl SqlPostRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

/// (id, nickname, profile image key, withdrawn at, suspended at, suspended until).
type AccountRow = (i64, String, Option<String>, Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn account((_, nickname, image_key, withdrawn_at, suspended_at, suspended_until): AccountRow) -> Account {
    let suspended_until = suspended_at.map(|_| suspended_until);
    Account { nickname, image_key, withdrawn: withdrawn_at.is_some(), suspended_until }
}

/// The stored accounts of `ids`; purged ones are absent.
async fn accounts(db: &Db, ids: impl IntoIterator<Item = i64>) -> Result<HashMap<i64, Account>, PortError> {
    let ids: Vec<i64> = ids.into_iter().collect::<HashSet<_>>().into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<AccountRow> = db
        .run(
            user::Entity::find()
                .select_only()
                .columns([
                    user::Column::Id,
                    user::Column::Nickname,
                    user::Column::ProfileImageKey,
                    user::Column::WithdrawnAt,
                    user::Column::SuspendedAt,
                    user::Column::SuspendedUntil,
                ])
                .filter(user::Column::Id.is_in(ids))
                .into_tuple()
                .all(db.conn()),
        )
        .await?;
    Ok(rows.into_iter().map(|row| (row.0, account(row))).collect())
}

/// Authors by user id, as the community model shows them (see [`Author::shown`]).
pub(crate) async fn authors(db: &Db, ids: impl IntoIterator<Item = i64>) -> Result<Authors, PortError> {
    Ok(Authors { accounts: accounts(db, ids).await?, read_at: Utc::now() })
}

/// Accounts looked up for one read, shown as authors as of that read.
pub(crate) struct Authors {
    accounts: HashMap<i64, Account>,
    read_at: DateTime<Utc>,
}

impl Authors {
    /// How `user_id` is shown.
    pub(crate) fn of(&self, user_id: i64) -> Author {
        Author::shown(user_id, self.accounts.get(&user_id).cloned(), self.read_at)
    }
}

#[async_trait]
impl PostRepository for SqlPostRepository {
    async fn create(
        &self,
        certificate_id: i64,
        user_id: i64,
        draft: &PostDraft,
        tokens: &[String],
        image_keys: &[String],
        at: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        self.create_post(certificate_id, user_id, draft, tokens, image_keys, at).await
    }

    async fn update(
        &self,
        post_id: i64,
        draft: &PostDraft,
        tokens: &[String],
        remove_image_ids: &[i64],
        new_image_keys: &[String],
        at: DateTime<Utc>,
    ) -> Result<Vec<String>, PortError> {
        self.update_post(post_id, draft, tokens, remove_image_ids, new_image_keys, at).await
    }

    async fn delete(&self, post_id: i64) -> Result<Vec<String>, PortError> {
        self.delete_post(post_id).await
    }

    async fn find(&self, post_id: i64, viewer: i64) -> Result<Option<Post>, PortError> {
        self.find_post(post_id, viewer).await
    }

    async fn list(
        &self,
        filter: &PostFilter,
        sort: &[SortOrder],
        offset: u64,
        after: Option<Keyset>,
        limit: u64,
        viewer: i64,
    ) -> Result<Vec<Post>, PortError> {
        self.list_posts(filter, sort, offset, after, limit, viewer).await
    }

    async fn comments(&self, post_id: i64, viewer: i64) -> Result<Vec<Comment>, PortError> {
        self.comments_of(post_id, viewer).await
    }

    async fn comment_page(
        &self,
        post_id: i64,
        viewer: i64,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<Comment>, PortError> {
        self.comment_page_of(post_id, viewer, after, limit).await
    }

    async fn find_comment(&self, comment_id: i64) -> Result<Option<Comment>, PortError> {
        self.comment(comment_id).await
    }

    async fn add_comment(
        &self,
        post_id: i64,
        user_id: i64,
        parent_id: Option<i64>,
        content: &str,
        notice: Option<&CommentNotice>,
        at: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        self.insert_comment(post_id, user_id, parent_id, content, notice, at).await
    }

    async fn delete_comment(&self, comment_id: i64) -> Result<u64, PortError> {
        self.remove_comment(comment_id).await
    }

    async fn like(
        &self,
        user_id: i64,
        target: LikeTarget,
        target_id: i64,
        event: Option<&CommunityEvent>,
        at: DateTime<Utc>,
    ) -> Result<LikeOutcome, PortError> {
        self.add_like(user_id, target, target_id, event, at).await
    }

    async fn unlike(&self, user_id: i64, target: LikeTarget, target_id: i64) -> Result<bool, PortError> {
        self.remove_like(user_id, target, target_id).await
    }

    async fn activity_target(&self, target: LikeTarget, target_id: i64) -> Result<Option<ActivityTarget>, PortError> {
        self.target_facts(target, target_id).await
    }

    async fn account(&self, user_id: i64) -> Result<Option<Account>, PortError> {
        Ok(accounts(&self.db, [user_id]).await?.remove(&user_id))
    }
}

//! Comments and replies: written with the post's count and the service's notice in one
//! transaction; deleted with their replies and likes, the count dropping by what was deleted.

use cercat_common::PortError;
use cercat_community::{LikeTarget, events::CommentNotice, model::Comment};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{
    SqlPostRepository, authors,
    counters::{Targets, change_comments, forget_likes_on, lock_row},
};
use crate::{entity::post_comment, outbox::append_event};

impl SqlPostRepository {
    async fn comment_models(&self, rows: Vec<post_comment::Model>, viewer: i64) -> Result<Vec<Comment>, PortError> {
        let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
        let authors = authors(&self.db, rows.iter().map(|c| c.user_id)).await?;
        let liked = self.liked(viewer, LikeTarget::Comment, &ids).await?;
        Ok(rows
            .into_iter()
            .map(|c| Comment {
                id: c.id,
                post_id: c.post_id,
                parent_id: c.parent_id,
                author: authors.of(c.user_id),
                content: c.content,
                like_count: c.like_count,
                liked: liked.contains(&c.id),
                created_at: c.created_at,
                modified_at: c.updated_at,
            })
            .collect())
    }

    pub(super) async fn comments_of(&self, post_id: i64, viewer: i64) -> Result<Vec<Comment>, PortError> {
        let rows = self
            .db
            .run(
                post_comment::Entity::find()
                    .filter(post_comment::Column::PostId.eq(post_id))
                    .order_by_asc(post_comment::Column::Id)
                    .all(self.db.conn()),
            )
            .await?;
        self.comment_models(rows, viewer).await
    }

    pub(super) async fn comment_page_of(
        &self,
        post_id: i64,
        viewer: i64,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<Comment>, PortError> {
        let mut tops = post_comment::Entity::find()
            .filter(post_comment::Column::PostId.eq(post_id))
            .filter(post_comment::Column::ParentId.is_null());
        if let Some(after) = after {
            tops = tops.filter(post_comment::Column::Id.gt(after));
        }
        let mut rows =
            self.db.run(tops.order_by_asc(post_comment::Column::Id).limit(limit).all(self.db.conn())).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        if !ids.is_empty() {
            let replies = post_comment::Entity::find()
                .filter(post_comment::Column::ParentId.is_in(ids))
                .order_by_asc(post_comment::Column::Id)
                .all(self.db.conn());
            rows.extend(self.db.run(replies).await?);
            rows.sort_by_key(|r| r.id);
        }
        self.comment_models(rows, viewer).await
    }

    pub(super) async fn comment(&self, comment_id: i64) -> Result<Option<Comment>, PortError> {
        let row = self.db.run(post_comment::Entity::find_by_id(comment_id).one(self.db.conn())).await?;
        Ok(self.comment_models(row.into_iter().collect(), 0).await?.pop())
    }

    pub(super) async fn insert_comment(
        &self,
        post_id: i64,
        user_id: i64,
        parent_id: Option<i64>,
        content: &str,
        notice: Option<&CommentNotice>,
        at: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        self.db
            .write_with_events(|| async move {
                let txn = self.db.begin_write().await?;
                if change_comments(&txn, post_id, 1).await? == 0 {
                    return Err(DbErr::Custom("FOREIGN KEY constraint failed: the post is gone".into()));
                }
                // The post row is locked now; the parent must still be a top-level comment of it
                // (a concurrent delete would otherwise leave an invisible reply counted).
                if let Some(parent) = parent_id {
                    let ok = post_comment::Entity::find_by_id(parent)
                        .one(&txn)
                        .await?
                        .is_some_and(|p| p.post_id == post_id && p.parent_id.is_none());
                    if !ok {
                        return Err(DbErr::Custom("FOREIGN KEY constraint failed: the parent comment is gone".into()));
                    }
                }
                let row = post_comment::ActiveModel {
                    post_id: Set(post_id),
                    user_id: Set(user_id),
                    parent_id: Set(parent_id),
                    content: Set(content.to_owned()),
                    like_count: Set(0),
                    created_at: Set(at),
                    updated_at: Set(at),
                    ..Default::default()
                };
                let id = post_comment::Entity::insert(row).exec(&txn).await?.last_insert_id;
                if let Some(notice) = notice {
                    append_event(&txn, &notice.event(id), at).await?;
                }
                txn.commit().await?;
                Ok(id)
            })
            .await
    }

    pub(super) async fn remove_comment(&self, comment_id: i64) -> Result<u64, PortError> {
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                let Some(comment) = post_comment::Entity::find_by_id(comment_id).one(&txn).await? else {
                    return Ok(0);
                };
                lock_row(&txn, LikeTarget::Post, comment.post_id).await?;
                let family = Condition::any()
                    .add(post_comment::Column::Id.eq(comment_id))
                    .add(post_comment::Column::ParentId.eq(comment_id));
                let ids: Vec<i64> = post_comment::Entity::find()
                    .select_only()
                    .column(post_comment::Column::Id)
                    .filter(family.clone())
                    .into_tuple()
                    .all(&txn)
                    .await?;
                forget_likes_on(&txn, LikeTarget::Comment, Targets::Listed(ids)).await?;
                let gone = post_comment::Entity::delete_many().filter(family).exec(&txn).await?.rows_affected;
                if gone > 0 {
                    change_comments(&txn, comment.post_id, -i64::try_from(gone).unwrap_or(i64::MAX)).await?;
                }
                txn.commit().await?;
                Ok(gone)
            })
            .await
    }
}

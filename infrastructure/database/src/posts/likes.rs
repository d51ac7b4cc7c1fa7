//! Likes on posts and comments: one per user and target (a unique key), counted on the target,
//! with the event the service handed in recorded in the same transaction.

use std::collections::HashSet;

use cercat_common::PortError;
use cercat_community::{LikeTarget, events::CommunityEvent, ports::ActivityTarget, ports::LikeOutcome};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, SqlErr};

use super::{
    SqlPostRepository,
    counters::{Rows, change_likes, lock_row},
};
use crate::{
    entity::{like, post, post_comment},
    outbox::append_event,
};

impl SqlPostRepository {
    /// Which of `ids` the viewer liked.
    pub(super) async fn liked(&self, viewer: i64, target: LikeTarget, ids: &[i64]) -> Result<HashSet<i64>, PortError> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let rows: Vec<i64> = self
            .db
            .run(
                like::Entity::find()
                    .select_only()
                    .column(like::Column::TargetId)
                    .filter(like::Column::UserId.eq(viewer))
                    .filter(like::Column::TargetType.eq(target.as_str()))
                    .filter(like::Column::TargetId.is_in(ids.to_vec()))
                    .into_tuple()
                    .all(self.db.conn()),
            )
            .await?;
        Ok(rows.into_iter().collect())
    }

    pub(super) async fn target_facts(
        &self,
        target: LikeTarget,
        target_id: i64,
    ) -> Result<Option<ActivityTarget>, PortError> {
        let conn = self.db.conn();
        let (author_id, post_id) = match target {
            LikeTarget::Post => (
                self.db
                    .run(
                        post::Entity::find_by_id(target_id)
                            .select_only()
                            .column(post::Column::UserId)
                            .into_tuple::<i64>()
                            .one(conn),
                    )
                    .await?,
                Some(target_id),
            ),
            LikeTarget::Comment => {
                let row: Option<(i64, i64)> = self
                    .db
                    .run(
                        post_comment::Entity::find_by_id(target_id)
                            .select_only()
                            .columns([post_comment::Column::UserId, post_comment::Column::PostId])
                            .into_tuple()
                            .one(conn),
                    )
                    .await?;
                (row.map(|r| r.0), row.map(|r| r.1))
            }
        };
        let (Some(author_id), Some(post_id)) = (author_id, post_id) else { return Ok(None) };
        let certificate_id: Option<i64> = self
            .db
            .run(
                post::Entity::find_by_id(post_id)
                    .select_only()
                    .column(post::Column::CertificateId)
                    .into_tuple()
                    .one(conn),
            )
            .await?;
        Ok(certificate_id.map(|certificate_id| ActivityTarget { author_id, post_id, certificate_id }))
    }

    pub(super) async fn add_like(
        &self,
        user_id: i64,
        target: LikeTarget,
        target_id: i64,
        event: Option<&CommunityEvent>,
        at: DateTime<Utc>,
    ) -> Result<LikeOutcome, PortError> {
        self.db
            .write_with_events(|| async move {
                let txn = self.db.begin_write().await?;
                if change_likes(&txn, target, Rows::One(target_id), 1).await? == 0 {
                    return Ok(LikeOutcome::TargetMissing);
                }
                let row = like::ActiveModel {
                    user_id: Set(user_id),
                    target_type: Set(target.as_str().to_owned()),
                    target_id: Set(target_id),
                    created_at: Set(at),
                    ..Default::default()
                };
                match like::Entity::insert(row).exec_without_returning(&txn).await {
                    Ok(_) => {}
                    // Already liked: dropping the transaction rolls the counter back.
                    Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                        return Ok(LikeOutcome::AlreadyLiked);
                    }
                    Err(err) => return Err(err),
                }
                if let Some(event) = event {
                    append_event(&txn, event, at).await?;
                }
                txn.commit().await?;
                Ok(LikeOutcome::Added)
            })
            .await
    }

    pub(super) async fn remove_like(
        &self,
        user_id: i64,
        target: LikeTarget,
        target_id: i64,
    ) -> Result<bool, PortError> {
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                if !lock_row(&txn, target, target_id).await? {
                    return Ok(false);
                }
                let gone = like::Entity::delete_many()
                    .filter(like::Column::UserId.eq(user_id))
                    .filter(like::Column::TargetType.eq(target.as_str()))
                    .filter(like::Column::TargetId.eq(target_id))
                    .exec(&txn)
                    .await?
                    .rows_affected;
                if gone == 0 {
                    return Ok(false);
                }
                change_likes(&txn, target, Rows::One(target_id), -1).await?;
                txn.commit().await?;
                Ok(true)
            })
            .await
    }
}

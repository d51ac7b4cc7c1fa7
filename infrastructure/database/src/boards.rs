//! [`FavoriteBoardRepository`] over `favorite_boards`, with the `processed_events` inbox.

use async_trait::async_trait;
use cercat_certificate::ports::FavoriteBoardRepository;
use cercat_common::PortError;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::{
    db::{Db, map_err},
    entity::{favorite_board, processed_event},
};

/// Favourite boards.
#[derive(Clone, Debug)]
pub struct SqlFavoriteBoardRepository {
    db: Db,
}

impl SqlFavoriteBoardRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl FavoriteBoardRepository for SqlFavoriteBoardRepository {
    async fn favorites(&self, user_id: i64) -> Result<Vec<i64>, PortError> {
        self.db
            .run(
                favorite_board::Entity::find()
                    .select_only()
                    .column(favorite_board::Column::CertificateId)
                    .filter(favorite_board::Column::UserId.eq(user_id))
                    .into_tuple()
                    .all(self.db.conn()),
            )
            .await
    }

    async fn toggle(&self, user_id: i64, certificate_id: i64, at: DateTime<Utc>) -> Result<bool, PortError> {
        let removed = self
            .db
            .run(
                favorite_board::Entity::delete_many()
                    .filter(favorite_board::Column::UserId.eq(user_id))
                    .filter(favorite_board::Column::CertificateId.eq(certificate_id))
                    .exec(self.db.conn()),
            )
            .await?;
        if removed.rows_affected > 0 {
            return Ok(false);
        }
        let row = favorite_board::ActiveModel {
            user_id: Set(user_id),
            certificate_id: Set(certificate_id),
            created_at: Set(at),
            ..Default::default()
        };
        match self.db.run(favorite_board::Entity::insert(row).exec_without_returning(self.db.conn())).await {
            // A concurrent toggle inserted it first: it is a favourite either way.
            Ok(_) | Err(PortError::Duplicate(_)) => Ok(true),
            Err(err) => Err(err),
        }
    }

    async fn favorite_once(
        &self,
        consumer: &str,
        event_id: &str,
        user_id: i64,
        certificate_ids: &[i64],
        at: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        let txn = self.db.run(self.db.begin_write()).await?;
        let inbox = processed_event::ActiveModel {
            consumer: Set(consumer.to_owned()),
            event_id: Set(event_id.to_owned()),
            processed_at: Set(at),
            ..Default::default()
        };
        match processed_event::Entity::insert(inbox).exec_without_returning(&txn).await.map_err(map_err) {
            Ok(_) => {}
            Err(PortError::Duplicate(_)) => return Ok(false),
            Err(err) => return Err(err),
        }
        let existing: Vec<i64> = self
            .db
            .run(
                favorite_board::Entity::find()
                    .select_only()
                    .column(favorite_board::Column::CertificateId)
                    .filter(favorite_board::Column::UserId.eq(user_id))
                    .into_tuple()
                    .all(&txn),
            )
            .await?;
        let rows: Vec<_> = certificate_ids
            .iter()
            .filter(|id| !existing.contains(id))
            .map(|id| favorite_board::ActiveModel {
                user_id: Set(user_id),
                certificate_id: Set(*id),
                created_at: Set(at),
                ..Default::default()
            })
            .collect();
        if !rows.is_empty() {
            self.db.run(favorite_board::Entity::insert_many(rows).exec_without_returning(&txn)).await?;
        }
        self.db.run(txn.commit()).await?;
        Ok(true)
    }
}

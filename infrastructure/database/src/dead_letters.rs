//! [`DeadLetterQueue`] in the database: the embedded mode's dead-letter queue (the in-process
//! bus keeps nothing across restarts, and `cercat-admin` runs in another process).

use async_trait::async_trait;
use cercat_common::{
    PortError,
    events::{DeadLetter, DeadLetterQueue},
};
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};

use crate::{db::Db, entity::dead_letter};

/// The `dead_letters` table.
#[derive(Debug, Clone)]
pub struct SqlDeadLetterQueue {
    db: Db,
}

impl SqlDeadLetterQueue {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl DeadLetterQueue for SqlDeadLetterQueue {
    async fn add(&self, letter: &DeadLetter) -> Result<(), PortError> {
        let body = serde_json::to_string(letter)
            .map_err(|e| PortError::Corrupt(format!("cannot encode a dead letter: {e}")))?;
        let row = dead_letter::ActiveModel {
            letter_id: Set(letter.id.to_string()),
            group_name: Set(letter.group.chars().take(100).collect()),
            topic: Set(letter.topic.chars().take(200).collect()),
            body: Set(body),
            failed_at: Set(letter.failed_at),
            resolved_at: Set(None),
            ..Default::default()
        };
        match self.db.write(|| dead_letter::Entity::insert(row.clone()).exec_without_returning(self.db.conn())).await {
            // The same letter stored twice (a retried add): once is enough.
            Ok(_) | Err(PortError::Duplicate(_)) => Ok(()),
            Err(err) => Err(err),
        }
    }

    async fn pending(&self, limit: usize) -> Result<Vec<DeadLetter>, PortError> {
        let rows = self
            .db
            .run(
                dead_letter::Entity::find()
                    .filter(dead_letter::Column::ResolvedAt.is_null())
                    .order_by_asc(dead_letter::Column::Seq)
                    .limit(u64::try_from(limit).unwrap_or(u64::MAX))
                    .all(self.db.conn()),
            )
            .await?;
        rows.into_iter()
            .map(|row| {
                serde_json::from_str(&row.body)
                    .map_err(|e| PortError::Corrupt(format!("dead letter {}: {e}", row.letter_id)))
            })
            .collect()
    }

    async fn resolve(&self, letters: &[DeadLetter]) -> Result<(), PortError> {
        if letters.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = letters.iter().map(|l| l.id.to_string()).collect();
        let now = Utc::now();
        self.db
            .write(|| {
                dead_letter::Entity::update_many()
                    .col_expr(dead_letter::Column::ResolvedAt, Expr::value(now))
                    .filter(dead_letter::Column::LetterId.is_in(ids.clone()))
                    .filter(dead_letter::Column::ResolvedAt.is_null())
                    .exec(self.db.conn())
            })
            .await?;
        Ok(())
    }

    async fn size(&self) -> Result<u64, PortError> {
        self.db
            .run(dead_letter::Entity::find().filter(dead_letter::Column::ResolvedAt.is_null()).count(self.db.conn()))
            .await
    }
}

//! The mail outbox: [`enqueue`] inside a transaction, [`SqlMailQueue`] for the dispatcher.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    mail::{Mail, MailQueue, QueuedMail},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use crate::{db::Db, entity::mail};

/// Queues `mail` through `conn` (call it inside the transaction that caused the mail).
pub async fn enqueue<C: ConnectionTrait>(conn: &C, m: &Mail, at: DateTime<Utc>) -> Result<(), sea_orm::DbErr> {
    mail::Entity::insert(mail::ActiveModel {
        recipient: Set(m.to.clone()),
        subject: Set(m.subject.clone()),
        body: Set(m.body.clone()),
        created_at: Set(at),
        sent_at: Set(None),
        attempts: Set(0),
        next_attempt_at: Set(at),
        last_error: Set(None),
        failed_at: Set(None),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The dispatcher's view of the mail outbox.
#[derive(Clone, Debug)]
pub struct SqlMailQueue {
    db: Db,
}

impl SqlMailQueue {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl MailQueue for SqlMailQueue {
    async fn due(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<QueuedMail>, PortError> {
        let rows = self
            .db
            .run(
                mail::Entity::find()
                    .filter(mail::Column::SentAt.is_null())
                    .filter(mail::Column::FailedAt.is_null())
                    .filter(mail::Column::NextAttemptAt.lte(now))
                    .order_by_asc(mail::Column::Id)
                    .limit(u64::from(limit))
                    .all(self.db.conn()),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| QueuedMail {
                id: r.id,
                attempts: u32::try_from(r.attempts).unwrap_or(0),
                mail: Mail { to: r.recipient, subject: r.subject, body: r.body },
            })
            .collect())
    }

    async fn claim(&self, id: i64, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool, PortError> {
        // One conditional UPDATE: on MySQL the row lock, on SQLite the single writer, make
        // exactly one of several racing dispatchers see it change a row.
        let res = self
            .db
            .write(|| {
                mail::Entity::update_many()
                    .col_expr(mail::Column::NextAttemptAt, Expr::value(until))
                    .filter(mail::Column::Id.eq(id))
                    .filter(mail::Column::SentAt.is_null())
                    .filter(mail::Column::FailedAt.is_null())
                    .filter(mail::Column::NextAttemptAt.lte(now))
                    .exec(self.db.conn())
            })
            .await?;
        Ok(res.rows_affected == 1)
    }

    async fn mark_undeliverable(&self, id: i64, error: &str, at: DateTime<Utc>) -> Result<(), PortError> {
        let error: String = error.chars().take(2000).collect();
        self.db
            .run(
                mail::Entity::update_many()
                    .col_expr(mail::Column::Attempts, Expr::col(mail::Column::Attempts).add(1))
                    .col_expr(mail::Column::FailedAt, Expr::value(Some(at)))
                    .col_expr(mail::Column::LastError, Expr::value(Some(error)))
                    .filter(mail::Column::Id.eq(id))
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(())
    }

    async fn mark_sent(&self, id: i64, at: DateTime<Utc>) -> Result<(), PortError> {
        self.db
            .run(
                mail::Entity::update_many()
                    .col_expr(mail::Column::SentAt, Expr::value(Some(at)))
                    // Codes and personal content live in the recipient's mailbox from now on;
                    // the row keeps only who, what and when.
                    .col_expr(mail::Column::Body, Expr::value(""))
                    .filter(mail::Column::Id.eq(id))
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(())
    }

    async fn mark_failed(&self, id: i64, error: &str, retry_at: DateTime<Utc>) -> Result<(), PortError> {
        let error: String = error.chars().take(2000).collect();
        self.db
            .run(
                mail::Entity::update_many()
                    .col_expr(mail::Column::Attempts, Expr::col(mail::Column::Attempts).add(1))
                    .col_expr(mail::Column::NextAttemptAt, Expr::value(retry_at))
                    .col_expr(mail::Column::LastError, Expr::value(Some(error)))
                    .filter(mail::Column::Id.eq(id))
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(())
    }

    async fn unsent_count(&self) -> Result<u64, PortError> {
        self.db
            .run(
                mail::Entity::find()
                    .filter(mail::Column::SentAt.is_null())
                    .filter(mail::Column::FailedAt.is_null())
                    .count(self.db.conn()),
            )
            .await
    }
}

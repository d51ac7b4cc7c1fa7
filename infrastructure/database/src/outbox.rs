//! The outbox table: [`append_events`] inside a repository's transaction, and
//! [`SqlOutboxStore`] for the relay.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    events::EventEnvelope,
    outbox::{OutboxStore, OutboxWake, PendingEvent},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use crate::{db::Db, entity::outbox_event};

/// Records one typed domain event in the outbox, in the caller's transaction.
pub async fn append_event<C: ConnectionTrait, E: cercat_common::events::DomainEvent>(
    txn: &C,
    event: &E,
    at: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let envelope = EventEnvelope::of(event, at).map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    append_events(txn, &[envelope], at).await
}

/// Records `events` through `txn` — call it inside the transaction that made the change, so
/// the change and its events commit or roll back together. Run that transaction with
/// [`Db::write_with_events`] or [`Db::run_with_events`], which wake the relay once it committed.
pub async fn append_events<C: ConnectionTrait>(
    txn: &C,
    events: &[EventEnvelope],
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    let rows = events.iter().map(|e| outbox_event::ActiveModel {
        event_id: Set(e.id.to_string()),
        topic: Set(e.topic.clone()),
        aggregate_type: Set(e.aggregate_type.clone()),
        aggregate_id: Set(e.aggregate_id.clone()),
        event_type: Set(e.event_type.clone()),
        payload: Set(e.payload.to_string()),
        occurred_at: Set(e.occurred_at),
        created_at: Set(now),
        sent_at: Set(None),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        ..Default::default()
    });
    outbox_event::Entity::insert_many(rows).exec(txn).await?;
    Ok(())
}

/// The relay's view of the outbox.
#[derive(Clone, Debug)]
pub struct SqlOutboxStore {
    db: Db,
}

impl SqlOutboxStore {
    /// Records events that belong to no other write (scheduled reminders). Events whose id is
    /// already in the outbox are skipped, so a job re-run adds nothing twice.
    pub async fn append(&self, events: &[EventEnvelope], now: DateTime<Utc>) -> Result<u64, PortError> {
        let mut added = 0;
        for event in events {
            match self.db.run_with_events(append_events(self.db.conn(), std::slice::from_ref(event), now)).await {
                Ok(()) => added += 1,
                Err(PortError::Duplicate(_)) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(added)
    }

    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl cercat_alarm::ReminderOutbox for SqlOutboxStore {
    async fn append(&self, events: &[EventEnvelope], now: DateTime<Utc>) -> Result<u64, PortError> {
        SqlOutboxStore::append(self, events, now).await
    }
}

fn to_pending(row: outbox_event::Model) -> Result<PendingEvent, PortError> {
    let corrupt = |what: &str| PortError::Corrupt(format!("outbox row {}: {what}", row.seq));
    let id = row.event_id.parse().map_err(|_| corrupt("bad event id"))?;
    let payload = serde_json::from_str(&row.payload).map_err(|_| corrupt("payload is not JSON"))?;
    Ok(PendingEvent {
        seq: row.seq,
        attempts: u32::try_from(row.attempts).unwrap_or(0),
        next_attempt_at: row.next_attempt_at,
        event: EventEnvelope {
            id,
            topic: row.topic,
            aggregate_type: row.aggregate_type,
            aggregate_id: row.aggregate_id,
            event_type: row.event_type,
            payload,
            occurred_at: row.occurred_at,
        },
    })
}

#[async_trait]
impl OutboxStore for SqlOutboxStore {
    fn written(&self) -> OutboxWake {
        self.db.outbox_wake()
    }

    async fn unsent(&self, limit: u32) -> Result<Vec<PendingEvent>, PortError> {
        let rows = self
            .db
            .run(
                outbox_event::Entity::find()
                    .filter(outbox_event::Column::SentAt.is_null())
                    .order_by_asc(outbox_event::Column::Seq)
                    .limit(u64::from(limit))
                    .all(self.db.conn()),
            )
            .await?;
        rows.into_iter().map(to_pending).collect()
    }

    async fn mark_sent(&self, seqs: &[i64], at: DateTime<Utc>) -> Result<(), PortError> {
        self.db
            .run(
                outbox_event::Entity::update_many()
                    .col_expr(outbox_event::Column::SentAt, Expr::value(at))
                    .col_expr(outbox_event::Column::LastError, Expr::value(Option::<String>::None))
                    .filter(outbox_event::Column::Seq.is_in(seqs.iter().copied()))
                    .filter(outbox_event::Column::SentAt.is_null())
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(())
    }

    async fn mark_failed(&self, seq: i64, error: &str, retry_at: DateTime<Utc>) -> Result<(), PortError> {
        let error: String = error.chars().take(2000).collect();
        self.db
            .run(
                outbox_event::Entity::update_many()
                    .col_expr(outbox_event::Column::Attempts, Expr::col(outbox_event::Column::Attempts).add(1))
                    .col_expr(outbox_event::Column::NextAttemptAt, Expr::value(retry_at))
                    .col_expr(outbox_event::Column::LastError, Expr::value(Some(error)))
                    .filter(outbox_event::Column::Seq.eq(seq))
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(())
    }

    async fn unsent_count(&self) -> Result<u64, PortError> {
        self.db
            .run(outbox_event::Entity::find().filter(outbox_event::Column::SentAt.is_null()).count(self.db.conn()))
            .await
    }

    async fn oldest_unsent_at(&self) -> Result<Option<DateTime<Utc>>, PortError> {
        let oldest = self
            .db
            .run(
                outbox_event::Entity::find()
                    .filter(outbox_event::Column::SentAt.is_null())
                    .order_by_asc(outbox_event::Column::Seq)
                    .one(self.db.conn()),
            )
            .await?;
        Ok(oldest.map(|row| row.created_at))
    }

    async fn requeue(&self, event: &EventEnvelope, now: DateTime<Utc>) -> Result<(), PortError> {
        let reset = self
            .db
            .write(|| {
                outbox_event::Entity::update_many()
                    .col_expr(outbox_event::Column::SentAt, Expr::value(Option::<DateTime<Utc>>::None))
                    .col_expr(outbox_event::Column::Attempts, Expr::value(0))
                    .col_expr(outbox_event::Column::NextAttemptAt, Expr::value(now))
                    .col_expr(outbox_event::Column::LastError, Expr::value(Option::<String>::None))
                    .filter(outbox_event::Column::EventId.eq(event.id.to_string()))
                    .exec(self.db.conn())
            })
            .await?;
        if reset.rows_affected == 0 {
            // Purged since it was sent: write it again under the same id.
            self.append(std::slice::from_ref(event), now).await?;
        }
        Ok(())
    }
}

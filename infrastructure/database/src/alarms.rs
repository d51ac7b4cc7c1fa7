//! [`AlarmRepository`] over `alarms`, deduplicated through the `processed_events` inbox.

use async_trait::async_trait;
use cercat_alarm::{Alarm, AlarmRepository, AlarmType, NewAlarm};
use cercat_common::{PortError, paging::Keyset};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    SqlErr, sea_query::Expr,
};

use crate::{
    db::Db,
    entity::{alarm, processed_event},
};

/// The [`AlarmRepository`] on SQLite or MariaDB: an alarm is stored once per event.
#[derive(Clone, Debug)]
pub struct SqlAlarmRepository {
    db: Db,
}

impl SqlAlarmRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl AlarmRepository for SqlAlarmRepository {
    async fn store_once(
        &self,
        consumer: &str,
        event_id: &str,
        new: Option<&NewAlarm>,
    ) -> Result<Option<i64>, PortError> {
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                let inbox = processed_event::ActiveModel {
                    consumer: Set(consumer.to_owned()),
                    event_id: Set(event_id.to_owned()),
                    processed_at: Set(Utc::now()),
                    ..Default::default()
                };
                match processed_event::Entity::insert(inbox).exec_without_returning(&txn).await {
                    Ok(_) => {}
                    // Handled before (a redelivery): nothing to do.
                    Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                        return Ok(None);
                    }
                    Err(err) => return Err(err),
                }
                let mut stored = None;
                if let Some(a) = new {
                    let inserted = alarm::Entity::insert(alarm::ActiveModel {
                        receiver_id: Set(a.receiver_id),
                        alarm_type: Set(a.alarm_type.as_str().to_owned()),
                        origin_id: Set(a.origin_id),
                        certificate_id: Set(a.certificate_id),
                        actor_nickname: Set(a.actor_nickname.clone()),
                        like_target_type: Set(a.like_target_type.map(str::to_owned)),
                        occurred_at: Set(a.occurred_at),
                        read_at: Set(None),
                        dedupe_key: Set(a.once_key.clone()),
                        ..Default::default()
                    })
                    .exec(&txn)
                    .await;
                    match inserted {
                        Ok(inserted) => stored = Some(inserted.last_insert_id),
                        // The unique `dedupe_key` already holds this alarm (a like after an
                        // unlike): the failed statement leaves the transaction usable on
                        // MySQL and SQLite, so the event id is still recorded.
                        Err(err)
                            if a.once_key.is_some()
                                && matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {}
                        Err(err) => return Err(err),
                    }
                }
                txn.commit().await?;
                Ok(stored)
            })
            .await
            .or_else(|err| match err {
                // The receiver was purged meanwhile: the alarm has nobody to go to.
                PortError::InUse(_) => Ok(None),
                other => Err(other),
            })
    }

    async fn unread(&self, receiver_id: i64, limit: u64) -> Result<Vec<Alarm>, PortError> {
        self.list(receiver_id, true, None, limit).await
    }

    async fn list(
        &self,
        receiver_id: i64,
        unread_only: bool,
        after: Option<Keyset>,
        limit: u64,
    ) -> Result<Vec<Alarm>, PortError> {
        let mut query = alarm::Entity::find().filter(alarm::Column::ReceiverId.eq(receiver_id));
        if unread_only {
            query = query.filter(alarm::Column::ReadAt.is_null());
        }
        if let Some(after) = after {
            // Strictly older in (occurred_at DESC, id DESC), without row-value comparison so
            // every backend runs it; the time is one read back from a row, compared as stored.
            query =
                query.filter(Condition::any().add(alarm::Column::OccurredAt.lt(after.at)).add(
                    Condition::all().add(alarm::Column::OccurredAt.eq(after.at)).add(alarm::Column::Id.lt(after.id)),
                ));
        }
        let rows = self
            .db
            .run(
                query
                    // By when it happened: topics are consumed in no global order.
                    .order_by_desc(alarm::Column::OccurredAt)
                    .order_by_desc(alarm::Column::Id)
                    .limit(limit)
                    .all(self.db.conn()),
            )
            .await?;
        rows.into_iter().map(to_alarm).collect()
    }

    async fn after_id(&self, receiver_id: i64, after_id: i64, limit: u64) -> Result<Vec<Alarm>, PortError> {
        let rows = self
            .db
            .run(
                alarm::Entity::find()
                    .filter(alarm::Column::ReceiverId.eq(receiver_id))
                    .filter(alarm::Column::Id.gt(after_id))
                    .order_by_asc(alarm::Column::Id)
                    .limit(limit)
                    .all(self.db.conn()),
            )
            .await?;
        rows.into_iter().map(to_alarm).collect()
    }

    async fn latest_id(&self, receiver_id: i64) -> Result<Option<i64>, PortError> {
        let latest: Option<Option<i64>> = self
            .db
            .run(
                alarm::Entity::find()
                    .select_only()
                    .column_as(alarm::Column::Id.max(), "latest")
                    .filter(alarm::Column::ReceiverId.eq(receiver_id))
                    .into_tuple()
                    .one(self.db.conn()),
            )
            .await?;
        Ok(latest.flatten())
    }

    async fn unread_count(&self, receiver_id: i64) -> Result<u64, PortError> {
        self.db
            .run(
                alarm::Entity::find()
                    .filter(alarm::Column::ReceiverId.eq(receiver_id))
                    .filter(alarm::Column::ReadAt.is_null())
                    .count(self.db.conn()),
            )
            .await
    }

    async fn mark_read(&self, receiver_id: i64, ids: &[i64], at: DateTime<Utc>) -> Result<u64, PortError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let res = self
            .db
            .run(
                alarm::Entity::update_many()
                    .col_expr(alarm::Column::ReadAt, Expr::value(Some(at)))
                    .filter(alarm::Column::ReceiverId.eq(receiver_id))
                    .filter(alarm::Column::Id.is_in(ids.to_vec()))
                    .filter(alarm::Column::ReadAt.is_null())
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(res.rows_affected)
    }
}

/// A stored row as the domain's alarm.
fn to_alarm(r: alarm::Model) -> Result<Alarm, PortError> {
    let alarm_type = AlarmType::parse(&r.alarm_type)
        .ok_or_else(|| PortError::Corrupt(format!("alarm {} type {}", r.id, r.alarm_type)))?;
    let like_target_type = match r.like_target_type.as_deref() {
        Some("POST") => Some("POST"),
        Some("COMMENT") => Some("COMMENT"),
        _ => None,
    };
    Ok(Alarm {
        id: r.id,
        read: r.read_at.is_some(),
        alarm: NewAlarm {
            receiver_id: r.receiver_id,
            alarm_type,
            origin_id: r.origin_id,
            certificate_id: r.certificate_id,
            actor_nickname: r.actor_nickname,
            like_target_type,
            occurred_at: r.occurred_at,
            once_key: r.dedupe_key,
        },
    })
}

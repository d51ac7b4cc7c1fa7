//! [`IdempotencyStore`] on the database: a unique key per (scope, key) decides who runs.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    idempotency::{Claim, IdempotencyStore, StoredResponse},
};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use std::time::Duration;

use crate::{db::Db, entity::idempotency_key};

/// Idempotency keys and their first responses.
#[derive(Clone, Debug)]
pub struct SqlIdempotencyStore {
    db: Db,
}

impl SqlIdempotencyStore {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    fn find(scope: &str, key: &str) -> sea_orm::Select<idempotency_key::Entity> {
        idempotency_key::Entity::find()
            .filter(idempotency_key::Column::Scope.eq(scope))
            .filter(idempotency_key::Column::IdemKey.eq(key))
    }
}

#[async_trait]
impl IdempotencyStore for SqlIdempotencyStore {
    async fn claim(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
        stale_after: Duration,
    ) -> Result<Claim, PortError> {
        let row = idempotency_key::ActiveModel {
            scope: Set(scope.to_owned()),
            idem_key: Set(key.to_owned()),
            fingerprint: Set(fingerprint.to_owned()),
            status_code: Set(None),
            response_body: Set(None),
            created_at: Set(now),
            completed_at: Set(None),
            ..Default::default()
        };
        match self
            .db
            .write(|| idempotency_key::Entity::insert(row.clone()).exec_without_returning(self.db.conn()))
            .await
        {
            Ok(_) => return Ok(Claim::Run),
            Err(PortError::Duplicate(_)) => {}
            Err(e) => return Err(e),
        }
        let Some(existing) = self.db.run(Self::find(scope, key).one(self.db.conn())).await? else {
            // Abandoned between our insert and this read: the caller may simply retry.
            return Ok(Claim::InFlight);
        };
        if existing.fingerprint != fingerprint {
            return Ok(Claim::Mismatch);
        }
        if let (Some(status), Some(body)) = (existing.status_code, existing.response_body) {
            return Ok(Claim::Replay(StoredResponse { status: u16::try_from(status).unwrap_or(500), body }));
        }
        let stale = now - chrono::Duration::from_std(stale_after).unwrap_or_default();
        if existing.created_at < stale {
            // Its process died mid-request: take it over, once (conditional on the old claim).
            let taken = self
                .db
                .write(|| {
                    idempotency_key::Entity::update_many()
                        .col_expr(idempotency_key::Column::CreatedAt, Expr::value(now))
                        .filter(idempotency_key::Column::Id.eq(existing.id))
                        .filter(idempotency_key::Column::CreatedAt.eq(existing.created_at))
                        .filter(idempotency_key::Column::CompletedAt.is_null())
                        .exec(self.db.conn())
                })
                .await?;
            if taken.rows_affected == 1 {
                return Ok(Claim::Run);
            }
        }
        Ok(Claim::InFlight)
    }

    async fn complete(
        &self,
        scope: &str,
        key: &str,
        response: &StoredResponse,
        now: DateTime<Utc>,
    ) -> Result<(), PortError> {
        self.db
            .write(|| {
                idempotency_key::Entity::update_many()
                    .col_expr(idempotency_key::Column::StatusCode, Expr::value(i32::from(response.status)))
                    .col_expr(idempotency_key::Column::ResponseBody, Expr::value(response.body.clone()))
                    .col_expr(idempotency_key::Column::CompletedAt, Expr::value(now))
                    .filter(idempotency_key::Column::Scope.eq(scope))
                    .filter(idempotency_key::Column::IdemKey.eq(key))
                    .exec(self.db.conn())
            })
            .await?;
        Ok(())
    }

    async fn abandon(&self, scope: &str, key: &str) -> Result<(), PortError> {
        self.db
            .write(|| {
                idempotency_key::Entity::delete_many()
                    .filter(idempotency_key::Column::Scope.eq(scope))
                    .filter(idempotency_key::Column::IdemKey.eq(key))
                    .filter(idempotency_key::Column::CompletedAt.is_null())
                    .exec(self.db.conn())
            })
            .await?;
        Ok(())
    }

    async fn purge(&self, before: DateTime<Utc>) -> Result<u64, PortError> {
        let r = self
            .db
            .write(|| {
                idempotency_key::Entity::delete_many()
                    .filter(idempotency_key::Column::CreatedAt.lt(before))
                    .exec(self.db.conn())
            })
            .await?;
        Ok(r.rows_affected)
    }
}

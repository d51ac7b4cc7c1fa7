//! [`LeaseLock`] in the `leases` table, for deployments without Redis (embedded mode, where
//! the api and `batch serve` may be separate processes sharing one SQLite file).

use async_trait::async_trait;
use cercat_common::{
    PortError,
    lease::{Lease, LeaseLock, new_token},
};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use std::time::Duration;

use crate::{db::Db, entity::lease};

/// Leases as rows: taking one is an insert, or an update of an expired row; both are single
/// atomic statements, so exactly one contender wins.
#[derive(Clone, Debug)]
pub struct SqlLeaseLock {
    db: Db,
}

impl SqlLeaseLock {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[async_trait]
impl LeaseLock for SqlLeaseLock {
    async fn try_acquire(&self, name: &str, holder: &str, max_hold: Duration) -> Result<Option<Lease>, PortError> {
        let token = new_token();
        let now = now_ms();
        let expires = now.saturating_add(i64::try_from(max_hold.as_millis()).unwrap_or(i64::MAX));
        let row = lease::ActiveModel {
            name: Set(name.to_owned()),
            holder: Set(holder.to_owned()),
            token: Set(token.clone()),
            expires_at_ms: Set(expires),
        };
        let lease = Lease { name: name.to_owned(), token: token.clone(), holder: holder.to_owned() };
        match self.db.run(lease::Entity::insert(row).exec_without_returning(self.db.conn())).await {
            Ok(_) => return Ok(Some(lease)),
            Err(PortError::Duplicate(_)) => {}
            Err(err) => return Err(err),
        }
        let taken = self
            .db
            .run(
                lease::Entity::update_many()
                    .col_expr(lease::Column::Holder, Expr::value(holder))
                    .col_expr(lease::Column::Token, Expr::value(token.as_str()))
                    .col_expr(lease::Column::ExpiresAtMs, Expr::value(expires))
                    .filter(lease::Column::Name.eq(name))
                    .filter(lease::Column::ExpiresAtMs.lte(now))
                    .exec(self.db.conn()),
            )
            .await?;
        Ok((taken.rows_affected == 1).then_some(lease))
    }

    async fn release(&self, lease: &Lease) -> Result<bool, PortError> {
        let res = self
            .db
            .run(
                lease::Entity::delete_many()
                    .filter(lease::Column::Name.eq(lease.name.as_str()))
                    .filter(lease::Column::Token.eq(lease.token.as_str()))
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(res.rows_affected == 1)
    }
}

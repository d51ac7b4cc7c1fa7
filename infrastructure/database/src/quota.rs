//! [`DailyCallQuota`] in `api_call_quotas`: one row per (quota, day) whose count only grows
//! through a conditional increment, so the limit holds across processes and restarts.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    quota::{DailyCallQuota, QuotaTake},
};
use chrono::NaiveDate;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};

use crate::{db::Db, entity::api_call_quota};

/// Daily call counts.
#[derive(Clone, Debug)]
pub struct SqlCallQuota {
    db: Db,
}

impl SqlCallQuota {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    async fn count(&self, name: &str, day: &str) -> Result<Option<u32>, PortError> {
        let row = self
            .db
            .run(api_call_quota::Entity::find_by_id((name.to_owned(), day.to_owned())).one(self.db.conn()))
            .await?;
        Ok(row.map(|r| u32::try_from(r.calls).unwrap_or(0)))
    }
}

#[async_trait]
impl DailyCallQuota for SqlCallQuota {
    async fn try_take(&self, name: &str, day: NaiveDate, limit: u32) -> Result<QuotaTake, PortError> {
        let day = day.format("%Y-%m-%d").to_string();
        let cap = i32::try_from(limit).unwrap_or(i32::MAX);
        // The first call of a day inserts the row; two nodes doing so at once: one insert wins,
        // the other goes back to the conditional increment. A row that appeared between the
        // increment and the read (another caller's first call) is tried again, not taken for
        // an exhausted quota.
        for _ in 0..5 {
            let res = self
                .db
                .write(|| {
                    api_call_quota::Entity::update_many()
                        .col_expr(api_call_quota::Column::Calls, Expr::col(api_call_quota::Column::Calls).add(1))
                        .filter(api_call_quota::Column::Name.eq(name))
                        .filter(api_call_quota::Column::Day.eq(day.as_str()))
                        .filter(api_call_quota::Column::Calls.lt(cap))
                        .exec(self.db.conn())
                })
                .await?;
            if res.rows_affected == 1 {
                return Ok(QuotaTake::Granted { used: self.count(name, &day).await?.unwrap_or(1) });
            }
            match self.count(name, &day).await? {
                Some(used) if used >= limit => return Ok(QuotaTake::Exhausted { used }),
                Some(_) => continue,
                None => {}
            }
            if limit == 0 {
                return Ok(QuotaTake::Exhausted { used: 0 });
            }
            let row = api_call_quota::ActiveModel { name: Set(name.to_owned()), day: Set(day.clone()), calls: Set(1) };
            let insert = || api_call_quota::Entity::insert(row.clone()).exec_without_returning(self.db.conn());
            match self.db.write(insert).await {
                Ok(_) => return Ok(QuotaTake::Granted { used: 1 }),
                Err(PortError::Duplicate(_)) => {}
                Err(err) => return Err(err),
            }
        }
        Err(PortError::unavailable(crate::db::DEP, format!("the call quota {name} keeps changing")))
    }

    async fn used(&self, name: &str, day: NaiveDate) -> Result<u32, PortError> {
        Ok(self.count(name, &day.format("%Y-%m-%d").to_string()).await?.unwrap_or(0))
    }
}

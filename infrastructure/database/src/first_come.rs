//! [`FirstComeRepository`] over `coupon_events` and `user_coupons`: a claim is one transaction
//! of the conditional count (`issued < quantity`) and the user's copy (unique per user,
//! coupon and source `event:<id>`), so exactly `quantity` copies are ever committed, one per
//! user, whatever the gate in front of it let through.

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_coupon::{
    CouponSource,
    first_come::{FirstComeEvent, FirstComeRepository, StoredClaim},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    coupons,
    db::Db,
    entity::{coupon_event, user_coupon},
};

/// First-come coupon events.
#[derive(Clone, Debug)]
pub struct SqlFirstComeRepository {
    db: Db,
}

impl SqlFirstComeRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn to_event(row: coupon_event::Model) -> Result<FirstComeEvent, PortError> {
    let count =
        |n: i32| u32::try_from(n).map_err(|_| PortError::Corrupt(format!("coupon event {}: count {n}", row.id)));
    Ok(FirstComeEvent {
        id: row.id,
        coupon_id: row.coupon_id,
        quantity: count(row.quantity)?,
        issued: count(row.issued)?,
        opens_at: row.opens_at,
        closes_at: row.closes_at,
    })
}

#[async_trait]
impl FirstComeRepository for SqlFirstComeRepository {
    async fn create(
        &self,
        coupon_id: i64,
        quantity: u32,
        opens_at: DateTime<Utc>,
        closes_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        let row = coupon_event::ActiveModel {
            coupon_id: Set(coupon_id),
            quantity: Set(i32::try_from(quantity).unwrap_or(i32::MAX)),
            issued: Set(0),
            opens_at: Set(opens_at),
            closes_at: Set(closes_at),
            created_at: Set(at),
            ..Default::default()
        };
        Ok(self.db.write(|| coupon_event::Entity::insert(row.clone()).exec(self.db.conn())).await?.last_insert_id)
    }

    async fn find(&self, id: i64) -> Result<Option<FirstComeEvent>, PortError> {
        self.db.run(coupon_event::Entity::find_by_id(id).one(self.db.conn())).await?.map(to_event).transpose()
    }

    async fn claim(&self, event_id: i64, user_id: i64, at: DateTime<Utc>) -> Result<StoredClaim, PortError> {
        if self.claimed(event_id, user_id).await? {
            return Ok(StoredClaim::AlreadyClaimed);
        }
        let result = self
            .db
            .write(|| async {
                let txn = self.db.begin_write().await?;
                let counted = coupon_event::Entity::update_many()
                    .col_expr(coupon_event::Column::Issued, Expr::col(coupon_event::Column::Issued).add(1))
                    .filter(coupon_event::Column::Id.eq(event_id))
                    .filter(Expr::col(coupon_event::Column::Issued).lt(Expr::col(coupon_event::Column::Quantity)))
                    .exec(&txn)
                    .await?;
                if counted.rows_affected == 0 {
                    return Ok(StoredClaim::SoldOut);
                }
                let coupon_id: i64 = coupon_event::Entity::find_by_id(event_id)
                    .select_only()
                    .column(coupon_event::Column::CouponId)
                    .into_tuple()
                    .one(&txn)
                    .await?
                    .ok_or_else(|| sea_orm::DbErr::RecordNotFound(format!("coupon event {event_id}")))?;
                let copy = coupons::new_hold(user_id, coupon_id, &CouponSource::Event(event_id), at);
                let id = user_coupon::Entity::insert(copy).exec(&txn).await?.last_insert_id;
                txn.commit().await?;
                Ok(StoredClaim::Issued(id))
            })
            .await;
        match result {
            // A racing click of this user inserted first; this transaction (its count too)
            // rolled back.
            Err(PortError::Duplicate(_)) => Ok(StoredClaim::AlreadyClaimed),
            other => other,
        }
    }

    async fn claimed(&self, event_id: i64, user_id: i64) -> Result<bool, PortError> {
        let n = self
            .db
            .run(
                user_coupon::Entity::find()
                    .filter(user_coupon::Column::UserId.eq(user_id))
                    .filter(user_coupon::Column::Source.eq(CouponSource::Event(event_id).key()))
                    .count(self.db.conn()),
            )
            .await?;
        Ok(n > 0)
    }

    async fn claimants(&self, event_id: i64) -> Result<Vec<i64>, PortError> {
        self.db
            .run(
                user_coupon::Entity::find()
                    .select_only()
                    .column(user_coupon::Column::UserId)
                    .filter(user_coupon::Column::Source.eq(CouponSource::Event(event_id).key()))
                    .into_tuple()
                    .all(self.db.conn()),
            )
            .await
    }
}

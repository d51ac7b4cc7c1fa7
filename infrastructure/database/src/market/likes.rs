//! The product counters and the rows they count: `like_count` moves only here, by `± 1` in the
//! transaction that inserts or deletes the `product_likes` row (one per product and user by a
//! unique key), and `view_count` only by a view batch, applied once per batch id
//! (`product_view_batches`) in the transaction of its increments — so both stay exact under
//! any concurrency and any retry.

use cercat_common::PortError;
use cercat_market::ports::LikeChange;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, SqlErr,
    sea_query::{Expr, ExprTrait, Query},
};

use super::{SqlProductRepository, lock_product, stored};
use crate::entity::{product, product_like, product_view_batch};

fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Adds `delta` to the like counter of live product `id` (never below zero); the rows changed,
/// so `0` means there is no such product (or, for `-1`, nothing to take back).
async fn change_likes<C: ConnectionTrait>(conn: &C, id: i64, delta: i64) -> Result<u64, DbErr> {
    let mut update = product::Entity::update_many()
        .col_expr(product::Column::LikeCount, Expr::col(product::Column::LikeCount).add(delta))
        .filter(product::Column::Id.eq(id))
        .filter(product::Column::DeletedAt.is_null());
    if delta < 0 {
        update = update.filter(product::Column::LikeCount.gte(-delta));
    }
    Ok(update.exec(conn).await?.rows_affected)
}

/// Takes back every like of `user_id` (their account is being purged), each liked product's
/// counter dropping by one, in the purge's transaction.
pub(crate) async fn forget_liker<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<(), DbErr> {
    let liked = Query::select()
        .column(product_like::Column::ProductId)
        .from(product_like::Entity)
        .and_where(product_like::Column::UserId.eq(user_id))
        .to_owned();
    product::Entity::update_many()
        .col_expr(product::Column::LikeCount, Expr::col(product::Column::LikeCount).sub(1))
        .filter(product::Column::Id.in_subquery(liked))
        .filter(product::Column::LikeCount.gt(0))
        .exec(conn)
        .await?;
    product_like::Entity::delete_many().filter(product_like::Column::UserId.eq(user_id)).exec(conn).await?;
    Ok(())
}

impl SqlProductRepository {
    pub(super) async fn add_like(&self, id: i64, user_id: i64, at: DateTime<Utc>) -> Result<LikeChange, PortError> {
        let at = stored(at);
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                // The counter first: its row lock queues racing likes of one product (on InnoDB
                // an insert first would take the product's shared foreign-key lock, and two
                // such likers upgrading it deadlock).
                if change_likes(&txn, id, 1).await? == 0 {
                    return Ok(LikeChange::Missing);
                }
                let row = product_like::ActiveModel {
                    product_id: Set(id),
                    user_id: Set(user_id),
                    created_at: Set(at),
                    ..Default::default()
                };
                match product_like::Entity::insert(row).exec_without_returning(&txn).await {
                    Ok(_) => {}
                    // Already liked: dropping the transaction takes the `+ 1` back.
                    Err(err) if is_unique_violation(&err) => return Ok(LikeChange::Unchanged),
                    Err(err) => return Err(err),
                }
                txn.commit().await?;
                Ok(LikeChange::Changed)
            })
            .await
    }

    pub(super) async fn remove_like(&self, id: i64, user_id: i64) -> Result<LikeChange, PortError> {
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                lock_product(&txn, id).await?;
                let live = product::Entity::find_by_id(id)
                    .select_only()
                    .column(product::Column::Id)
                    .filter(product::Column::DeletedAt.is_null())
                    .into_tuple::<i64>()
                    .one(&txn)
                    .await?;
                if live.is_none() {
                    return Ok(LikeChange::Missing);
                }
                let gone = product_like::Entity::delete_many()
                    .filter(product_like::Column::ProductId.eq(id))
                    .filter(product_like::Column::UserId.eq(user_id))
                    .exec(&txn)
                    .await?
                    .rows_affected;
                if gone == 0 {
                    return Ok(LikeChange::Unchanged);
                }
                change_likes(&txn, id, -1).await?;
                txn.commit().await?;
                Ok(LikeChange::Changed)
            })
            .await
    }

    pub(super) async fn apply_views(
        &self,
        batch_id: &str,
        counts: &[(i64, u64)],
        at: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        let at = stored(at);
        // One product order for every batch, so two batches on InnoDB lock rows in one order.
        let mut counts: Vec<(i64, i64)> =
            counts.iter().filter(|(_, n)| *n > 0).map(|&(id, n)| (id, i64::try_from(n).unwrap_or(i64::MAX))).collect();
        counts.sort_unstable();
        let counts = &counts;
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                let mark = product_view_batch::ActiveModel { batch_id: Set(batch_id.to_owned()), applied_at: Set(at) };
                match product_view_batch::Entity::insert(mark).exec_without_returning(&txn).await {
                    Ok(_) => {}
                    // Applied before (a flush redone after a crash): nothing to add.
                    Err(err) if is_unique_violation(&err) => return Ok(false),
                    Err(err) => return Err(err),
                }
                for &(id, n) in counts {
                    product::Entity::update_many()
                        .col_expr(product::Column::ViewCount, Expr::col(product::Column::ViewCount).add(n))
                        .filter(product::Column::Id.eq(id))
                        .exec(&txn)
                        .await?;
                }
                txn.commit().await?;
                Ok(true)
            })
            .await
    }
}

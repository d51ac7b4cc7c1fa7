//! The market's adapters, one module per seam: [`products`] ([`SqlProductRepository`]: products
//! with their images and search tokens, edits and deletes conditional on ON_SALE), [`listing`]
//! (finding and keyset lists, with the keyword filter), [`likes`] (likes and view batches, the
//! only places the counters move), [`orders`] ([`SqlOrderLedger`]: every order transition one
//! conditional transaction with the product, the coupons, the history and the outbox) and
//! [`charges`] (captured charges and their refunds). The adapters store and fetch and answer
//! with facts; which transition happens when is the market service's decision.

mod charges;
mod likes;
mod listing;
mod order_rows;
mod orders;
mod products;

pub(crate) use likes::forget_liker;
pub use orders::SqlOrderLedger;
pub use products::SqlProductRepository;

use cercat_common::{PortError, paging::Keyset};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QuerySelect};

use crate::entity::product;

/// The stored status of a product anyone may order.
const ON_SALE: &str = "ON_SALE";

/// `at` as the database keeps it: microseconds, on every backend (SQLite would keep the
/// nanoseconds, MySQL not), so a keyset cursor made from a stored time finds that row again.
fn stored(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// Rows strictly after `after` in the newest-first order `(created_at DESC, id DESC)`:
/// `created_at < at OR (created_at = at AND id < id)`, written without row-value comparison
/// so every backend runs it (and uses the `(…, created_at, id)` indexes).
fn older_than<C: ColumnTrait>(created_at: C, id: C, after: Keyset) -> Condition {
    let at = stored(after.at);
    Condition::any().add(created_at.lt(at)).add(Condition::all().add(created_at.eq(at)).add(id.lt(after.id)))
}

/// A transaction's answer: the driver failed (`Err`, retried or mapped by [`crate::db::Db`]),
/// or the adapter answers — which may be a [`PortError`] of its own, such as a corrupt row; a
/// transaction answering one is dropped, so it rolls back.
type Answer<T> = Result<Result<T, PortError>, DbErr>;

fn corrupt(what: impl std::fmt::Display) -> PortError {
    PortError::Corrupt(format!("market row: {what}"))
}

fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// Takes product `id`'s row lock first, on MySQL/MariaDB (SQLite's `BEGIN IMMEDIATE` already
/// serializes writers): a conditional change that then matches nothing reads why under the
/// same lock, so the answer (gone, or its status) is what the change saw.
async fn lock_product<C: ConnectionTrait>(conn: &C, id: i64) -> Result<(), DbErr> {
    if conn.get_database_backend() == DatabaseBackend::MySql {
        product::Entity::find_by_id(id)
            .select_only()
            .column(product::Column::Id)
            .lock_exclusive()
            .into_tuple::<i64>()
            .one(conn)
            .await?;
    }
    Ok(())
}

//! [`RefreshTokenStore`] in the `refresh_tokens` table, for embedded mode: sessions survive an
//! api restart, and `cercat-admin` (another process over the same file) can end the api's
//! sessions. One row per token, current (`spent_into` null) or spent into its successor.
//! Expiry is judged by the wall clock, as the in-process and Redis stores do; the caller's
//! `now` only dates a spend and measures the grace window.

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_user::ports::{RefreshSession, RefreshTokenStore, Rotation};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, OnConflict},
};
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use crate::{db::Db, entity::refresh_token};

/// Expired rows are swept on the first token this store creates and every this many after.
const SWEEP_EVERY: u64 = 256;

/// Refresh tokens as rows; every write is one transaction decided by a conditional update.
#[derive(Clone, Debug)]
pub struct SqlRefreshStore {
    db: Db,
    creates: Arc<AtomicU64>,
}

impl SqlRefreshStore {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db, creates: Arc::new(AtomicU64::new(0)) }
    }

    /// Deletes tokens that have expired: they answer as unknown already, so this only keeps
    /// the table bounded by live sessions.
    async fn sweep(&self) -> Result<(), PortError> {
        let now = now_ms();
        self.db
            .write(|| {
                refresh_token::Entity::delete_many()
                    .filter(refresh_token::Column::ExpiresAtMs.lte(now))
                    .exec(self.db.conn())
            })
            .await
            .map(|_| ())
    }
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn expiry(now_ms: i64, ttl: Duration) -> i64 {
    now_ms.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX))
}

/// Whether `now` is less than `grace` after `spent_at` (a clock stepping back counts as inside).
fn within(spent_at: DateTime<Utc>, now: DateTime<Utc>, grace: Duration) -> bool {
    chrono::Duration::from_std(grace).is_ok_and(|g| now < spent_at + g)
}

fn time(ms: i64) -> Result<DateTime<Utc>, PortError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| PortError::Corrupt(format!("refresh token time {ms}")))
}

/// Stores `hash` as a current token of `session`; a row already under that hash is replaced,
/// as a map insert (or Redis `HSET`) would.
async fn put(
    conn: &impl ConnectionTrait,
    hash: &str,
    session: &RefreshSession,
    expires_at_ms: i64,
    now_ms: i64,
) -> Result<(), DbErr> {
    let row = refresh_token::ActiveModel {
        token_hash: Set(hash.to_owned()),
        user_id: Set(session.user_id),
        family: Set(session.family.clone()),
        expires_at_ms: Set(expires_at_ms),
        spent_into: Set(None),
        spent_at_ms: Set(None),
        created_at_ms: Set(now_ms),
    };
    let replace = OnConflict::column(refresh_token::Column::TokenHash)
        .update_columns([
            refresh_token::Column::UserId,
            refresh_token::Column::Family,
            refresh_token::Column::ExpiresAtMs,
            refresh_token::Column::SpentInto,
            refresh_token::Column::SpentAtMs,
            refresh_token::Column::CreatedAtMs,
        ])
        .to_owned();
    refresh_token::Entity::insert(row).on_conflict(replace).exec_without_returning(conn).await.map(|_| ())
}

async fn delete_family(conn: &impl ConnectionTrait, family: &str) -> Result<(), DbErr> {
    refresh_token::Entity::delete_many().filter(refresh_token::Column::Family.eq(family)).exec(conn).await.map(|_| ())
}

/// What one rotation transaction saw, before the times are checked.
enum Outcome {
    /// Spent now (the update took the row), into the new token.
    Spent(RefreshSession),
    /// Already spent into the same successor at this time (ms); nothing changed.
    Repeat(RefreshSession, i64),
    /// Spent before the grace window or into another successor; its family is gone.
    Reused(RefreshSession),
    /// Missing, expired or revoked.
    Unknown,
}

#[async_trait]
impl RefreshTokenStore for SqlRefreshStore {
    async fn create(&self, token_hash: &str, session: &RefreshSession, ttl: Duration) -> Result<(), PortError> {
        if self.creates.fetch_add(1, Ordering::Relaxed).is_multiple_of(SWEEP_EVERY) {
            self.sweep().await?;
        }
        let now = now_ms();
        self.db.write(|| put(self.db.conn(), token_hash, session, expiry(now, ttl), now)).await
    }

    async fn rotate(
        &self,
        old_hash: &str,
        new_hash: &str,
        ttl: Duration,
        at: DateTime<Utc>,
        grace: Duration,
    ) -> Result<Rotation, PortError> {
        let at_ms = at.timestamp_millis();
        let outcome = self
            .db
            .write(|| async move {
                let now = now_ms();
                let txn = self.db.begin_write().await?;
                // One statement decides who spends the token: of concurrent rotations exactly
                // one updates the row; the others wait for its commit and then see it spent.
                let spent = refresh_token::Entity::update_many()
                    .col_expr(refresh_token::Column::SpentInto, Expr::value(Some(new_hash)))
                    .col_expr(refresh_token::Column::SpentAtMs, Expr::value(Some(at_ms)))
                    .filter(refresh_token::Column::TokenHash.eq(old_hash))
                    .filter(refresh_token::Column::SpentInto.is_null())
                    .filter(refresh_token::Column::ExpiresAtMs.gt(now))
                    .exec(&txn)
                    .await?;
                let row = refresh_token::Entity::find_by_id(old_hash).lock_exclusive().one(&txn).await?;
                let outcome = match row.filter(|r| r.expires_at_ms > now) {
                    None => Outcome::Unknown,
                    Some(row) => {
                        let session = RefreshSession { user_id: row.user_id, family: row.family };
                        match (spent.rows_affected, row.spent_into.as_deref(), row.spent_at_ms) {
                            (1, _, _) => {
                                put(&txn, new_hash, &session, expiry(now, ttl), now).await?;
                                Outcome::Spent(session)
                            }
                            // Current, yet not taken by the update: it can only have been
                            // created meanwhile under this hash; nothing was spent.
                            (_, None, _) => Outcome::Unknown,
                            (_, Some(successor), Some(spent_at))
                                if successor == new_hash
                                    && DateTime::from_timestamp_millis(spent_at)
                                        .is_some_and(|t| within(t, at, grace)) =>
                            {
                                Outcome::Repeat(session, spent_at)
                            }
                            _ => {
                                delete_family(&txn, &session.family).await?;
                                Outcome::Reused(session)
                            }
                        }
                    }
                };
                txn.commit().await?;
                Ok(outcome)
            })
            .await?;
        Ok(match outcome {
            // The time as stored (milliseconds), so the first use and its repeats agree.
            Outcome::Spent(session) => Rotation::Rotated { session, at: time(at_ms)? },
            Outcome::Repeat(session, spent_at) => Rotation::Rotated { session, at: time(spent_at)? },
            Outcome::Reused(session) => Rotation::Reused(session),
            Outcome::Unknown => Rotation::Unknown,
        })
    }

    async fn revoke_family(&self, family: &str) -> Result<(), PortError> {
        self.db.write(|| delete_family(self.db.conn(), family)).await
    }

    async fn revoke_user(&self, user_id: i64, keep: Option<&str>) -> Result<Vec<String>, PortError> {
        self.db
            .write(|| async move {
                let now = now_ms();
                let txn = self.db.begin_write().await?;
                // Locked, so no rotation or sign-in of this user slips between the list and
                // the delete unreported.
                let mut live = refresh_token::Entity::find()
                    .select_only()
                    .column(refresh_token::Column::Family)
                    .filter(refresh_token::Column::UserId.eq(user_id))
                    .filter(refresh_token::Column::ExpiresAtMs.gt(now));
                if let Some(keep) = keep {
                    live = live.filter(refresh_token::Column::Family.ne(keep));
                }
                let live: Vec<String> = live
                    .distinct()
                    .order_by_asc(refresh_token::Column::Family)
                    .lock_exclusive()
                    .into_tuple()
                    .all(&txn)
                    .await?;
                let mut gone = refresh_token::Entity::delete_many().filter(refresh_token::Column::UserId.eq(user_id));
                if let Some(keep) = keep {
                    gone = gone.filter(refresh_token::Column::Family.ne(keep));
                }
                gone.exec(&txn).await?;
                txn.commit().await?;
                Ok(live)
            })
            .await
    }

    async fn live_families(&self, user_id: i64) -> Result<Vec<String>, PortError> {
        let families = refresh_token::Entity::find()
            .select_only()
            .column(refresh_token::Column::Family)
            .filter(refresh_token::Column::UserId.eq(user_id))
            .filter(refresh_token::Column::ExpiresAtMs.gt(now_ms()))
            .distinct()
            .order_by_asc(refresh_token::Column::Family)
            .into_tuple()
            .all(self.db.conn());
        self.db.run(families).await
    }
}

//! [`SessionRevocations`] in the `revoked_sessions` table: embedded mode's api and admin are
//! separate processes with separate in-memory caches, and both must refuse a token whose
//! session was ended in either. Rows lapse when the session's last access token has expired.

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_user::ports::SessionRevocations;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, sea_query::OnConflict};

use crate::{db::Db, entity::revoked_session};

/// Ended sessions as rows, keyed by session id.
#[derive(Clone, Debug)]
pub struct SqlSessionRevocations {
    db: Db,
}

impl SqlSessionRevocations {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl SessionRevocations for SqlSessionRevocations {
    async fn revoke(&self, sid: &str, until: DateTime<Utc>) -> Result<(), PortError> {
        let row =
            revoked_session::ActiveModel { sid: Set(sid.to_owned()), expires_at_ms: Set(until.timestamp_millis()) };
        let upsert = OnConflict::column(revoked_session::Column::Sid)
            .update_column(revoked_session::Column::ExpiresAtMs)
            .to_owned();
        self.db
            .run(revoked_session::Entity::insert(row).on_conflict(upsert).exec_without_returning(self.db.conn()))
            .await?;
        // Lapsed rows are dropped as new ones arrive, so the table holds ~15 minutes of logouts.
        let lapsed = revoked_session::Entity::delete_many()
            .filter(revoked_session::Column::ExpiresAtMs.lt(Utc::now().timestamp_millis()))
            .exec(self.db.conn());
        self.db.run(lapsed).await?;
        Ok(())
    }

    async fn is_revoked(&self, sid: &str, now: DateTime<Utc>) -> Result<bool, PortError> {
        let found = revoked_session::Entity::find()
            .select_only()
            .column(revoked_session::Column::Sid)
            .filter(revoked_session::Column::Sid.eq(sid))
            .filter(revoked_session::Column::ExpiresAtMs.gt(now.timestamp_millis()))
            .into_tuple::<String>()
            .one(self.db.conn());
        Ok(self.db.run(found).await?.is_some())
    }
}

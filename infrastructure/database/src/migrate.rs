//! Applying migrations when several programs may start at once on one database (the api and
//! `cercat-admin serve` on one fresh data folder, or two api instances with
//! `migrate_on_start`): each run holds a database-wide lock, so the second waits, then finds
//! nothing pending — instead of both creating the same tables and one failing.
//! - SQLite: the whole run is one `BEGIN IMMEDIATE` transaction (SQLite's write lock, taken
//!   before the pending list is read); SQLite's DDL is transactional, so each migration runs in
//!   a savepoint and a failed run leaves nothing half-applied.
//! - MySQL/MariaDB: `GET_LOCK('<database>.migrations')` on a connection held for the run
//!   (MySQL's DDL commits implicitly, so a transaction could not serialise it).

use std::time::{Duration, Instant};

use cercat_common::PortError;
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, TransactionTrait};

use crate::{
    Migrator, MigratorTrait,
    db::{DEP, Db, is_transient, map_err},
};

/// The longest a run may take, waiting for another one included.
const MIGRATION_BOUND: Duration = Duration::from_secs(300);
/// The MySQL lock's name: one per database on the server.
const LOCK_NAME: &str = "SELECT CONCAT(IFNULL(DATABASE(), ''), '.cercat_migrations')";

impl Db {
    /// Applies every pending migration under the migration lock (waiting for another
    /// program's run to end first), within 5 minutes.
    pub async fn migrate_up(&self) -> Result<(), PortError> {
        let bounded = tokio::time::timeout(MIGRATION_BOUND, async {
            match self.backend() {
                DatabaseBackend::Sqlite => self.migrate_sqlite().await,
                _ => self.migrate_mysql().await,
            }
        });
        bounded.await.map_err(|_| PortError::Timeout { dependency: DEP, after_ms: 300_000 })?
    }

    async fn migrate_sqlite(&self) -> Result<(), PortError> {
        let started = Instant::now();
        let txn = loop {
            // Another program holding the write lock past the busy timeout is not an error
            // here: its run may take a while; keep waiting within the bound.
            match self.begin_write().await.map_err(map_err) {
                Ok(txn) => break txn,
                Err(err) if is_transient(&err) && started.elapsed() < MIGRATION_BOUND => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => return Err(err),
            }
        };
        Migrator::up(&txn, None).await.map_err(map_err)?;
        txn.commit().await.map_err(map_err)
    }

    async fn migrate_mysql(&self) -> Result<(), PortError> {
        // A transaction object pins one pooled connection (the lock belongs to the session);
        // it writes nothing.
        let holder = self.conn().begin().await.map_err(map_err)?;
        let name = scalar_text(&holder, LOCK_NAME).await.map_err(map_err)?;
        let got = scalar_i64(&holder, &format!("SELECT GET_LOCK('{}', 300)", name.replace('\'', "''")))
            .await
            .map_err(map_err)?;
        if got != Some(1) {
            return Err(PortError::unavailable(DEP, format!("could not take the migration lock `{name}`")));
        }
        let result = Migrator::up(self.conn(), None).await.map_err(map_err);
        // Ending the session would release it too; the connection goes back to the pool, so
        // release it explicitly.
        let _ = scalar_i64(&holder, &format!("SELECT RELEASE_LOCK('{}')", name.replace('\'', "''"))).await;
        let _ = holder.rollback().await;
        result
    }
}

async fn scalar_text(conn: &impl ConnectionTrait, sql: &str) -> Result<String, DbErr> {
    let row = conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql.to_owned())).await?;
    Ok(row.map(|r| r.try_get_by_index::<String>(0)).transpose()?.unwrap_or_default())
}

async fn scalar_i64(conn: &impl ConnectionTrait, sql: &str) -> Result<Option<i64>, DbErr> {
    let row = conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql.to_owned())).await?;
    Ok(row.map(|r| r.try_get_by_index::<Option<i64>>(0)).transpose()?.flatten())
}

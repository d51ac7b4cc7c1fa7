//! The connection, its timeouts, and the translation of driver errors into [`PortError`].

use async_trait::async_trait;
use cercat_common::{PortError, health::HealthCheck, outbox::OutboxWake};
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    DbErr, IsolationLevel, SqlErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};
use std::{future::Future, path::Path, time::Duration};

/// How to connect.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// `mysql://…` or `sqlite://…?mode=rwc`.
    pub url: String,
    /// Pool size.
    pub max_connections: u32,
    /// Time to connect or to wait for a pooled connection.
    pub connect_timeout: Duration,
    /// Upper bound on one query or transaction.
    pub query_timeout: Duration,
}

/// A database handle: the pool plus the timeout every call runs under.
#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
    query_timeout: Duration,
    /// SQLite has one writer; queueing this process's write transactions here, in arrival
    /// order, avoids SQLite's busy handler, whose sleeps (up to 100 ms each) make the tail.
    writer: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
    /// Rung after every committed transaction that may have appended outbox events (see
    /// [`Db::write_with_events`]); this process's relay waits on it.
    outbox_wake: OutboxWake,
}

pub(crate) const DEP: &str = "database";

impl Db {
    /// Connects (creating the SQLite file and its directory if needed). SQLite runs in WAL
    /// mode with a busy timeout and foreign keys on, so a server and a batch process can
    /// share the file.
    pub async fn connect(options: &DbOptions) -> Result<Self, PortError> {
        if let Some(path) = sqlite_path(&options.url)
            && let Some(dir) = Path::new(&path).parent().filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| PortError::unavailable(DEP, format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut opts = ConnectOptions::new(options.url.clone());
        let busy = options.query_timeout;
        opts.max_connections(options.max_connections)
            .min_connections(1)
            .connect_timeout(options.connect_timeout)
            .acquire_timeout(options.connect_timeout)
            .idle_timeout(Duration::from_secs(300))
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(move |o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(busy)
                    .foreign_keys(true)
            });
        let conn = tokio::time::timeout(options.connect_timeout, Database::connect(opts))
            .await
            .map_err(|_| PortError::timeout(DEP, options.connect_timeout))?
            .map_err(map_err)?;
        let writer = (conn.get_database_backend() == DatabaseBackend::Sqlite)
            .then(|| std::sync::Arc::new(tokio::sync::Mutex::new(())));
        Ok(Self { conn, query_timeout: options.query_timeout, writer, outbox_wake: OutboxWake::new() })
    }

    /// The signal rung when this handle (or a clone) committed outbox events.
    pub fn outbox_wake(&self) -> OutboxWake {
        self.outbox_wake.clone()
    }

    /// The pool.
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// MySQL or SQLite.
    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    /// Runs `fut` (a query or a whole transaction) under the query timeout and translates
    /// its error. A transaction cut off by the timeout is dropped and so rolled back.
    pub async fn run<T>(&self, fut: impl Future<Output = Result<T, DbErr>>) -> Result<T, PortError> {
        tokio::time::timeout(self.query_timeout, fut)
            .await
            .map_err(|_| PortError::timeout(DEP, self.query_timeout))?
            .map_err(map_err)
    }

    /// Runs a write transaction built by `op`: like [`Db::run`], but on SQLite it first waits
    /// its turn behind this process's other writers (fairly, under the same timeout), and a
    /// transaction that lost to another (an InnoDB deadlock victim, a busy SQLite) is rebuilt
    /// and run again, a few times, with a short growing pause.
    pub async fn write<T, F, Fut>(&self, mut op: F) -> Result<T, PortError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, DbErr>>,
    {
        let mut tries: u64 = 0;
        loop {
            let result = match &self.writer {
                None => self.run(op()).await,
                Some(lock) => {
                    let _turn = tokio::time::timeout(self.query_timeout, lock.lock())
                        .await
                        .map_err(|_| PortError::timeout(DEP, self.query_timeout))?;
                    self.run(op()).await
                }
            };
            match result {
                Err(err) if is_transient(&err) && tries < 5 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(3 * tries * tries)).await;
                }
                other => return other,
            }
        }
    }

    /// [`Db::write`] for a transaction that may append outbox events: once it committed, the
    /// outbox signal rings, so this process's relay publishes them now rather than at its next
    /// poll. Ringing after the commit (not at the append) matters: a relay woken earlier would
    /// not yet see the rows and would go back to sleep.
    pub async fn write_with_events<T, F, Fut>(&self, op: F) -> Result<T, PortError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, DbErr>>,
    {
        let result = self.write(op).await;
        if result.is_ok() {
            self.outbox_wake.ring();
        }
        result
    }

    /// [`Db::run`] for a transaction (or statement) that may append outbox events; rings the
    /// outbox signal once it succeeded, like [`Db::write_with_events`].
    pub async fn run_with_events<T>(&self, fut: impl Future<Output = Result<T, DbErr>>) -> Result<T, PortError> {
        let result = self.run(fut).await;
        if result.is_ok() {
            self.outbox_wake.ring();
        }
        result
    }

    /// Begins a transaction that will write: on SQLite `BEGIN IMMEDIATE`, which takes the write
    /// lock up front (waiting under the busy timeout), so a transaction that reads before it
    /// writes cannot fail with `SQLITE_BUSY_SNAPSHOT` when another writer committed meanwhile.
    /// A plain `BEGIN` elsewhere.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        self.conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await
    }

    /// Begins a read-only transaction whose reads all see one snapshot: REPEATABLE READ on
    /// MySQL/MariaDB (InnoDB fixes the snapshot at the first read), and on SQLite a deferred
    /// transaction, whose first read pins the WAL snapshot until it ends.
    pub async fn begin_snapshot(&self) -> Result<DatabaseTransaction, DbErr> {
        match self.backend() {
            DatabaseBackend::MySql => {
                self.conn.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await
            }
            _ => self.conn.begin().await,
        }
    }

    /// Closes the pool.
    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}

#[async_trait]
impl HealthCheck for Db {
    fn name(&self) -> &'static str {
        DEP
    }

    async fn check(&self) -> Result<(), PortError> {
        self.run(self.conn.execute_unprepared("SELECT 1")).await.map(|_| ())
    }
}

fn sqlite_path(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite://")?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

/// Translates a driver error: unique violations become [`PortError::Duplicate`], foreign-key
/// refusals [`PortError::InUse`], everything
/// else [`PortError::Unavailable`] with the driver's text (logged, never sent to clients).
pub(crate) fn map_err(err: DbErr) -> PortError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(detail)) => return PortError::Duplicate(detail),
        Some(SqlErr::ForeignKeyConstraintViolation(detail)) => return PortError::InUse(detail),
        _ => {}
    }
    // SQLite reports an `ON DELETE RESTRICT` refusal as a trigger constraint (1811), which
    // sea-orm does not classify; its message is the same as for other foreign-key failures.
    let text = err.to_string();
    if text.contains("FOREIGN KEY constraint failed") {
        return PortError::InUse(text);
    }
    PortError::unavailable(DEP, err)
}

/// Whether `err` means the transaction lost a race for locks and may simply be run again.
pub(crate) fn is_transient(err: &PortError) -> bool {
    match err {
        PortError::Unavailable { detail, .. } => {
            detail.contains("database is locked")
                || detail.contains("(code: 5)")
                || detail.contains("(code: 517)")
                || detail.contains("Deadlock found")
                || detail.contains("Lock wait timeout")
        }
        _ => false,
    }
}

/// Whether `err` is worth retrying the whole transaction for: a unique-key race, SQLite's
/// "database is locked" when two writers met, or an InnoDB deadlock victim.
pub(crate) fn is_retryable(err: &PortError) -> bool {
    match err {
        PortError::Duplicate(_) => true,
        // Also an InnoDB deadlock victim (1213) or a lock wait that timed out (1205).
        other => is_transient(other),
    }
}

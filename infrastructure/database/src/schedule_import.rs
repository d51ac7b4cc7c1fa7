//! [`ScheduleImportStore`]: an import chunk — its schedule upserts with their outbox events,
//! its skips and the run's checkpoint — in one transaction, fenced by the run still being
//! RUNNING; and the Q-Net series certificates follow.

use async_trait::async_trait;
use cercat_certificate::{
    CertificateSummary, UpsertOutcome,
    ports::{ChunkCommit, ImportChunk, ScheduleImportStore, ScheduleWrite},
};
use cercat_common::{
    PortError,
    jobs::{Checkpoint, JobCounts, JobStatus},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};

use crate::{
    db::{Db, is_retryable},
    entity::{certificate, job_run, job_run_skip},
    job_runs::count,
    schedules::{upsert_in, upsert_qnet_in},
};

/// Import chunks and certificates' Q-Net series.
#[derive(Clone, Debug)]
pub struct SqlScheduleImportStore {
    db: Db,
}

impl SqlScheduleImportStore {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

/// Takes the run's row (a write lock on MySQL, so a node failing it as silent waits for this
/// chunk) if it is still RUNNING; `false` when it is not.
async fn fence(txn: &DatabaseTransaction, run_id: i64, at: DateTime<Utc>) -> Result<bool, DbErr> {
    let res = job_run::Entity::update_many()
        .col_expr(job_run::Column::HeartbeatAt, Expr::value(Some(at)))
        .filter(job_run::Column::Id.eq(run_id))
        .filter(job_run::Column::Status.eq(JobStatus::Running.as_str()))
        .exec(txn)
        .await?;
    Ok(res.rows_affected == 1)
}

async fn commit_in(txn: &DatabaseTransaction, chunk: &ImportChunk, at: DateTime<Utc>) -> Result<Checkpoint, DbErr> {
    let mut changed = 0;
    for (write, event) in &chunk.writes {
        let outcome = match write {
            ScheduleWrite::Full(draft) => upsert_in(txn, draft, event, at).await?,
            ScheduleWrite::Qnet(schedule) => upsert_qnet_in(txn, schedule, event, at).await?,
        };
        if outcome != UpsertOutcome::Unchanged {
            changed += 1;
        }
    }
    if !chunk.skips.is_empty() {
        let rows = chunk.skips.iter().map(|skip| job_run_skip::ActiveModel {
            run_id: Set(chunk.run_id),
            item_key: Set(skip.key.chars().take(200).collect()),
            reason: Set(skip.reason.chars().take(2000).collect()),
            at: Set(at),
            ..Default::default()
        });
        job_run_skip::Entity::insert_many(rows).exec_without_returning(txn).await?;
    }
    let counts = JobCounts { written: chunk.totals.written + changed, ..chunk.totals };
    let checkpoint = Checkpoint { position: chunk.position.clone(), counts };
    let json = serde_json::to_string(&checkpoint).map_err(|e| DbErr::Custom(format!("checkpoint: {e}")))?;
    job_run::Entity::update_many()
        .col_expr(job_run::Column::Checkpoint, Expr::value(Some(json)))
        .col_expr(job_run::Column::ReadCount, Expr::value(count(counts.read)))
        .col_expr(job_run::Column::WriteCount, Expr::value(count(counts.written)))
        .col_expr(job_run::Column::SkipCount, Expr::value(count(counts.skipped)))
        .filter(job_run::Column::Id.eq(chunk.run_id))
        .exec(txn)
        .await?;
    Ok(checkpoint)
}

#[async_trait]
impl ScheduleImportStore for SqlScheduleImportStore {
    async fn commit_chunk(&self, chunk: &ImportChunk, at: DateTime<Utc>) -> Result<ChunkCommit, PortError> {
        // Another importer inserting one of these keys at the same moment makes the insert a
        // duplicate; the retried transaction sees the row and updates it.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .db
                .write_with_events(|| async {
                    // Reads before it writes: take the write lock up front (see schedules.rs).
                    let txn = self.db.begin_write().await?;
                    if !fence(&txn, chunk.run_id, at).await? {
                        txn.rollback().await?;
                        return Ok(ChunkCommit::Fenced);
                    }
                    let checkpoint = commit_in(&txn, chunk, at).await?;
                    txn.commit().await?;
                    Ok(ChunkCommit::Committed(checkpoint))
                })
                .await;
            match result {
                Err(err) if attempt < 5 && is_retryable(&err) => {
                    tokio::time::sleep(std::time::Duration::from_millis(10 * attempt)).await;
                }
                other => return other,
            }
        }
    }

    async fn certificates_in_series(&self, series: &str) -> Result<Vec<i64>, PortError> {
        let rows = self
            .db
            .run(
                certificate::Entity::find()
                    .filter(certificate::Column::QnetSeries.eq(series))
                    .order_by_asc(certificate::Column::Id)
                    .all(self.db.conn()),
            )
            .await?;
        Ok(rows.into_iter().map(|c| c.id).collect())
    }

    async fn set_series(&self, id: i64, series: Option<&str>, at: DateTime<Utc>) -> Result<bool, PortError> {
        let conn = self.db.conn();
        let res = self
            .db
            .run(
                certificate::Entity::update_many()
                    .col_expr(certificate::Column::QnetSeries, Expr::value(series.map(str::to_owned)))
                    .col_expr(certificate::Column::UpdatedAt, Expr::value(at))
                    .filter(certificate::Column::Id.eq(id))
                    .exec(conn),
            )
            .await?;
        if res.rows_affected == 1 {
            return Ok(true);
        }
        // MySQL counts a row whose values did not change as unaffected.
        Ok(self.db.run(certificate::Entity::find_by_id(id).one(conn)).await?.is_some())
    }

    async fn series(&self) -> Result<Vec<(CertificateSummary, Option<String>)>, PortError> {
        let rows =
            self.db.run(certificate::Entity::find().order_by_asc(certificate::Column::Id).all(self.db.conn())).await?;
        Ok(rows
            .into_iter()
            .map(|c| (CertificateSummary { id: c.id, name: c.name, category: c.category }, c.qnet_series))
            .collect())
    }
}

//! [`JobRunRepository`] over `job_runs` and `job_run_skips`. An attempt at a restartable
//! instance holds the instance's `claim` (`job|instance`, unique) while RUNNING, so claiming is
//! one insert that the unique index lets exactly one node win; ending or failing the run sets
//! the claim back to NULL.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    jobs::{Checkpoint, JobCounts, JobRun, JobRunRepository, JobStatus, RecordedSkip, RunClaim, StaleRun},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};

use crate::{
    db::Db,
    entity::{job_run, job_run_skip},
};

/// Job runs.
#[derive(Clone, Debug)]
pub struct SqlJobRunRepository {
    db: Db,
}

impl SqlJobRunRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

pub(crate) fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The claim an attempt at `instance` of `job` holds while RUNNING.
fn claim_of(job: &str, instance: &str) -> String {
    format!("{job}|{instance}")
}

/// The largest summary stored (a `TEXT` column holds 64 KB on MySQL).
const MAX_SUMMARY_BYTES: usize = 60_000;

/// The longest chain of resumed attempts `skips` follows back.
const MAX_CHAIN: usize = 1000;

fn to_domain(r: job_run::Model) -> Result<JobRun, PortError> {
    let checkpoint = match r.checkpoint.as_deref() {
        None => None,
        Some(text) => Some(
            serde_json::from_str::<Checkpoint>(text)
                .map_err(|e| PortError::Corrupt(format!("job run {}: checkpoint {text}: {e}", r.id)))?,
        ),
    };
    Ok(JobRun {
        status: JobStatus::parse(&r.status)
            .ok_or_else(|| PortError::Corrupt(format!("job run {}: status {}", r.id, r.status)))?,
        params: serde_json::from_str(&r.params).unwrap_or(serde_json::Value::Null),
        id: r.id,
        job: r.job,
        node: r.node,
        started_at: r.started_at,
        ended_at: r.ended_at,
        counts: JobCounts {
            read: u64::try_from(r.read_count).unwrap_or(0),
            written: u64::try_from(r.write_count).unwrap_or(0),
            skipped: u64::try_from(r.skip_count).unwrap_or(0),
        },
        error: r.error,
        instance: r.instance_key,
        heartbeat_at: r.heartbeat_at,
        checkpoint,
        resumed_from: r.resumed_from,
        summary: r.summary.as_deref().and_then(|text| serde_json::from_str(text).ok()),
    })
}

fn new_run(job: &str, params: &serde_json::Value, node: &str, at: DateTime<Utc>) -> job_run::ActiveModel {
    job_run::ActiveModel {
        job: Set(job.to_owned()),
        params: Set(params.to_string()),
        node: Set(node.to_owned()),
        started_at: Set(at),
        ended_at: Set(None),
        status: Set(JobStatus::Running.as_str().to_owned()),
        read_count: Set(0),
        write_count: Set(0),
        skip_count: Set(0),
        error: Set(None),
        heartbeat_at: Set(Some(at)),
        ..Default::default()
    }
}

/// RUNNING and silent since before `cutoff`: no heartbeat since then (or none at all and
/// started before it).
fn silent_since(cutoff: DateTime<Utc>) -> Condition {
    Condition::all().add(job_run::Column::Status.eq(JobStatus::Running.as_str())).add(
        Condition::any().add(job_run::Column::HeartbeatAt.lt(cutoff)).add(
            Condition::all().add(job_run::Column::HeartbeatAt.is_null()).add(job_run::Column::StartedAt.lt(cutoff)),
        ),
    )
}

#[async_trait]
impl JobRunRepository for SqlJobRunRepository {
    async fn start(
        &self,
        job: &str,
        params: &serde_json::Value,
        node: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        let row = new_run(job, params, node, at);
        let res = self.db.run(job_run::Entity::insert(row).exec(self.db.conn())).await?;
        Ok(res.last_insert_id)
    }

    async fn claim(
        &self,
        job: &str,
        instance: &str,
        params: &serde_json::Value,
        node: &str,
        resumed_from: Option<i64>,
        checkpoint: Option<&Checkpoint>,
        at: DateTime<Utc>,
    ) -> Result<RunClaim, PortError> {
        let claim = claim_of(job, instance);
        let stored = checkpoint
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| PortError::Corrupt(format!("checkpoint: {e}")))?;
        let counts = checkpoint.map(|c| c.counts).unwrap_or_default();
        // The holder may end between our refused insert and our look at it: try again then.
        for _ in 0..3 {
            let mut row = new_run(job, params, node, at);
            row.instance_key = Set(Some(instance.to_owned()));
            row.claim = Set(Some(claim.clone()));
            row.resumed_from = Set(resumed_from);
            row.checkpoint = Set(stored.clone());
            row.read_count = Set(count(counts.read));
            row.write_count = Set(count(counts.written));
            row.skip_count = Set(count(counts.skipped));
            match self.db.run(job_run::Entity::insert(row).exec(self.db.conn())).await {
                Ok(res) => return Ok(RunClaim::Started(res.last_insert_id)),
                Err(PortError::Duplicate(_)) => {}
                Err(err) => return Err(err),
            }
            let holder = self
                .db
                .run(job_run::Entity::find().filter(job_run::Column::Claim.eq(claim.as_str())).one(self.db.conn()))
                .await?;
            if let Some(holder) = holder {
                return Ok(RunClaim::Busy { run_id: holder.id, node: holder.node });
            }
        }
        Err(PortError::unavailable(crate::db::DEP, format!("the claim {claim} keeps changing hands")))
    }

    async fn latest_of(&self, job: &str, instance: &str) -> Result<Option<JobRun>, PortError> {
        let row = self
            .db
            .run(
                job_run::Entity::find()
                    .filter(job_run::Column::Job.eq(job))
                    .filter(job_run::Column::InstanceKey.eq(instance))
                    .order_by_desc(job_run::Column::Id)
                    .one(self.db.conn()),
            )
            .await?;
        row.map(to_domain).transpose()
    }

    async fn find(&self, id: i64) -> Result<Option<JobRun>, PortError> {
        let row = self.db.run(job_run::Entity::find_by_id(id).one(self.db.conn())).await?;
        row.map(to_domain).transpose()
    }

    async fn heartbeat(&self, id: i64, at: DateTime<Utc>) -> Result<bool, PortError> {
        let res = self
            .db
            .run(
                job_run::Entity::update_many()
                    .col_expr(job_run::Column::HeartbeatAt, Expr::value(Some(at)))
                    .filter(job_run::Column::Id.eq(id))
                    .filter(job_run::Column::Status.eq(JobStatus::Running.as_str()))
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(res.rows_affected == 1)
    }

    async fn fail_stale(&self, cutoff: DateTime<Utc>, at: DateTime<Utc>) -> Result<Vec<StaleRun>, PortError> {
        let silent =
            self.db.run(job_run::Entity::find().filter(silent_since(cutoff)).limit(100).all(self.db.conn())).await?;
        let mut failed = Vec::new();
        for run in silent {
            let last = run.heartbeat_at.unwrap_or(run.started_at);
            let error = format!(
                "node {} stopped heartbeating (last heartbeat {}); marked FAILED by another node, so the next run resumes it",
                run.node,
                last.format("%Y-%m-%d %H:%M:%S UTC")
            );
            // The same condition again: a run that beat since we looked is left alone.
            let res = self
                .db
                .run(
                    job_run::Entity::update_many()
                        .col_expr(job_run::Column::Status, Expr::value(JobStatus::Failed.as_str()))
                        .col_expr(job_run::Column::EndedAt, Expr::value(Some(at)))
                        .col_expr(job_run::Column::Claim, Expr::value(Option::<String>::None))
                        .col_expr(job_run::Column::Error, Expr::value(Some(error)))
                        .filter(job_run::Column::Id.eq(run.id))
                        .filter(silent_since(cutoff))
                        .exec(self.db.conn()),
                )
                .await?;
            if res.rows_affected == 1 {
                failed.push(StaleRun { id: run.id, job: run.job, node: run.node });
            }
        }
        Ok(failed)
    }

    async fn finish(
        &self,
        id: i64,
        status: JobStatus,
        counts: Option<JobCounts>,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        let error: Option<String> = error.map(|e| e.chars().take(4000).collect());
        let mut update = job_run::Entity::update_many()
            .col_expr(job_run::Column::EndedAt, Expr::value(Some(at)))
            .col_expr(job_run::Column::Status, Expr::value(status.as_str()))
            .col_expr(job_run::Column::Error, Expr::value(error))
            .col_expr(job_run::Column::Claim, Expr::value(Option::<String>::None));
        if let Some(counts) = counts {
            update = update
                .col_expr(job_run::Column::ReadCount, Expr::value(count(counts.read)))
                .col_expr(job_run::Column::WriteCount, Expr::value(count(counts.written)))
                .col_expr(job_run::Column::SkipCount, Expr::value(count(counts.skipped)));
        }
        let res = self
            .db
            .run(
                update
                    .filter(job_run::Column::Id.eq(id))
                    .filter(job_run::Column::Status.eq(JobStatus::Running.as_str()))
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(res.rows_affected == 1)
    }

    async fn record_summary(&self, id: i64, summary: &serde_json::Value) -> Result<(), PortError> {
        let text = summary.to_string();
        if text.len() > MAX_SUMMARY_BYTES {
            return Err(PortError::Corrupt(format!("job run {id}: a summary of {} bytes is too large", text.len())));
        }
        self.db
            .run(
                job_run::Entity::update_many()
                    .col_expr(job_run::Column::Summary, Expr::value(Some(text)))
                    .filter(job_run::Column::Id.eq(id))
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(())
    }

    async fn recent(&self, job: Option<&str>, limit: u32) -> Result<Vec<JobRun>, PortError> {
        let mut query = job_run::Entity::find().order_by_desc(job_run::Column::Id).limit(u64::from(limit));
        if let Some(job) = job {
            query = query.filter(job_run::Column::Job.eq(job));
        }
        let rows = self.db.run(query.all(self.db.conn())).await?;
        rows.into_iter().map(to_domain).collect()
    }

    async fn skips(&self, id: i64, limit: u32) -> Result<Vec<RecordedSkip>, PortError> {
        let mut chain = vec![id];
        let mut next = self.find(id).await?.and_then(|r| r.resumed_from);
        while let Some(previous) = next {
            if chain.len() >= MAX_CHAIN || chain.contains(&previous) {
                break;
            }
            chain.push(previous);
            next = self.find(previous).await?.and_then(|r| r.resumed_from);
        }
        let rows = self
            .db
            .run(
                job_run_skip::Entity::find()
                    .filter(job_run_skip::Column::RunId.is_in(chain))
                    .order_by_asc(job_run_skip::Column::Id)
                    .limit(u64::from(limit))
                    .all(self.db.conn()),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|s| RecordedSkip { run_id: s.run_id, key: s.item_key, reason: s.reason, at: s.at })
            .collect())
    }
}

//! [`JobRunRepository`] over `job_runs`.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    jobs::{JobCounts, JobRun, JobRunRepository, JobStatus},
};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr};

use crate::{db::Db, entity::job_run};

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

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
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
        let row = job_run::ActiveModel {
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
            ..Default::default()
        };
        let res = self.db.run(job_run::Entity::insert(row).exec(self.db.conn())).await?;
        Ok(res.last_insert_id)
    }

    async fn finish(
        &self,
        id: i64,
        status: JobStatus,
        counts: JobCounts,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), PortError> {
        let error: Option<String> = error.map(|e| e.chars().take(4000).collect());
        self.db
            .run(
                job_run::Entity::update_many()
                    .col_expr(job_run::Column::EndedAt, Expr::value(Some(at)))
                    .col_expr(job_run::Column::Status, Expr::value(status.as_str()))
                    .col_expr(job_run::Column::ReadCount, Expr::value(count(counts.read)))
                    .col_expr(job_run::Column::WriteCount, Expr::value(count(counts.written)))
                    .col_expr(job_run::Column::SkipCount, Expr::value(count(counts.skipped)))
                    .col_expr(job_run::Column::Error, Expr::value(error))
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
        rows.into_iter()
            .map(|r| {
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
                })
            })
            .collect()
    }
}

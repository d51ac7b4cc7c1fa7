//! Batch job runs, recorded like Spring Batch's job repository.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::PortError;

/// How a run ended (or that it is still going).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    /// Started, not finished (or its process died).
    Running,
    /// Finished; every item was handled.
    Succeeded,
    /// Finished; some items were skipped (see the error summary).
    CompletedWithSkips,
    /// Stopped by an error.
    Failed,
}

impl JobStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Succeeded => "SUCCEEDED",
            Self::CompletedWithSkips => "COMPLETED_WITH_SKIPS",
            Self::Failed => "FAILED",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "RUNNING" => Self::Running,
            "SUCCEEDED" => Self::Succeeded,
            "COMPLETED_WITH_SKIPS" => Self::CompletedWithSkips,
            "FAILED" => Self::Failed,
            _ => return None,
        })
    }
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    /// Items read.
    pub read: u64,
    /// Items written (inserted or changed).
    pub written: u64,
    /// Items skipped (bad or unchanged).
    pub skipped: u64,
}

/// A recorded run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobRun {
    /// Run id.
    pub id: i64,
    /// Job name.
    pub job: String,
    /// Parameters as `k=v` pairs (JSON object).
    pub params: serde_json::Value,
    /// Which node ran it.
    pub node: String,
    /// Start time.
    pub started_at: DateTime<Utc>,
    /// End time, if finished.
    pub ended_at: Option<DateTime<Utc>>,
    /// Where the run stands: RUNNING until it is finished (or forever, if its process died).
    pub status: JobStatus,
    /// Items read, written and skipped.
    pub counts: JobCounts,
    /// Error or skip summary.
    pub error: Option<String>,
}

/// Stores job runs.
#[async_trait]
pub trait JobRunRepository: Send + Sync {
    /// Records a run as RUNNING and returns its id.
    async fn start(
        &self,
        job: &str,
        params: &serde_json::Value,
        node: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, PortError>;
    /// Records the end of run `id`. `error` is truncated to a few KB.
    async fn finish(
        &self,
        id: i64,
        status: JobStatus,
        counts: JobCounts,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), PortError>;
    /// The latest `limit` runs, newest first, optionally of one job.
    async fn recent(&self, job: Option<&str>, limit: u32) -> Result<Vec<JobRun>, PortError>;
}

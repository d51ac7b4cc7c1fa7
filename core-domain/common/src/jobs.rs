//! Batch job runs, recorded like Spring Batch's job repository: each run is one attempt at a
//! job instance (the job and its identifying parameters); a restartable instance keeps its
//! checkpoint (position and running totals) with every committed chunk, so a FAILED attempt is
//! resumed where it stopped. A RUNNING run proves it is alive with heartbeats; one whose
//! heartbeats stopped (its process died) is marked FAILED by the next node that looks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::PortError;

mod skips;
pub use skips::{ItemSkip, RecordedSkip, SkipBudget, SkipLimitExceeded};

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

    /// Whether the run finished its work (with or without skips): its instance is done.
    pub fn is_completed(self) -> bool {
        matches!(self, Self::Succeeded | Self::CompletedWithSkips)
    }
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The instance it is an attempt at (`source=qnet,year=2026`), for restartable jobs.
    pub instance: Option<String>,
    /// Its last sign of life (RUNNING runs beat every few seconds).
    pub heartbeat_at: Option<DateTime<Utc>>,
    /// Where its last committed chunk left the instance.
    pub checkpoint: Option<Checkpoint>,
    /// The FAILED run of the same instance this one resumed.
    pub resumed_from: Option<i64>,
    /// What the run found, when its job reports more than counts (an evaluation's figures).
    pub summary: Option<serde_json::Value>,
}

/// Where a restartable run stands after a committed chunk: an opaque position the job reads
/// back (a page number, a row count) and the instance's totals so far, so the attempt that
/// finishes reports what the whole instance did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The job's position, e.g. `3` (pages 1–3 are committed).
    pub position: String,
    /// Items read, written and skipped by the instance up to `position`.
    pub counts: JobCounts,
}

/// What asking to start an attempt at an instance came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunClaim {
    /// The attempt is recorded as RUNNING under this id; no other attempt of the instance runs.
    Started(i64),
    /// Another attempt of the instance is RUNNING (and still heartbeating, as far as we know).
    Busy {
        /// That run.
        run_id: i64,
        /// The node running it.
        node: String,
    },
}

/// A RUNNING run found silent and marked FAILED.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleRun {
    /// The run.
    pub id: i64,
    /// Its job.
    pub job: String,
    /// The node that stopped heartbeating.
    pub node: String,
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
    /// Records an attempt at the instance `instance` of `job` as RUNNING (heartbeat = `at`),
    /// resuming run `resumed_from` if given and starting at `checkpoint` (stored as its own
    /// until its first chunk, so an attempt killed before committing anything passes it on),
    /// unless another attempt of that instance is RUNNING: then [`RunClaim::Busy`]. Atomic: of
    /// two nodes claiming one instance at once, one wins.
    #[allow(clippy::too_many_arguments)]
    async fn claim(
        &self,
        job: &str,
        instance: &str,
        params: &serde_json::Value,
        node: &str,
        resumed_from: Option<i64>,
        checkpoint: Option<&Checkpoint>,
        at: DateTime<Utc>,
    ) -> Result<RunClaim, PortError>;
    /// The latest attempt at the instance, if any.
    async fn latest_of(&self, job: &str, instance: &str) -> Result<Option<JobRun>, PortError>;
    /// One run.
    async fn find(&self, id: i64) -> Result<Option<JobRun>, PortError>;
    /// Records that RUNNING run `id` is alive at `at`. `false` when it is no longer RUNNING
    /// (another node marked it FAILED): the run must stop, its chunks would be refused.
    async fn heartbeat(&self, id: i64, at: DateTime<Utc>) -> Result<bool, PortError>;
    /// Marks FAILED, ending at `at`, every RUNNING run whose last heartbeat (or start, if it
    /// never beat) is before `silent_since`, with the error "node X stopped heartbeating";
    /// returns them. A run that beats meanwhile is left alone.
    async fn fail_stale(&self, silent_since: DateTime<Utc>, at: DateTime<Utc>) -> Result<Vec<StaleRun>, PortError>;
    /// Records the end of RUNNING run `id` (releasing its instance), with its counts (`None`:
    /// keep those its last committed chunk stored). `error` is truncated to a few KB. `false`
    /// when it was no longer RUNNING (marked FAILED as silent meanwhile): the record is left as
    /// it was.
    async fn finish(
        &self,
        id: i64,
        status: JobStatus,
        counts: Option<JobCounts>,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool, PortError>;
    /// Stores what run `id` found (JSON, at most a few hundred KB), replacing any earlier summary.
    async fn record_summary(&self, id: i64, summary: &serde_json::Value) -> Result<(), PortError>;
    /// The latest `limit` runs, newest first, optionally of one job.
    async fn recent(&self, job: Option<&str>, limit: u32) -> Result<Vec<JobRun>, PortError>;
    /// The items skipped by run `id` and by the attempts it resumed (its chain back to the
    /// instance's first attempt), oldest first, at most `limit`.
    async fn skips(&self, id: i64, limit: u32) -> Result<Vec<RecordedSkip>, PortError>;
}

//! What a job is: a name, a schedule, a lease bound, the parameters that identify an instance
//! (restartable jobs) and the work, over a [`JobContext`] and the [`RunScope`] of one run.

use async_trait::async_trait;
use cercat_bootstrap::Services;
use cercat_common::jobs::{Checkpoint, JobCounts};
use cercat_config::Settings;
use std::{collections::BTreeMap, time::Duration};

/// Job parameters (`--param key=value`).
pub type Params = BTreeMap<String, String>;

/// Everything a job may use.
#[derive(Clone, Debug)]
pub struct JobContext {
    /// The services (jobs reach no adapter: each runs one or two domain services).
    pub services: Services,
}

/// How a job failed as a whole (item-level problems are skips, not failures).
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// A parameter is missing or malformed.
    #[error("invalid parameter `{name}`: {reason}")]
    Param {
        /// The parameter.
        name: String,
        /// What is accepted.
        reason: String,
    },
    /// Anything else that stopped the run (source unreadable, database down…).
    #[error("{0}")]
    Failed(String),
}

/// The run a job's work belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunScope {
    /// The run's id in `job_runs` (chunks are committed against it).
    pub run_id: i64,
    /// For a restartable job resuming a FAILED attempt: where that attempt's last committed
    /// chunk left the instance. `None`: start from the beginning.
    pub resume: Option<Checkpoint>,
}

/// What a finished run reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobReport {
    /// Items read, written and skipped; recorded with the run.
    pub counts: JobCounts,
    /// Item-level problems (bad rows…), already formatted for people.
    pub skips: Vec<String>,
    /// What the run found beyond its counts (an evaluation's figures), stored with the run.
    pub summary: Option<serde_json::Value>,
}

/// The instance `params` name for a job identified by `names`: `name=value` of each one given,
/// in `names`' order, joined by `,` (e.g. `source=qnet,year=2026`); `None` for a job whose
/// every run is new (no identifying parameters).
pub fn instance_key(names: &[&str], params: &Params) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    let parts: Vec<String> =
        names.iter().filter_map(|name| params.get(*name).map(|value| format!("{name}={}", value.trim()))).collect();
    Some(parts.join(","))
}

/// A batch job.
#[async_trait]
pub trait Job: Send + Sync {
    /// Its name on the command line, e.g. `exam-schedule-import`.
    fn name(&self) -> &'static str;
    /// One line for `cercat-batch list`.
    fn description(&self) -> &'static str;
    /// Its cron schedule (seconds field first, Asia/Seoul), if `serve` should run it.
    fn schedule(&self, settings: &Settings) -> Option<&'static str>;
    /// The longest a run may hold its lease; a crashed run's lease expires after this.
    fn max_hold(&self) -> Duration;
    /// Parameters for a scheduled run.
    fn scheduled_params(&self, _settings: &Settings) -> Params {
        Params::new()
    }
    /// The parameters that identify an instance (`source`, `year`…). A job that names some is
    /// restartable: a COMPLETED instance is not run again unless asked (`--rerun`), a FAILED
    /// one resumes from its checkpoint, and one attempt per instance runs at a time (instead
    /// of the job's lease). Empty (the default): every run is new.
    fn identifying_params(&self) -> &'static [&'static str] {
        &[]
    }
    /// Checks the parameters before anything is recorded (a malformed run never claims its
    /// instance).
    fn check_params(&self, _params: &Params, _settings: &Settings) -> Result<(), JobError> {
        Ok(())
    }
    /// Does the work of run `run` (resuming after `run.resume` when given).
    async fn run(&self, ctx: &JobContext, params: &Params, run: &RunScope) -> Result<JobReport, JobError>;
}

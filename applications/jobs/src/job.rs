//! What a job is: a name, a schedule, a lease bound and the work, over a [`JobContext`].

use async_trait::async_trait;
use cercat_bootstrap::Services;
use cercat_common::jobs::JobCounts;
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

/// What a finished run reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobReport {
    /// Items read, written and skipped; recorded with the run.
    pub counts: JobCounts,
    /// Item-level problems (bad rows…), already formatted for people.
    pub skips: Vec<String>,
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
    /// Does the work.
    async fn run(&self, ctx: &JobContext, params: &Params) -> Result<JobReport, JobError>;
}

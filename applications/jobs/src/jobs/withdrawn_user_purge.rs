//! `withdrawn-user-purge`: hard-deletes accounts withdrawn more than a year ago, and forgets
//! sign-in history past its 90 days (daily).

use async_trait::async_trait;
use cercat_common::jobs::JobCounts;
use cercat_config::Settings;
use std::time::Duration;

use crate::{Job, JobContext, JobError, Params, RunScope, job::JobReport};

/// The purge.
#[derive(Debug)]
pub struct WithdrawnUserPurge;

#[async_trait]
impl Job for WithdrawnUserPurge {
    fn name(&self) -> &'static str {
        "withdrawn-user-purge"
    }

    fn description(&self) -> &'static str {
        "hard-delete accounts withdrawn more than a year ago, with their personal data; forget sign-ins older than 90 days"
    }

    fn schedule(&self, _settings: &Settings) -> Option<&'static str> {
        // Daily at 04:00 KST.
        Some("0 0 4 * * *")
    }

    fn max_hold(&self) -> Duration {
        Duration::from_secs(1800)
    }

    async fn run(&self, ctx: &JobContext, _params: &Params, _run: &RunScope) -> Result<JobReport, JobError> {
        let purged = ctx.services.accounts.purge_withdrawn().await.map_err(|e| JobError::Failed(e.to_string()))?;
        let forgotten = ctx.services.accounts.prune_sign_ins().await.map_err(|e| JobError::Failed(e.to_string()))?;
        tracing::info!(purged, forgotten, "purged withdrawn accounts and old sign-in history");
        Ok(JobReport {
            counts: JobCounts { read: purged, written: purged, skipped: 0 },
            skips: Vec::new(),
            summary: None,
        })
    }
}

//! Running a job once: take the job's lease (skip if held), record the run, run, record the end.

use cercat_common::jobs::JobStatus;
use std::time::Duration;

use crate::{Job, JobContext, Params, job::JobReport};

/// How `run_job` ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// Another node holds the job's lease; nothing ran.
    Skipped {
        /// The lease name.
        lease: String,
    },
    /// The run finished and was recorded as `run_id`.
    Finished {
        /// Run id in `job_runs`.
        run_id: i64,
        /// Final status.
        status: JobStatus,
        /// What it did.
        report: JobReport,
    },
    /// The run failed and was recorded as `run_id` (or could not be recorded).
    Failed {
        /// Run id, if the start could be recorded.
        run_id: Option<i64>,
        /// What stopped the run, for people (the lease, the run record or the job itself).
        error: String,
    },
}

const MAX_LISTED_SKIPS: usize = 20;

/// The skip summary stored with a run: the first skips, then how many more.
pub fn skip_summary(skips: &[String]) -> Option<String> {
    if skips.is_empty() {
        return None;
    }
    let mut summary = skips.iter().take(MAX_LISTED_SKIPS).cloned().collect::<Vec<_>>().join("\n");
    if skips.len() > MAX_LISTED_SKIPS {
        summary.push_str(&format!("\n… and {} more", skips.len() - MAX_LISTED_SKIPS));
    }
    Some(summary)
}

/// Runs `job` once under the lease `job:<name>` and records it.
pub async fn run_job(job: &dyn Job, ctx: &JobContext, params: &Params) -> RunOutcome {
    let services = &ctx.services;
    let lease_name = format!("job:{}", job.name());
    let lease = match services.lease.try_acquire(&lease_name, &services.node, job.max_hold()).await {
        Ok(Some(lease)) => lease,
        Ok(None) => return RunOutcome::Skipped { lease: lease_name },
        Err(err) => return RunOutcome::Failed { run_id: None, error: format!("cannot take the job lease: {err}") },
    };
    let params_json = serde_json::to_value(params).unwrap_or_default();
    let run_id = match services.job_runs.start(job.name(), &params_json, &services.node, services.clock.now()).await {
        Ok(id) => id,
        Err(err) => {
            let _ = services.lease.release(&lease).await;
            return RunOutcome::Failed { run_id: None, error: format!("cannot record the run: {err}") };
        }
    };
    tracing::info!(job = job.name(), run_id, ?params, "job started");
    // The run must end before its lease expires, or another node could start a second copy.
    let bounded =
        tokio::time::timeout(job.max_hold().saturating_sub(Duration::from_secs(1)), job.run(ctx, params)).await;
    let result =
        bounded.unwrap_or_else(|_| Err(crate::JobError::Failed(format!("timed out after {:?}", job.max_hold()))));
    let now = services.clock.now();
    let outcome = match result {
        Ok(report) => {
            let status = if report.skips.is_empty() { JobStatus::Succeeded } else { JobStatus::CompletedWithSkips };
            let summary = skip_summary(&report.skips);
            if let Err(err) = services.job_runs.finish(run_id, status, report.counts, summary.as_deref(), now).await {
                tracing::error!(%err, run_id, "could not record the end of a run");
            }
            tracing::info!(
                job = job.name(),
                run_id,
                status = status.as_str(),
                read = report.counts.read,
                written = report.counts.written,
                skipped = report.counts.skipped,
                "job finished"
            );
            RunOutcome::Finished { run_id, status, report }
        }
        Err(err) => {
            let error = err.to_string();
            let counts = Default::default();
            if let Err(e) = services.job_runs.finish(run_id, JobStatus::Failed, counts, Some(&error), now).await {
                tracing::error!(err = %e, run_id, "could not record the failure of a run");
            }
            tracing::error!(job = job.name(), run_id, %error, "job failed");
            RunOutcome::Failed { run_id: Some(run_id), error }
        }
    };
    if let Err(err) = services.lease.release(&lease).await {
        tracing::warn!(%err, "could not release the job lease; it expires on its own");
    }
    outcome
}

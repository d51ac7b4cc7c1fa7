//! Running a job once. A job whose every run is new takes the job's lease (skip if held); a
//! restartable job (one with identifying parameters) instead claims its instance: a COMPLETED
//! instance is not run again unless asked, a FAILED one resumes from its checkpoint, and a
//! RUNNING one elsewhere makes this a no-op. Either way the run is recorded, beats while it
//! works (and stops if another node marked it FAILED meanwhile), and its end is recorded with
//! the `cercat_batch_*` metrics. Before any of that, runs whose nodes stopped heartbeating are
//! marked FAILED ([`fail_silent_runs`]), so their instances can resume.

use cercat_common::jobs::{JobStatus, RunClaim};
use std::time::{Duration, Instant};

use crate::{Job, JobContext, Params, RunScope, instance_key, job::JobReport};

mod heartbeat;
mod metrics;

pub use heartbeat::fail_silent_runs;

/// How to run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Run a restartable job's instance again from the start even if it COMPLETED.
    pub rerun: bool,
}

/// How `run_job` ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// Another node holds the job's lease; nothing ran.
    Skipped {
        /// The lease name.
        lease: String,
    },
    /// Another attempt at this instance of a restartable job is RUNNING; nothing ran.
    Busy {
        /// That run.
        run_id: i64,
        /// Its node.
        node: String,
    },
    /// The instance COMPLETED before (as `run_id`); nothing ran (see [`RunOptions::rerun`]).
    AlreadyCompleted {
        /// The run that completed it.
        run_id: i64,
        /// How it completed.
        status: JobStatus,
    },
    /// The run finished and was recorded as `run_id`.
    Finished {
        /// Run id in `job_runs`.
        run_id: i64,
        /// Final status.
        status: JobStatus,
        /// What it did (a resumed run: what the whole instance did).
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

/// Runs `job` once (see the module docs) with the default options.
pub async fn run_job(job: &dyn Job, ctx: &JobContext, params: &Params) -> RunOutcome {
    run_job_with(job, ctx, params, RunOptions::default()).await
}

/// Runs `job` once (see the module docs).
pub async fn run_job_with(job: &dyn Job, ctx: &JobContext, params: &Params, options: RunOptions) -> RunOutcome {
    if let Err(err) = job.check_params(params, &ctx.services.settings) {
        return RunOutcome::Failed { run_id: None, error: err.to_string() };
    }
    fail_silent_runs(&ctx.services).await;
    match instance_key(job.identifying_params(), params) {
        Some(instance) => run_instance(job, ctx, params, &instance, options).await,
        None => run_leased(job, ctx, params).await,
    }
}

async fn run_leased(job: &dyn Job, ctx: &JobContext, params: &Params) -> RunOutcome {
    let services = &ctx.services;
    let lease_name = format!("job:{}", job.name());
    let lease = match services.lease.try_acquire(&lease_name, &services.node, job.max_hold()).await {
        Ok(Some(lease)) => lease,
        Ok(None) => return RunOutcome::Skipped { lease: lease_name },
        Err(err) => return RunOutcome::Failed { run_id: None, error: format!("cannot take the job lease: {err}") },
    };
    let params_json = serde_json::to_value(params).unwrap_or_default();
    let outcome = match services.job_runs.start(job.name(), &params_json, &services.node, services.clock.now()).await {
        Ok(run_id) => execute(job, ctx, params, RunScope { run_id, resume: None }).await,
        Err(err) => RunOutcome::Failed { run_id: None, error: format!("cannot record the run: {err}") },
    };
    if let Err(err) = services.lease.release(&lease).await {
        tracing::warn!(%err, "could not release the job lease; it expires on its own");
    }
    outcome
}

async fn run_instance(
    job: &dyn Job,
    ctx: &JobContext,
    params: &Params,
    instance: &str,
    options: RunOptions,
) -> RunOutcome {
    let services = &ctx.services;
    let latest = match services.job_runs.latest_of(job.name(), instance).await {
        Ok(latest) => latest,
        Err(err) => return RunOutcome::Failed { run_id: None, error: format!("cannot read the run history: {err}") },
    };
    let (resume, resumed_from) = match latest {
        Some(run) if run.status.is_completed() && !options.rerun => {
            return RunOutcome::AlreadyCompleted { run_id: run.id, status: run.status };
        }
        Some(run) if run.status == JobStatus::Failed && !options.rerun => (run.checkpoint, Some(run.id)),
        _ => (None, None),
    };
    let params_json = serde_json::to_value(params).unwrap_or_default();
    let now = services.clock.now();
    let claim =
        services.job_runs.claim(job.name(), instance, &params_json, &services.node, resumed_from, resume.as_ref(), now);
    match claim.await {
        Ok(RunClaim::Started(run_id)) => {
            if let Some(previous) = resumed_from {
                let at = resume.as_ref().map(|c| c.position.as_str()).unwrap_or("the start");
                tracing::info!(job = job.name(), run_id, previous, at, "resuming a FAILED run");
            }
            execute(job, ctx, params, RunScope { run_id, resume }).await
        }
        Ok(RunClaim::Busy { run_id, node }) => RunOutcome::Busy { run_id, node },
        Err(err) => RunOutcome::Failed { run_id: None, error: format!("cannot record the run: {err}") },
    }
}

/// Runs the job's work for the recorded run `scope.run_id`, beating, and records its end.
async fn execute(job: &dyn Job, ctx: &JobContext, params: &Params, scope: RunScope) -> RunOutcome {
    let services = &ctx.services;
    let run_id = scope.run_id;
    let started = Instant::now();
    tracing::info!(job = job.name(), run_id, ?params, "job started");
    let mut beat = heartbeat::Heartbeat::spawn(services, run_id);
    // The run must end before its lease expires, or another node could start a second copy.
    let limit = job.max_hold().saturating_sub(Duration::from_secs(1));
    let result = tokio::select! {
        bounded = tokio::time::timeout(limit, job.run(ctx, params, &scope)) => bounded
            .unwrap_or_else(|_| Err(crate::JobError::Failed(format!("timed out after {:?}", job.max_hold())))),
        () = beat.lost() => Err(crate::JobError::Failed(
            "another node marked this run FAILED (it missed its heartbeats); stopped".into(),
        )),
    };
    beat.stop();
    let now = services.clock.now();
    let elapsed = started.elapsed();
    match result {
        Ok(report) => {
            let clean = report.counts.skipped == 0 && report.skips.is_empty();
            let status = if clean { JobStatus::Succeeded } else { JobStatus::CompletedWithSkips };
            let summary = skip_summary(&report.skips);
            if let Some(found) = &report.summary
                && let Err(err) = services.job_runs.record_summary(run_id, found).await
            {
                tracing::error!(%err, run_id, "could not record what the run found");
            }
            match services.job_runs.finish(run_id, status, Some(report.counts), summary.as_deref(), now).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(run_id, "the run was marked FAILED by another node before it ended"),
                Err(err) => tracing::error!(%err, run_id, "could not record the end of a run"),
            }
            let done = metrics::this_attempt(report.counts, scope.resume.as_ref());
            metrics::record(job.name(), status, elapsed, done);
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
            // The counts stay those of the last committed chunk.
            match services.job_runs.finish(run_id, JobStatus::Failed, None, Some(&error), now).await {
                Ok(_) => {}
                Err(e) => tracing::error!(err = %e, run_id, "could not record the failure of a run"),
            }
            metrics::record(job.name(), JobStatus::Failed, elapsed, Default::default());
            tracing::error!(job = job.name(), run_id, %error, "job failed");
            RunOutcome::Failed { run_id: Some(run_id), error }
        }
    }
}

//! `course-holds-sweep`: gives back the seats of holds whose payment deadline passed (each
//! exactly once, whoever else sweeps), retries due refunds of extra charges, and purges
//! idempotency keys past their retention. Every minute.

use async_trait::async_trait;
use cercat_common::jobs::JobCounts;
use cercat_config::Settings;
use std::time::Duration;

use crate::{Job, JobContext, JobError, Params, RunScope, job::JobReport};

/// Holds released (and refunds retried) per pass, at most.
const BATCH: u32 = 1000;

/// The sweep.
#[derive(Debug)]
pub struct CourseHoldsSweep;

#[async_trait]
impl Job for CourseHoldsSweep {
    fn name(&self) -> &'static str {
        "course-holds-sweep"
    }

    fn description(&self) -> &'static str {
        "release unpaid course seat holds past their deadline, retry due refunds, purge old idempotency keys"
    }

    fn schedule(&self, _settings: &Settings) -> Option<&'static str> {
        Some("0 * * * * *")
    }

    fn max_hold(&self) -> Duration {
        Duration::from_secs(300)
    }

    async fn run(&self, ctx: &JobContext, _params: &Params, _run: &RunScope) -> Result<JobReport, JobError> {
        let courses = &ctx.services.courses;
        let mut expired = 0;
        let mut refunded = 0;
        let mut failures = 0;
        // Drain in batches: a surge can leave more than one batch overdue at once.
        loop {
            let r = courses.sweep(BATCH).await.map_err(|e| JobError::Failed(e.to_string()))?;
            expired += r.expired;
            refunded += r.refunded;
            failures += r.refund_failures;
            if r.expired < u64::from(BATCH) {
                break;
            }
        }
        let hours = i64::from(ctx.services.settings.course.idempotency_retention_hours);
        let before = ctx.services.clock.now() - chrono::Duration::hours(hours);
        let purged = ctx.services.idempotency.purge(before).await.map_err(|e| JobError::Failed(e.to_string()))?;
        tracing::info!(expired, refunded, refund_failures = failures, purged_keys = purged, "course holds swept");
        Ok(JobReport {
            counts: JobCounts { read: expired + refunded + failures, written: expired + refunded, skipped: failures },
            skips: Vec::new(),
            summary: None,
        })
    }
}

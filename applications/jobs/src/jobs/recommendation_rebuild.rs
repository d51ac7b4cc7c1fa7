//! `recommendation-rebuild` (daily): recomputes the recommendation model — every item's keyword
//! vector, popularity and neighbour list — from the database and stores it; the api answers
//! from the new model within its reload interval.

use async_trait::async_trait;
use cercat_common::jobs::JobCounts;
use cercat_config::Settings;
use std::time::Duration;

use cercat_recommendation::service::REBUILD_STEPS;

use crate::{Job, JobContext, JobError, Params, RunScope, job::JobReport, progress::Progress};

/// The rebuild.
#[derive(Debug)]
pub struct RecommendationRebuild;

#[async_trait]
impl Job for RecommendationRebuild {
    fn name(&self) -> &'static str {
        "recommendation-rebuild"
    }

    fn description(&self) -> &'static str {
        "recompute the recommendation model (keywords, popularity, item neighbours; EASE when it wins) and store it"
    }

    fn schedule(&self, _settings: &Settings) -> Option<&'static str> {
        // Daily at 03:30 KST, before the morning traffic.
        Some("0 30 3 * * *")
    }

    fn max_hold(&self) -> Duration {
        Duration::from_secs(1800)
    }

    async fn run(&self, ctx: &JobContext, _params: &Params, _run: &RunScope) -> Result<JobReport, JobError> {
        let mut progress = Progress::new("recommendation-rebuild", REBUILD_STEPS);
        let report = ctx
            .services
            .recommendations
            .rebuild_reporting(|_| progress.inc())
            .await
            .map_err(|e| JobError::Failed(e.to_string()))?;
        progress.finish();
        let s = &report.summary;
        tracing::info!(
            model = report.model_id,
            items = s.items,
            users = s.users,
            interactions = s.interactions,
            scorer = %s.scorer,
            seconds = report.compute_seconds,
            "stored a recommendation model"
        );
        let summary = serde_json::to_value(&report).map_err(|e| JobError::Failed(e.to_string()))?;
        Ok(JobReport {
            counts: JobCounts { read: s.interactions as u64, written: s.items as u64, skipped: 0 },
            skips: Vec::new(),
            summary: Some(summary),
        })
    }
}

//! `trending-decay` (every 30 minutes) and `trending-snapshot` (every 10 minutes): keep each
//! board's trending keywords a surge score and give rank changes something to compare with.

use async_trait::async_trait;
use cercat_common::jobs::JobCounts;
use cercat_config::Settings;
use std::time::Duration;

use crate::{Job, JobContext, JobError, Params, RunScope, job::JobReport};

/// Halves every board's trending scores.
#[derive(Debug)]
pub struct TrendingDecay;

/// Stores every board's current top ten.
#[derive(Debug)]
pub struct TrendingSnapshot;

async fn each_board(ctx: &JobContext, decay: bool) -> Result<JobReport, JobError> {
    let fail = |e: &dyn std::fmt::Display| JobError::Failed(e.to_string());
    let boards = ctx.services.certificates.list().await.map_err(|e| fail(&e))?;
    let community = &ctx.services.community;
    let mut done = 0;
    for board in &boards {
        if decay {
            community.decay_trending(board.id).await.map_err(|e| fail(&e))?;
        } else {
            community.snapshot_trending(board.id).await.map_err(|e| fail(&e))?;
        }
        done += 1;
    }
    Ok(JobReport { counts: JobCounts { read: done, written: done, skipped: 0 }, skips: Vec::new(), summary: None })
}

#[async_trait]
impl Job for TrendingDecay {
    fn name(&self) -> &'static str {
        "trending-decay"
    }

    fn description(&self) -> &'static str {
        "halve every board's trending keyword scores (surge scoring)"
    }

    fn schedule(&self, _settings: &Settings) -> Option<&'static str> {
        Some("0 */30 * * * *")
    }

    fn max_hold(&self) -> Duration {
        Duration::from_secs(300)
    }

    async fn run(&self, ctx: &JobContext, _params: &Params, _run: &RunScope) -> Result<JobReport, JobError> {
        each_board(ctx, true).await
    }
}

#[async_trait]
impl Job for TrendingSnapshot {
    fn name(&self) -> &'static str {
        "trending-snapshot"
    }

    fn description(&self) -> &'static str {
        "store every board's top ten trending keywords for rank changes"
    }

    fn schedule(&self, _settings: &Settings) -> Option<&'static str> {
        Some("0 */10 * * * *")
    }

    fn max_hold(&self) -> Duration {
        Duration::from_secs(300)
    }

    async fn run(&self, ctx: &JobContext, _params: &Params, _run: &RunScope) -> Result<JobReport, JobError> {
        each_board(ctx, false).await
    }
}

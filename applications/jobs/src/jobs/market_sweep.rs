//! `market-orders-sweep`: puts back on sale the products of orders unpaid past their deadline
//! (coupons back to the buyer, each exactly once whoever else sweeps) and retries due refunds
//! of charges that landed after their order was released. Every 15 seconds.
//!
//! `market-view-flush`: moves the product views counted since the last flush (Redis, or the
//! api's memory when embedded) into the database, each batch exactly once. Every 10 seconds.

use async_trait::async_trait;
use cercat_common::jobs::JobCounts;
use cercat_config::Settings;
use std::time::Duration;

use crate::{Job, JobContext, JobError, Params, RunScope, job::JobReport};

/// The order sweep.
#[derive(Debug)]
pub struct MarketOrdersSweep;

#[async_trait]
impl Job for MarketOrdersSweep {
    fn name(&self) -> &'static str {
        "market-orders-sweep"
    }

    fn description(&self) -> &'static str {
        "put products of unpaid overdue market orders back on sale with their coupons, retry due refunds"
    }

    fn schedule(&self, _settings: &Settings) -> Option<&'static str> {
        Some("*/15 * * * * *")
    }

    fn max_hold(&self) -> Duration {
        Duration::from_secs(300)
    }

    async fn run(&self, ctx: &JobContext, _params: &Params, _run: &RunScope) -> Result<JobReport, JobError> {
        let market = &ctx.services.market;
        let batch = u64::from(market.config().sweep_batch);
        let (mut expired, mut refunded, mut failures) = (0, 0, 0);
        // Drain in batches: a busy market can leave more than one batch overdue at once.
        loop {
            let r = market.sweep().await.map_err(|e| JobError::Failed(e.to_string()))?;
            expired += r.expired;
            refunded += r.refunded;
            failures += r.refund_failures;
            if r.expired < batch {
                break;
            }
        }
        tracing::info!(expired, refunded, refund_failures = failures, "market orders swept");
        Ok(JobReport {
            counts: JobCounts { read: expired + refunded + failures, written: expired + refunded, skipped: failures },
            skips: Vec::new(),
            summary: None,
        })
    }
}

/// The view flush.
#[derive(Debug)]
pub struct MarketViewFlush;

#[async_trait]
impl Job for MarketViewFlush {
    fn name(&self) -> &'static str {
        "market-view-flush"
    }

    fn description(&self) -> &'static str {
        "move the product views counted since the last flush into the database (each batch once)"
    }

    fn schedule(&self, _settings: &Settings) -> Option<&'static str> {
        Some("*/10 * * * * *")
    }

    fn max_hold(&self) -> Duration {
        Duration::from_secs(60)
    }

    async fn run(&self, ctx: &JobContext, _params: &Params, _run: &RunScope) -> Result<JobReport, JobError> {
        let views = ctx.services.market.flush_views().await.map_err(|e| JobError::Failed(e.to_string()))?;
        Ok(JobReport {
            counts: JobCounts { read: views, written: views, skipped: 0 },
            skips: Vec::new(),
            summary: None,
        })
    }
}

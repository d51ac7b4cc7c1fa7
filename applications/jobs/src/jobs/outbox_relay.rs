//! `outbox-relay`: drains the outbox to the event bus once (`serve` also relays continuously).

use async_trait::async_trait;
use cercat_common::jobs::JobCounts;
use cercat_config::Settings;
use std::time::Duration;

use crate::{Job, JobContext, JobError, Params, RunScope, job::JobReport};

/// Publishes every due outbox event, then stops.
#[derive(Debug)]
pub struct OutboxRelayJob;

#[async_trait]
impl Job for OutboxRelayJob {
    fn name(&self) -> &'static str {
        "outbox-relay"
    }

    fn description(&self) -> &'static str {
        "publish pending outbox events to the event bus (serve runs it continuously)"
    }

    fn schedule(&self, _settings: &Settings) -> Option<&'static str> {
        None
    }

    fn max_hold(&self) -> Duration {
        Duration::from_secs(600)
    }

    async fn run(&self, ctx: &JobContext, _params: &Params, _run: &RunScope) -> Result<JobReport, JobError> {
        let relay = &ctx.services.outbox_relay;
        let mut counts = JobCounts::default();
        loop {
            let pass = relay.relay_once().await.map_err(|e| JobError::Failed(e.to_string()))?;
            if pass.skipped {
                return Err(JobError::Failed("another relay holds the outbox lease; try again shortly".into()));
            }
            counts.read += pass.sent + pass.failed;
            counts.written += pass.sent;
            if pass.failed > 0 {
                let left = ctx.services.backlog.unsent().await.unwrap_or_default();
                return Err(JobError::Failed(format!(
                    "the event bus refused an event; {left} events wait for the next attempt"
                )));
            }
            if pass.sent == 0 {
                return Ok(JobReport { counts, skips: Vec::new(), summary: None });
            }
        }
    }
}

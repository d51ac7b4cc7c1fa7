//! `mail-retry`: sends every due mail in the outbox once (failures wait for their backoff;
//! `serve` dispatches continuously).

use async_trait::async_trait;
use cercat_common::jobs::JobCounts;
use cercat_config::Settings;
use std::time::Duration;

use crate::{Job, JobContext, JobError, Params, RunScope, job::JobReport};

/// Dispatches due mails.
#[derive(Debug)]
pub struct MailRetry;

#[async_trait]
impl Job for MailRetry {
    fn name(&self) -> &'static str {
        "mail-retry"
    }

    fn description(&self) -> &'static str {
        "send queued mails that are due, retrying failed ones (serve dispatches continuously)"
    }

    fn schedule(&self, _settings: &Settings) -> Option<&'static str> {
        None
    }

    fn max_hold(&self) -> Duration {
        Duration::from_secs(600)
    }

    async fn run(&self, ctx: &JobContext, _params: &Params, _run: &RunScope) -> Result<JobReport, JobError> {
        let dispatcher = &ctx.services.mail_dispatcher;
        let mut counts = JobCounts::default();
        let mut skips = Vec::new();
        loop {
            let pass = dispatcher.dispatch_once().await.map_err(|e| JobError::Failed(e.to_string()))?;
            counts.read += pass.sent + pass.failed + pass.rejected;
            counts.written += pass.sent;
            counts.skipped += pass.failed + pass.rejected;
            if pass.failed > 0 {
                skips.push(format!("{} mail(s) failed and will be retried after their backoff", pass.failed));
            }
            if pass.rejected > 0 {
                skips.push(format!("{} mail(s) were refused for good and given up on", pass.rejected));
            }
            // Failed mails are not due again within this run, refused ones never: the loop ends.
            if pass.sent == 0 && pass.rejected == 0 {
                return Ok(JobReport { counts, skips, summary: None });
            }
        }
    }
}

//! `serve`: runs each scheduled job on its cron schedule (Asia/Seoul), relays the outbox and
//! dispatches mail continuously. Several nodes may serve at once: each tick takes a lease named after the
//! job and the tick's time and never releases it early, so a tick runs on exactly one node
//! even if clocks differ slightly; the job lease inside keeps runs from overlapping.

use chrono::Utc;
use chrono_tz::Asia::Seoul;
use cron::Schedule;
use std::{str::FromStr, sync::Arc, time::Duration};
use tokio::sync::watch;

use crate::{Job, JobContext, RunOutcome, jobs, run_job};

/// How long a tick's lease is kept after the tick (covers clock skew between nodes).
const TICK_HOLD_MIN: Duration = Duration::from_secs(600);

/// Runs until `shutdown` flips to true.
pub async fn serve(ctx: JobContext, shutdown: watch::Receiver<bool>) {
    let mut tasks = Vec::new();
    for job in jobs::all() {
        let Some(expr) = job.schedule(&ctx.infra.settings) else {
            tracing::info!(job = job.name(), "not scheduled");
            continue;
        };
        let schedule = match Schedule::from_str(expr) {
            Ok(s) => s,
            Err(err) => {
                tracing::error!(job = job.name(), expr, %err, "bad cron expression; job not scheduled");
                continue;
            }
        };
        tracing::info!(job = job.name(), expr, "scheduled (Asia/Seoul)");
        tasks.push(tokio::spawn(run_schedule(Arc::from(job), schedule, ctx.clone(), shutdown.clone())));
    }
    let relay = ctx.infra.outbox_relay();
    let idle = Duration::from_millis(ctx.infra.settings.outbox.poll_interval_ms);
    let relay_shutdown = shutdown.clone();
    tasks.push(tokio::spawn(async move {
        tracing::info!("relaying the outbox continuously");
        relay.run(idle, cercat_common::shutdown::requested(relay_shutdown)).await;
    }));
    let mail = ctx.infra.mail_dispatcher();
    let mail_idle = Duration::from_millis(ctx.infra.settings.mail.poll_interval_ms);
    let mail_shutdown = shutdown.clone();
    tasks.push(tokio::spawn(async move {
        tracing::info!("dispatching mail continuously");
        mail.run(mail_idle, cercat_common::shutdown::requested(mail_shutdown)).await;
    }));
    for task in tasks {
        let _ = task.await;
    }
}

/// Runs `job` at every tick of `schedule` until `shutdown` flips, taking each tick's lease first.
pub async fn run_schedule(job: Arc<dyn Job>, schedule: Schedule, ctx: JobContext, mut shutdown: watch::Receiver<bool>) {
    loop {
        let Some(next) = schedule.after(&Utc::now().with_timezone(&Seoul)).next() else { return };
        let wait = (next.with_timezone(&Utc) - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return,
        }
        let tick = format!("tick:{}:{}", job.name(), next.to_rfc3339());
        let hold = job.max_hold().max(TICK_HOLD_MIN);
        match ctx.infra.lease.try_acquire(&tick, &ctx.infra.node, hold).await {
            Ok(Some(_lease)) => {
                // The tick lease is deliberately kept until it expires (see the module docs).
                let params = job.scheduled_params(&ctx.infra.settings);
                match run_job(job.as_ref(), &ctx, &params).await {
                    RunOutcome::Skipped { lease } => {
                        tracing::info!(job = job.name(), lease, "previous run still going; tick skipped")
                    }
                    RunOutcome::Finished { .. } | RunOutcome::Failed { .. } => {}
                }
            }
            Ok(None) => tracing::debug!(job = job.name(), tick, "another node took this tick"),
            Err(err) => tracing::warn!(job = job.name(), %err, "cannot take the tick lease; tick skipped"),
        }
    }
}

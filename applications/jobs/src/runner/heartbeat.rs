//! Heartbeats: a RUNNING run records one every `batch.heartbeat_interval_ms`; a run silent for
//! `batch.heartbeat_timeout_ms` is taken for dead (its process was killed, its machine lost)
//! and marked FAILED by the next node that starts a job or sweeps (`cercat-batch serve`), so
//! its instance can resume instead of staying RUNNING forever.

use cercat_bootstrap::Services;
use cercat_common::jobs::StaleRun;
use std::time::Duration;
use tokio::{sync::oneshot, task::JoinHandle};

fn ms(value: u64) -> Duration {
    Duration::from_millis(value)
}

/// Marks FAILED the RUNNING runs silent for longer than `batch.heartbeat_timeout_ms` and
/// returns them (logged; a store failure is logged and yields none).
pub async fn fail_silent_runs(services: &Services) -> Vec<StaleRun> {
    let timeout = ms(services.settings.batch.heartbeat_timeout_ms);
    let now = services.clock.now();
    let cutoff = now - chrono::Duration::from_std(timeout).unwrap_or(chrono::Duration::MAX);
    match services.job_runs.fail_stale(cutoff, now).await {
        Ok(stale) => {
            for run in &stale {
                ::metrics::counter!("cercat_batch_silent_runs_failed_total", "job" => run.job.clone()).increment(1);
                tracing::warn!(
                    run_id = run.id,
                    job = run.job,
                    node = run.node,
                    "node stopped heartbeating; run marked FAILED"
                );
            }
            stale
        }
        Err(err) => {
            tracing::warn!(%err, "could not look for runs whose node stopped heartbeating");
            Vec::new()
        }
    }
}

/// The heartbeat of one run.
pub(super) struct Heartbeat {
    task: JoinHandle<()>,
    lost: oneshot::Receiver<()>,
}

impl Heartbeat {
    /// Beats for run `run_id` until stopped.
    pub(super) fn spawn(services: &Services, run_id: i64) -> Self {
        let (tell, lost) = oneshot::channel();
        let (runs, clock) = (services.job_runs.clone(), services.clock.clone());
        let every = ms(services.settings.batch.heartbeat_interval_ms);
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                match runs.heartbeat(run_id, clock.now()).await {
                    Ok(true) => {}
                    Ok(false) => {
                        let _ = tell.send(());
                        return;
                    }
                    // A missed beat is not fatal: the timeout allows several.
                    Err(err) => tracing::warn!(%err, run_id, "could not record a heartbeat"),
                }
            }
        });
        Self { task, lost }
    }

    /// Resolves when the run was found no longer RUNNING (never, while it is).
    pub(super) async fn lost(&mut self) {
        if (&mut self.lost).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// Stops beating.
    pub(super) fn stop(self) {
        self.task.abort();
    }
}

//! The scheduler over a real (SQLite) database: held job leases skip ticks, overrides of
//! `jobs.schedules` are checked at start.

use cercat_bootstrap::Services;
use cercat_common::jobs::JobStatus;
use cercat_config::{Profile, Settings};
use cercat_jobs::{
    Job, JobContext, RunOutcome, ScheduleError, Scheduler, TickOutcome, TickReport,
    jobs::{self, trending::TrendingSnapshot},
};
use std::time::Duration;
use tokio::sync::broadcast;

pub(crate) async fn context(dir: &tempfile::TempDir, schedules: &[(&str, &str)]) -> JobContext {
    let mut s = Settings::defaults(Profile::Embedded);
    s.data_dir = dir.path().to_path_buf();
    s.jobs.schedules = schedules.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let s = s.resolve().unwrap();
    let services = Services::connect(&s).await.unwrap();
    services.seed_demo().await.unwrap();
    JobContext { services }
}

async fn next_report(reports: &mut broadcast::Receiver<TickReport>) -> TickReport {
    tokio::time::timeout(Duration::from_secs(30), reports.recv()).await.expect("a tick within 30 s").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tick_is_skipped_while_another_node_holds_the_job_lease_and_runs_once_it_is_free() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir, &[("trending-snapshot", "* * * * * *")]).await;
    let services = ctx.services.clone();
    let other = services.lease.try_acquire("job:trending-snapshot", "other-vm:1", Duration::from_secs(60)).await;
    let other = other.unwrap().expect("the other node takes the job lease");
    let scheduler = Scheduler::new(ctx, vec![Box::new(TrendingSnapshot) as Box<dyn Job>]).unwrap();
    let mut reports = scheduler.reports();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let tasks = scheduler.spawn(&stopped);

    let held = next_report(&mut reports).await;
    assert_eq!(held.job, "trending-snapshot");
    assert_eq!(held.outcome, TickOutcome::Ran(RunOutcome::Skipped { lease: "job:trending-snapshot".into() }));
    assert!(services.job_runs.recent(Some("trending-snapshot"), 10).await.unwrap().is_empty(), "a skip records no run");

    services.lease.release(&other).await.unwrap();
    let ran = loop {
        // A tick that was already past its lease check when the lease came free may still skip.
        let report = next_report(&mut reports).await;
        if let TickOutcome::Ran(RunOutcome::Finished { run_id, status, .. }) = report.outcome {
            break (run_id, status);
        }
    };
    assert_eq!(ran.1, JobStatus::Succeeded);
    let runs = services.job_runs.recent(Some("trending-snapshot"), 10).await.unwrap();
    assert!(
        runs.iter().any(|r| r.id == ran.0 && r.node == services.node),
        "the run is recorded under this node: {runs:?}"
    );
    stop.send(true).unwrap();
    for task in tasks {
        task.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedule_overrides_are_checked_at_start_and_off_unschedules() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir, &[("trending-snapsht", "* * * * * *")]).await;
    let err = Scheduler::new(ctx, jobs::all()).err().unwrap();
    assert!(matches!(&err, ScheduleError::UnknownJob { job, .. } if job == "trending-snapsht"), "{err}");
    assert!(err.to_string().contains("jobs.schedules.trending-snapsht"), "the error names the setting: {err}");

    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir, &[("exam-alarms", "every day at nine")]).await;
    let err = Scheduler::new(ctx, jobs::all()).err().unwrap();
    assert!(matches!(&err, ScheduleError::BadCron { job, .. } if job == "exam-alarms"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir, &[("exam-alarms", "off"), ("course-holds-sweep", "*/15 * * * * *")]).await;
    let scheduled = Scheduler::new(ctx, jobs::all()).unwrap().jobs();
    assert!(!scheduled.contains(&"exam-alarms"), "{scheduled:?}");
    assert!(scheduled.contains(&"course-holds-sweep") && scheduled.contains(&"trending-decay"), "{scheduled:?}");
    assert!(!scheduled.contains(&"outbox-relay"), "on-demand jobs are not scheduled: {scheduled:?}");
}

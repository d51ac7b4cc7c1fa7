//! The jobs the api runs itself in embedded mode: the scheduled jobs of `cercat-jobs` (with
//! recorded runs, as `cercat-batch history` and the admin API list them) and the outbox relay,
//! woken by the outbox write itself.

use crate::helpers::*;
use cercat_common::jobs::JobStatus;
use cercat_config::Profile;
use std::time::Duration;

/// Waits up to `limit` for `done` to hold, checking every 50 ms.
async fn eventually<F, Fut>(limit: Duration, what: &str, done: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    tokio::time::timeout(limit, async {
        while !done().await {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what} within {limit:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_api_runs_the_scheduled_jobs_and_records_their_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(Profile::Embedded, &dir);
    assert!(s.jobs.in_process, "embedded mode runs the scheduled jobs in the api by default");
    s.jobs.schedules.insert("trending-snapshot".into(), "* * * * * *".into());
    let app = spawn(s, dir, Vec::new()).await;
    let runs = &app.state.services.job_runs;
    eventually(Duration::from_secs(30), "a trending-snapshot run is recorded", || async {
        runs.recent(Some("trending-snapshot"), 10).await.unwrap().iter().any(|r| r.ended_at.is_some())
    })
    .await;
    let history = runs.recent(Some("trending-snapshot"), 10).await.unwrap();
    let run = history.iter().find(|r| r.ended_at.is_some()).unwrap();
    assert_eq!(run.status, JobStatus::Succeeded);
    assert_eq!(run.node, app.state.services.node, "the api's own node ran it");
    assert!(run.counts.read >= 3, "every board was snapshot: {:?}", run.counts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outbox_write_wakes_the_relay_long_before_its_poll() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(Profile::Embedded, &dir);
    // Ten minutes between polls: an event relayed within the test came through the wake.
    s.outbox.poll_interval_ms = 600_000;
    let app = spawn(s, dir, Vec::new()).await;
    let outbox = &app.state.services.adapters().outbox;
    eventually(Duration::from_secs(30), "the start-up pass relays the seed's events", || async {
        outbox.unsent_count().await.unwrap() == 0
    })
    .await;

    app.state.certificates.import_schedule(&schedule_draft(1, 2031, 1)).await.unwrap();
    eventually(Duration::from_secs(30), "the new schedule's event is relayed", || async {
        outbox.unsent_count().await.unwrap() == 0
    })
    .await;
}

//! Restartable imports against a real (SQLite) database and the local fake of Q-Net: paging
//! with retried 500/429 answers, a run failing midway and the next one resuming from its
//! checkpoint, COMPLETED instances left alone, the skip limit, the daily quota and runs whose
//! node stopped heartbeating.

use cercat_bootstrap::Services;
use cercat_common::jobs::{JobCounts, JobRun, JobStatus, RunClaim};
use cercat_config::{Profile, QNET_SOURCE, SecretString, Settings};
use cercat_jobs::{JobContext, Params, RunOptions, RunOutcome, jobs, run_job, run_job_with};
use cercat_testing::qnet::{FakeQnet, rounds};
use sea_orm::{ConnectionTrait, Statement};

const JOB: &str = "exam-schedule-import";

async fn context(dir: &tempfile::TempDir, qnet: &FakeQnet, tune: impl FnOnce(&mut Settings)) -> JobContext {
    let mut s = Settings::defaults(Profile::Embedded);
    s.data_dir = dir.path().to_path_buf();
    s.batch.qnet_base_url = qnet.url();
    s.batch.qnet_service_key = Some(SecretString::from("test-key"));
    s.batch.qnet_page_size = 10;
    s.batch.qnet_backoff_ms = 1;
    s.batch.qnet_retry_attempts = 3;
    tune(&mut s);
    let services = Services::connect(&s.resolve().unwrap()).await.unwrap();
    services.seed_demo().await.unwrap();
    // 정보처리기사 (1) follows 기사 in the seed; SQLD (3) follows it here too.
    services.schedule_import.set_series(3, Some("기사")).await.unwrap();
    JobContext { services }
}

fn qnet_params(extra: &[(&str, &str)]) -> Params {
    let mut params: Params = [("source".to_owned(), QNET_SOURCE.to_owned())].into_iter().collect();
    params.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    params
}

async fn import(ctx: &JobContext, params: &Params) -> RunOutcome {
    run_job(jobs::find(JOB).unwrap().as_ref(), ctx, params).await
}

/// (certificate, year, round, written exam, practical exam) of every schedule from 2000–2002.
async fn imported(ctx: &JobContext) -> Vec<(i64, i32, i32, String, Option<String>)> {
    let db = ctx.services.adapters().db.conn();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT certificate_id, exam_year, round, exam_at, practical_exam_start_at FROM exam_schedules \
             WHERE exam_year <= 2002 ORDER BY certificate_id, exam_year, round"
                .to_owned(),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            let at =
                |c: &str| r.try_get::<Option<chrono::DateTime<chrono::Utc>>>("", c).unwrap().map(|t| t.to_rfc3339());
            (
                r.try_get("", "certificate_id").unwrap(),
                r.try_get("", "exam_year").unwrap(),
                r.try_get("", "round").unwrap(),
                at("exam_at").unwrap(),
                at("practical_exam_start_at"),
            )
        })
        .collect()
}

async fn history(ctx: &JobContext) -> Vec<JobRun> {
    let mut runs = ctx.services.job_runs.recent(Some(JOB), 100).await.unwrap();
    runs.reverse();
    runs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qnet_import_pages_through_retries_and_fills_every_certificate_of_the_series() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeQnet::start(rounds(25)).await;
    fake.fail_once(2, 500);
    fake.fail_once(3, 429);
    let ctx = context(&dir, &fake, |_| {}).await;
    let outcome = import(&ctx, &qnet_params(&[])).await;
    let RunOutcome::Finished { status, report, .. } = outcome else { panic!("{outcome:?}") };
    // Rounds 0, 3, 6 … 24 are 기사 (9 of 25); each fills certificates 1 and 3.
    assert_eq!((status, report.counts), (JobStatus::Succeeded, JobCounts { read: 25, written: 18, skipped: 0 }));
    assert_eq!(fake.calls(), vec![(1, 200), (2, 500), (2, 200), (3, 429), (3, 200)]);
    let rows = imported(&ctx).await;
    assert_eq!(rows.len(), 18);
    // Round 0: 기사 2000 제1회, written exam 2000-01-20 KST, practical from 2000-02-25 KST.
    let first = (1, 2000, 1, "2000-01-19T15:00:00+00:00".to_owned(), Some("2000-02-24T15:00:00+00:00".to_owned()));
    assert_eq!(rows[0], first);
    assert!(rows.iter().all(|r| r.0 == 1 || r.0 == 3), "only the series' certificates");
    let db = ctx.services.adapters().db.conn();
    let sql = Statement::from_string(db.get_database_backend(), "SELECT calls FROM api_call_quotas".to_owned());
    let calls: i32 = db.query_one_raw(sql).await.unwrap().unwrap().try_get("", "calls").unwrap();
    assert_eq!(calls, 5, "every call, retries included, is counted in the database");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_failing_midway_is_resumed_from_its_checkpoint_and_a_completed_instance_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeQnet::start(rounds(45)).await;
    for _ in 0..3 {
        fake.fail_once(3, 503);
    }
    let ctx = context(&dir, &fake, |_| {}).await;
    let params = qnet_params(&[("year", "2001")]);
    // The fake ignores implYy: the year only names the instance here.
    let RunOutcome::Failed { run_id: Some(failed), error } = import(&ctx, &params).await else { panic!() };
    assert!(error.contains("page 3") && error.contains("HTTP 503"), "{error}");
    let runs = history(&ctx).await;
    let checkpoint = runs[0].checkpoint.clone().expect("pages 1 and 2 were committed");
    assert_eq!((checkpoint.position.as_str(), checkpoint.counts.read), ("2/10", 20));
    assert_eq!(runs[0].counts.read, 20, "a FAILED run keeps the counts of its last chunk");
    assert_eq!(imported(&ctx).await.len(), 14, "7 기사 rounds in pages 1–2, two certificates each");

    let RunOutcome::Finished { run_id, status, report } = import(&ctx, &params).await else { panic!() };
    assert_eq!((status, report.counts), (JobStatus::Succeeded, JobCounts { read: 45, written: 30, skipped: 0 }));
    let pages: Vec<u32> = fake.calls().iter().map(|c| c.0).collect();
    assert_eq!(pages, vec![1, 2, 3, 3, 3, 3, 4, 5], "the resumed run starts at page 3");
    let runs = history(&ctx).await;
    assert_eq!(runs.iter().map(|r| r.status).collect::<Vec<_>>(), vec![JobStatus::Failed, JobStatus::Succeeded]);
    assert_eq!(runs[1].resumed_from, Some(failed));
    assert_eq!(runs[1].instance.as_deref(), Some("source=qnet,year=2001"));

    assert_eq!(import(&ctx, &params).await, RunOutcome::AlreadyCompleted { run_id, status: JobStatus::Succeeded });
    assert_eq!(fake.calls().len(), 8, "a completed instance makes no call");
    let job = jobs::find(JOB).unwrap();
    let again = run_job_with(job.as_ref(), &ctx, &params, RunOptions { rerun: true }).await;
    let RunOutcome::Finished { report, .. } = again else { panic!("{again:?}") };
    assert_eq!(report.counts, JobCounts { read: 45, written: 0, skipped: 0 }, "a rerun finds everything stored");
    let other = import(&ctx, &qnet_params(&[("year", "2002")])).await;
    assert!(matches!(other, RunOutcome::Finished { .. }), "another year is another instance: {other:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skips_past_the_limit_fail_the_run_and_a_higher_limit_lets_it_complete() {
    let dir = tempfile::tempdir().unwrap();
    let mut items = rounds(12);
    for i in [1, 4, 7] {
        items[i].insert("docExamEndDt".into(), "20000230".into());
    }
    let fake = FakeQnet::start(items).await;
    let ctx = context(&dir, &fake, |s| s.batch.qnet_page_size = 5).await;
    let RunOutcome::Failed { error, .. } = import(&ctx, &qnet_params(&[("skip-limit", "2")])).await else { panic!() };
    assert!(error.starts_with("page 2 item 3: docExamEndDt: `20000230` is not a date"), "{error}");
    assert!(error.contains("more than 2 items skipped"), "{error}");
    let RunOutcome::Finished { run_id, status, report } = import(&ctx, &qnet_params(&[("skip-limit", "5")])).await
    else {
        panic!()
    };
    assert_eq!((status, report.counts.skipped, report.counts.read), (JobStatus::CompletedWithSkips, 3, 12));
    let skips = ctx.services.job_runs.skips(run_id, 10).await.unwrap();
    let keys: Vec<&str> = skips.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, vec!["page 1 item 2", "page 1 item 5", "page 2 item 3"], "the failed run's page 1 skips count");
    assert!(skips[0].reason.contains("docExamEndDt"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_quota_fails_the_run_at_the_page_it_reached_and_holds_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeQnet::start(rounds(30)).await;
    let ctx = context(&dir, &fake, |s| s.batch.qnet_daily_quota = 2).await;
    let RunOutcome::Failed { error, .. } = import(&ctx, &qnet_params(&[])).await else { panic!() };
    assert!(error.contains("page 3") && error.contains("daily quota of 2 calls"), "{error}");
    let RunOutcome::Failed { error, .. } = import(&ctx, &qnet_params(&[])).await else { panic!() };
    assert!(error.contains("page 3"), "the resumed run asks for page 3 and is refused too: {error}");
    assert_eq!(fake.calls().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_node_stopped_heartbeating_is_failed_and_resumed_by_the_next_node() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeQnet::start(rounds(10)).await;
    let ctx = context(&dir, &fake, |_| {}).await;
    let runs = &ctx.services.job_runs;
    let long_ago = chrono::Utc::now() - chrono::Duration::minutes(10);
    let params = serde_json::json!({"source": "qnet"});
    let RunClaim::Started(dead) =
        runs.claim(JOB, "source=qnet", &params, "gone:1", None, None, long_ago).await.unwrap()
    else {
        panic!()
    };
    let outcome = import(&ctx, &qnet_params(&[])).await;
    assert!(matches!(outcome, RunOutcome::Finished { status: JobStatus::Succeeded, .. }), "{outcome:?}");
    let history = history(&ctx).await;
    assert_eq!(history[0].id, dead);
    assert_eq!(history[0].status, JobStatus::Failed);
    assert!(history[0].error.as_deref().unwrap().starts_with("node gone:1 stopped heartbeating"));
    assert_eq!(history[1].resumed_from, Some(dead));

    // A live run (fresh heartbeat) of an instance is not disturbed: the next start is a no-op.
    let RunClaim::Started(live) =
        runs.claim(JOB, "source=qnet,year=2030", &params, "busy:2", None, None, chrono::Utc::now()).await.unwrap()
    else {
        panic!()
    };
    let busy = import(&ctx, &qnet_params(&[("year", "2030")])).await;
    assert_eq!(busy, RunOutcome::Busy { run_id: live, node: "busy:2".into() });
}

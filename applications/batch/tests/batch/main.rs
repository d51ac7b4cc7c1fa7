//! Batch jobs against a real (SQLite) database: the import, run recording, leases and ticks;
//! restartable imports against a fake of Q-Net ([`imports`]); the real binary killed and
//! restarted mid-import ([`kill`]). One test binary for the crate.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod imports;
mod kill;
mod metrics;

use async_trait::async_trait;
use cercat_bootstrap::Services;
use cercat_common::jobs::{JobCounts, JobStatus};
use cercat_config::{Profile, Settings};
use cercat_jobs::{
    Job, JobContext, JobError, Params, RunOptions, RunOutcome, RunScope, job::JobReport, jobs, run_job, run_job_with,
    scheduler,
};
use std::{
    collections::HashSet,
    str::FromStr,
    sync::{Arc, Mutex},
    time::Duration,
};

async fn context(dir: &tempfile::TempDir) -> JobContext {
    let mut s = Settings::defaults(Profile::Embedded);
    s.data_dir = dir.path().to_path_buf();
    let s = s.resolve().unwrap();
    let services = Services::connect(&s).await.unwrap();
    services.seed_demo().await.unwrap();
    JobContext { services }
}

fn params(pairs: &[(&str, &str)]) -> Params {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

const FEED: &str = "\
certificateName,examYear,round,applicationStartDateTime,applicationDeadlineDateTime,examDateTime,resultAnnouncementDateTime,writtenExamFee,practicalExamFee,writtenExamTimeLimit,practicalExamTimeLimit,examEligibility,description,examFormat
정보처리기사,2040,1,2040-01-10 10:00,20400117,2040-02-20 09:00,2040-03-20,19400,22600,150,150,누구나,2040년 제1회,필기
정보처리기사,2040,2,2040-04-10 10:00,20400417,2040-05-20 09:00,2040-06-20,19400,22600,150,150,누구나,2040년 제2회,필기
없는자격증,2040,1,2040-01-10,2040-01-17,2040-02-20,2040-03-20,,,,,,,
SQLD,2040,1,2040-01-10,2040-01-17,2040-02-30,2040-03-20,,,,,,,
SQLD,2040,2,2040-05-10,2040-05-17,2040-04-20,2040-06-20,,,,,,,
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_upserts_good_rows_reports_bad_ones_by_line_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let feed = dir.path().join("feed.csv");
    std::fs::write(&feed, FEED).unwrap();
    let job = jobs::find("exam-schedule-import").unwrap();
    let p = params(&[("source", feed.to_str().unwrap())]);

    let RunOutcome::Finished { run_id, status, report } = run_job(job.as_ref(), &ctx, &p).await else {
        panic!("the import runs")
    };
    assert_eq!(status, JobStatus::CompletedWithSkips);
    assert_eq!(report.counts, JobCounts { read: 5, written: 2, skipped: 3 });
    assert!(report.skips[0].starts_with("line 4: unknown certificate `없는자격증`"), "{:?}", report.skips);
    assert!(report.skips[1].starts_with("line 5: examDateTime"), "{:?}", report.skips);
    assert!(
        report.skips[2].starts_with("line 6: examDateTime is before applicationDeadlineDateTime"),
        "{:?}",
        report.skips
    );

    let service = ctx.services.certificates.clone();
    let (_, next) = service.next_exam(1).await.unwrap();
    assert!(next.draft.exam_year < 2040, "the seed's schedules come first");
    let history = ctx.services.job_runs.recent(Some("exam-schedule-import"), 5).await.unwrap();
    assert_eq!(history[0].id, run_id);
    assert!(history[0].error.as_deref().unwrap().contains("line 4"));

    // Same feed again: the instance is done; asked to run it again, nothing changes.
    assert_eq!(
        run_job(job.as_ref(), &ctx, &p).await,
        RunOutcome::AlreadyCompleted { run_id, status: JobStatus::CompletedWithSkips }
    );
    let rerun = RunOptions { rerun: true };
    let RunOutcome::Finished { report, .. } = run_job_with(job.as_ref(), &ctx, &p, rerun).await else {
        panic!("the re-run runs")
    };
    assert_eq!(report.counts, JobCounts { read: 5, written: 0, skipped: 3 });
    let skips = ctx.services.job_runs.skips(run_id, 10).await.unwrap();
    let keys: Vec<_> = skips.iter().map(|s| (s.run_id, s.key.as_str())).collect();
    assert_eq!(keys, vec![(run_id, "line 4"), (run_id, "line 5"), (run_id, "line 6")], "skips are recorded by line");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_reads_json_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let body = r#"{"items":[{"certificateId":3,"examYear":2041,"round":1,"applicationStartDateTime":"2041-01-10T10:00:00+09:00","applicationDeadlineDateTime":"2041-01-17","examDateTime":"2041-02-20T09:00:00+09:00","resultAnnouncementDateTime":"2041-03-20","writtenExamFee":50000}]}"#;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 1024];
        let _ = socket.read(&mut buf).await.unwrap();
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(response.as_bytes()).await.unwrap();
    });
    let job = jobs::find("exam-schedule-import").unwrap();
    let outcome = run_job(job.as_ref(), &ctx, &params(&[("source", &format!("http://{addr}/feed.json"))])).await;
    let RunOutcome::Finished { status, report, .. } = outcome else { panic!("{outcome:?}") };
    assert_eq!((status, report.counts.written), (JobStatus::Succeeded, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_or_unreadable_sources_fail_the_run_and_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let job = jobs::find("exam-schedule-import").unwrap();
    let RunOutcome::Failed { error, .. } = run_job(job.as_ref(), &ctx, &Params::new()).await else { panic!() };
    assert!(error.contains("source"), "{error}");
    let RunOutcome::Failed { run_id, error } =
        run_job(job.as_ref(), &ctx, &params(&[("source", "/no/such/feed.csv")])).await
    else {
        panic!()
    };
    assert!(error.contains("/no/such/feed.csv"), "{error}");
    let runs = ctx.services.job_runs.recent(None, 1).await.unwrap();
    assert_eq!((Some(runs[0].id), runs[0].status), (run_id, JobStatus::Failed));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_lease_is_held_elsewhere_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let other =
        ctx.services.lease.try_acquire("job:outbox-relay", "other-vm", Duration::from_secs(60)).await.unwrap().unwrap();
    let job = jobs::find("outbox-relay").unwrap();
    assert!(matches!(run_job(job.as_ref(), &ctx, &Params::new()).await, RunOutcome::Skipped { .. }));
    ctx.services.lease.release(&other).await.unwrap();
    let RunOutcome::Finished { report, .. } = run_job(job.as_ref(), &ctx, &Params::new()).await else { panic!() };
    assert!(report.counts.written >= 6, "the seed's schedule events are relayed: {:?}", report.counts);
    assert_eq!(ctx.services.backlog.unsent().await.unwrap(), 0);
}

/// Records the second at which each run happened.
struct EverySecond(Arc<Mutex<Vec<i64>>>);

#[async_trait]
impl Job for EverySecond {
    fn name(&self) -> &'static str {
        "every-second"
    }
    fn description(&self) -> &'static str {
        "test job"
    }
    fn schedule(&self, _: &Settings) -> Option<&'static str> {
        Some("* * * * * *")
    }
    fn max_hold(&self) -> Duration {
        Duration::from_secs(5)
    }
    async fn run(&self, _: &JobContext, _: &Params, _: &RunScope) -> Result<JobReport, JobError> {
        self.0.lock().unwrap().push(chrono::Utc::now().timestamp());
        Ok(JobReport::default())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_run_each_tick_once() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let runs = Arc::new(Mutex::new(Vec::new()));
    let job: Arc<dyn Job> = Arc::new(EverySecond(runs.clone()));
    let (tx, rx) = tokio::sync::watch::channel(false);
    let schedule = cron::Schedule::from_str("* * * * * *").unwrap();
    let a = tokio::spawn(scheduler::run_schedule(job.clone(), schedule.clone(), ctx.clone(), rx.clone()));
    let b = tokio::spawn(scheduler::run_schedule(job, schedule, ctx.clone(), rx));
    tokio::time::sleep(Duration::from_millis(3500)).await;
    tx.send(true).unwrap();
    a.await.unwrap();
    b.await.unwrap();
    let runs = runs.lock().unwrap().clone();
    let distinct: HashSet<_> = runs.iter().collect();
    assert!(runs.len() >= 2, "ticks ran: {runs:?}");
    assert_eq!(distinct.len(), runs.len(), "no tick ran twice: {runs:?}");
    let recorded = ctx.services.job_runs.recent(Some("every-second"), 100).await.unwrap();
    assert_eq!(recorded.len(), runs.len(), "every run is recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_purge_deletes_only_accounts_withdrawn_over_a_year_ago() {
    use sea_orm::{ConnectionTrait, Statement};
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    let accounts = ctx.services.accounts.clone();
    let old = accounts
        .create_account("old@example.com", "초록색-고양이-2025", "오래된", cercat_user::Role::User)
        .await
        .unwrap();
    let recent = accounts
        .create_account("new@example.com", "초록색-고양이-2025", "최근", cercat_user::Role::User)
        .await
        .unwrap();
    let db = ctx.services.adapters().db.conn();
    for (id, days) in [(old.id, 400), (recent.id, 30)] {
        let at = chrono::Utc::now() - chrono::Duration::days(days);
        db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "UPDATE users SET withdrawn_at = ? WHERE id = ?",
            [at.into(), id.into()],
        ))
        .await
        .unwrap();
    }
    let job = jobs::find("withdrawn-user-purge").unwrap();
    let RunOutcome::Finished { report, status, .. } = run_job(job.as_ref(), &ctx, &Params::new()).await else {
        panic!()
    };
    assert_eq!((status, report.counts.written), (JobStatus::Succeeded, 1));
    let email = cercat_user::Email::parse("new@example.com").unwrap();
    let users = cercat_database::SqlUserRepository::new(ctx.services.adapters().db.clone());
    use cercat_user::ports::UserRepository;
    assert!(users.find_by_email(&email).await.unwrap().is_some(), "a recent withdrawal stays recoverable");
    let gone = cercat_user::Email::parse("old@example.com").unwrap();
    assert!(users.find_by_email(&gone).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_retry_sends_what_is_due() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    ctx.services.accounts.request_signup_code("queued@example.com", "127.0.0.1").await.unwrap();
    assert_eq!(ctx.services.adapters().mail_queue.unsent_count().await.unwrap(), 1);
    let job = jobs::find("mail-retry").unwrap();
    let RunOutcome::Finished { report, .. } = run_job(job.as_ref(), &ctx, &Params::new()).await else { panic!() };
    assert_eq!(report.counts.written, 1);
    assert_eq!(ctx.services.adapters().mail_queue.unsent_count().await.unwrap(), 0);
    assert_eq!(std::fs::read_dir(dir.path().join("mail")).unwrap().count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exam_alarms_remind_interested_users_once_per_day() {
    use cercat_certificate::{ExamFees, ExamScheduleDraft, ExamTimeLimits, InterestPriority};
    use sea_orm::{ConnectionTrait, Statement};
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir).await;
    ctx.services.seed_demo_accounts().await.unwrap();
    // The demo student (interest: certificate 1) and a second user with certificate 3 only.
    let accounts = ctx.services.accounts.clone();
    let other = accounts
        .create_account("other@example.com", "other-pass-1234", "다른학생", cercat_user::Role::User)
        .await
        .unwrap();
    let certificates = ctx.services.certificates.clone();
    certificates.replace_interests(other.id, &[(3, InterestPriority::Low)]).await.unwrap();
    // Certificate 1: applications open tomorrow (Seoul). Certificate 3: deadline tomorrow.
    let now = chrono::Utc::now();
    let tomorrow = now + chrono::Duration::days(1);
    let draft = |certificate_id: i64, start: chrono::DateTime<chrono::Utc>, deadline: chrono::DateTime<chrono::Utc>| {
        ExamScheduleDraft {
            certificate_id,
            exam_year: 2099,
            round: 7,
            application_start: start,
            application_deadline: deadline,
            exam_date: deadline + chrono::Duration::days(20),
            result_announcement: deadline + chrono::Duration::days(40),
            fees: ExamFees::default(),
            time_limits: ExamTimeLimits::default(),
            eligibility: None,
            description: None,
            exam_format: None,
        }
    };
    certificates.import_schedule(&draft(1, tomorrow, tomorrow + chrono::Duration::days(5))).await.unwrap();
    certificates.import_schedule(&draft(3, now - chrono::Duration::days(5), tomorrow)).await.unwrap();
    let job = jobs::find("exam-alarms").unwrap();
    for _ in 0..2 {
        let outcome = run_job(job.as_ref(), &ctx, &Params::new()).await;
        assert!(matches!(outcome, RunOutcome::Finished { status: JobStatus::Succeeded, .. }), "{outcome:?}");
    }
    let db = ctx.services.adapters().db.conn();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT payload FROM outbox_events WHERE event_type = 'ExamAlarmDue' ORDER BY seq".to_owned(),
        ))
        .await
        .unwrap();
    let kinds: Vec<String> = rows
        .iter()
        .map(|r| {
            let payload: serde_json::Value =
                serde_json::from_str(&r.try_get::<String>("", "payload").unwrap()).unwrap();
            format!("{}:{}", payload["certificateId"], payload["alarmType"].as_str().unwrap())
        })
        .collect();
    assert_eq!(kinds, vec!["1:BEFORE_APPLICATION", "3:DEFAULT_DEADLINE"], "once each, even after a re-run");
}

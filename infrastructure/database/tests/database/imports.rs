//! Restartable runs and import chunks, on SQLite (always) and MariaDB (CI): one attempt per
//! instance, heartbeats and the silent-run sweep, a chunk's upserts, skips and checkpoint in
//! one transaction refused once the run was failed, Q-Net writes keeping the fields Q-Net does
//! not give, the Q-Net series of certificates, and the daily call quota.

use cercat_certificate::{
    QnetSchedule, StageDates,
    events::PendingScheduleChange,
    ports::{ChunkCommit, ExamScheduleRepository, ImportChunk, ScheduleImportStore, ScheduleWrite},
};
use cercat_common::{
    jobs::{Checkpoint, ItemSkip, JobCounts, JobRunRepository, JobStatus, RunClaim},
    quota::{DailyCallQuota, QuotaTake},
};
use cercat_database::*;
use chrono::{Duration, NaiveDate, SubsecRound, TimeZone, Utc};

fn stage(year: i32, month: u32) -> StageDates {
    let day = |d: u32| Utc.with_ymd_and_hms(year, month, d, 0, 0, 0).unwrap();
    StageDates {
        application_start: day(1),
        application_deadline: day(4),
        exam_start: day(20),
        exam_end: day(22),
        result_announcement: day(28),
    }
}

fn qnet(certificate_id: i64, round: i32) -> QnetSchedule {
    QnetSchedule {
        certificate_id,
        exam_year: 2031,
        round,
        description: Some(format!("2031년 제{round}회")),
        written: stage(2031, 3),
        practical: Some(stage(2031, 6)),
    }
}

fn chunk(
    run_id: i64,
    position: &str,
    totals: JobCounts,
    writes: Vec<ScheduleWrite>,
    skips: Vec<ItemSkip>,
) -> ImportChunk {
    let writes = writes
        .into_iter()
        .map(|w| {
            let event = match &w {
                ScheduleWrite::Full(d) => PendingScheduleChange::of(d),
                ScheduleWrite::Qnet(q) => q.event(),
            };
            (w, event)
        })
        .collect();
    ImportChunk { run_id, position: position.into(), totals, writes, skips }
}

async fn contract(db: Db) {
    let now = Utc::now().trunc_subsecs(3);
    seed::demo(&db, now).await.unwrap();
    let runs = SqlJobRunRepository::new(db.clone());
    let store = SqlScheduleImportStore::new(db.clone());
    let params = serde_json::json!({"source": "qnet"});

    // One attempt per instance; ending it frees the instance.
    let RunClaim::Started(first) = runs.claim("import", "source=qnet", &params, "a:1", None, None, now).await.unwrap()
    else {
        panic!("the first claim wins")
    };
    assert_eq!(
        runs.claim("import", "source=qnet", &params, "b:2", None, None, now).await.unwrap(),
        RunClaim::Busy { run_id: first, node: "a:1".into() }
    );
    assert!(matches!(
        runs.claim("import", "source=file", &params, "b:2", None, None, now).await.unwrap(),
        RunClaim::Started(_)
    ));

    // A chunk: a whole schedule, two Q-Net schedules and a skip, with the checkpoint.
    assert!(store.set_series(3, Some("기사"), now).await.unwrap());
    assert!(!store.set_series(999, Some("기사"), now).await.unwrap());
    assert_eq!(store.certificates_in_series("기사").await.unwrap(), vec![1, 3], "the seed's 정보처리기사 and SQLD");
    let mut full = super::draft(2031, 4);
    full.certificate_id = 1;
    let skip = ItemSkip { key: "page 1 item 3".into(), reason: "docPassDt: is required".into() };
    let totals = JobCounts { read: 4, written: 2, skipped: 1 };
    let writes =
        vec![ScheduleWrite::Full(full.clone()), ScheduleWrite::Qnet(qnet(1, 1)), ScheduleWrite::Qnet(qnet(3, 1))];
    let outbox = SqlOutboxStore::new(db.clone());
    let events_before = cercat_common::outbox::OutboxStore::unsent_count(&outbox).await.unwrap();
    let committed = store.commit_chunk(&chunk(first, "1/10", totals, writes.clone(), vec![skip]), now).await.unwrap();
    let expected = Checkpoint { position: "1/10".into(), counts: JobCounts { read: 4, written: 5, skipped: 1 } };
    assert_eq!(committed, ChunkCommit::Committed(expected.clone()));
    assert_eq!(cercat_common::outbox::OutboxStore::unsent_count(&outbox).await.unwrap(), events_before + 3);
    let run = runs.find(first).await.unwrap().unwrap();
    assert_eq!(
        (run.checkpoint, run.counts, run.status),
        (Some(expected), JobCounts { read: 4, written: 5, skipped: 1 }, JobStatus::Running)
    );
    let skips = runs.skips(first, 10).await.unwrap();
    assert_eq!((skips[0].run_id, skips[0].key.as_str()), (first, "page 1 item 3"));
    // The same chunk again changes no row.
    let again = store.commit_chunk(&chunk(first, "1/10", totals, writes, vec![]), now).await.unwrap();
    assert!(matches!(again, ChunkCommit::Committed(c) if c.counts.written == 2));

    // A Q-Net write keeps what Q-Net does not give (fees, limits…).
    let schedules = SqlExamScheduleRepository::new(db.clone());
    let mut with_fees = super::draft(2031, 1);
    with_fees.certificate_id = 3;
    with_fees.exam_date = qnet(3, 1).written.exam_start;
    schedules.upsert(&with_fees, &PendingScheduleChange::of(&with_fees), now).await.unwrap();
    store
        .commit_chunk(&chunk(first, "2/10", JobCounts::default(), vec![ScheduleWrite::Qnet(qnet(3, 1))], vec![]), now)
        .await
        .unwrap();
    let stored =
        schedules.list(3).await.unwrap().into_iter().find(|s| s.draft.exam_year == 2031 && s.draft.round == 1).unwrap();
    assert_eq!(stored.draft.fees, with_fees.fees, "fees stay");
    assert_eq!(stored.draft.application_start, qnet(3, 1).written.application_start, "dates are Q-Net's");

    // Heartbeats, the sweep of silent runs, and the fence.
    assert!(runs.heartbeat(first, now).await.unwrap());
    assert!(runs.fail_stale(now - Duration::seconds(1), now).await.unwrap().is_empty(), "a run that beat stays");
    let stale = runs.fail_stale(now + Duration::seconds(1), now).await.unwrap();
    assert!(stale.iter().any(|s| s.id == first && s.node == "a:1"), "{stale:?}");
    let failed = runs.find(first).await.unwrap().unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    assert!(failed.error.unwrap().starts_with("node a:1 stopped heartbeating"));
    assert!(!runs.heartbeat(first, now).await.unwrap(), "a failed run's heartbeat is refused");
    let late = chunk(first, "9/10", JobCounts::default(), vec![ScheduleWrite::Qnet(qnet(1, 9))], vec![]);
    assert_eq!(store.commit_chunk(&late, now).await.unwrap(), ChunkCommit::Fenced);
    assert!(schedules.list(1).await.unwrap().iter().all(|s| s.draft.round != 9), "a fenced chunk writes nothing");
    assert!(!runs.finish(first, JobStatus::Succeeded, None, None, now).await.unwrap(), "nor does it finish");

    // The next attempt resumes, carrying the checkpoint it starts from.
    let from = failed.checkpoint.clone();
    let RunClaim::Started(second) =
        runs.claim("import", "source=qnet", &params, "b:2", Some(first), from.as_ref(), now).await.unwrap()
    else {
        panic!("the failed run released the instance")
    };
    let resumed = runs.find(second).await.unwrap().unwrap();
    assert_eq!((resumed.resumed_from, resumed.checkpoint, resumed.counts.written), (Some(first), from, 1));
    assert_eq!(runs.skips(second, 10).await.unwrap().len(), 1, "a run's skips include those it resumed");
    assert!(runs.finish(second, JobStatus::Succeeded, None, None, now).await.unwrap());
    assert_eq!(runs.latest_of("import", "source=qnet").await.unwrap().unwrap().id, second);

    // The daily quota.
    let quota = SqlCallQuota::new(db.clone());
    let day = NaiveDate::from_ymd_opt(2031, 1, 2).unwrap();
    assert_eq!(quota.try_take("q", day, 2).await.unwrap(), QuotaTake::Granted { used: 1 });
    assert_eq!(quota.try_take("q", day, 2).await.unwrap(), QuotaTake::Granted { used: 2 });
    assert_eq!(quota.try_take("q", day, 2).await.unwrap(), QuotaTake::Exhausted { used: 2 });
    assert_eq!(quota.try_take("q", day.succ_opt().unwrap(), 2).await.unwrap(), QuotaTake::Granted { used: 1 });
    assert_eq!((quota.used("q", day).await.unwrap(), quota.used("other", day).await.unwrap()), (2, 0));
    let racing: Vec<_> = (0..8)
        .map(|_| {
            let quota = quota.clone();
            tokio::spawn(async move { quota.try_take("race", day, 5).await.unwrap() })
        })
        .collect();
    let mut granted = 0;
    for task in racing {
        if matches!(task.await.unwrap(), QuotaTake::Granted { .. }) {
            granted += 1;
        }
    }
    assert_eq!(granted, 5, "concurrent callers never pass the limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_import_stores_keep_their_contract() {
    let dir = tempfile::tempdir().unwrap();
    contract(super::connect(&format!("sqlite://{}?mode=rwc", dir.path().join("i.db").display())).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_import_stores_keep_their_contract() {
    let database = cercat_testing::TestMysql::fresh().await;
    contract(super::connect(database.url()).await).await;
}

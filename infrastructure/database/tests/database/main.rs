//! Adapter tests: the same suite runs on SQLite (always) and on MariaDB (CI; needs the server).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cercat_certificate::{
    ExamFees, ExamScheduleDraft, ExamTimeLimits, UpsertOutcome, events::PendingScheduleChange, ports::*,
};
use cercat_common::{
    jobs::{JobCounts, JobRunRepository, JobStatus},
    outbox::OutboxStore,
    testkit::lease_contract,
};
use cercat_database::*;
use chrono::{Duration, TimeZone, Utc};
use std::sync::Arc;

mod community;
mod coupons;
mod imports;
mod market;
mod operators;
mod recommendations;
mod sessions;

async fn connect(url: &str) -> Db {
    let db = Db::connect(&DbOptions {
        url: url.to_owned(),
        max_connections: 8,
        connect_timeout: std::time::Duration::from_secs(5),
        query_timeout: std::time::Duration::from_secs(10),
    })
    .await
    .expect("connect");
    db.migrate_up().await.expect("migrate");
    db
}

fn draft(year: i32, round: i32) -> ExamScheduleDraft {
    let exam = Utc.with_ymd_and_hms(year, 3, 1, 0, 0, 0).unwrap() + Duration::days(i64::from(round) * 60);
    ExamScheduleDraft {
        certificate_id: 3,
        exam_year: year,
        round,
        application_start: exam - Duration::days(40),
        application_deadline: exam - Duration::days(30),
        exam_date: exam,
        result_announcement: exam + Duration::days(20),
        fees: ExamFees { written: Some(50_000), practical: None },
        time_limits: ExamTimeLimits { written_minutes: Some(90), practical_minutes: None },
        eligibility: Some("제한 없음".into()),
        description: None,
        exam_format: Some("객관식".into()),
    }
}

async fn suite(db: Db) {
    let now = Utc::now();
    // Seeding is idempotent.
    let first = seed::demo(&db, now).await.unwrap();
    assert_eq!(first.certificates_created, 3);
    assert!(first.schedules_written >= 6);
    assert_eq!(seed::demo(&db, now).await.unwrap(), seed::SeedReport::default(), "a second seed changes nothing");

    let certificates = SqlCertificateRepository::new(db.clone());
    let list = certificates.list().await.unwrap();
    assert_eq!(list.iter().map(|c| c.id).collect::<Vec<_>>(), vec![1, 2, 3]);
    let info = certificates.find(1).await.unwrap().unwrap();
    assert_eq!(info.name, "정보처리기사");
    assert_eq!(info.subjects.len(), 5);
    assert_eq!(info.max_score(), 500);
    assert!(info.subjects.windows(2).all(|w| w[0].sequence < w[1].sequence));
    assert_eq!(certificates.find(999).await.unwrap(), None);
    assert_eq!(certificates.find_id_by_name("SQLD").await.unwrap(), Some(3));

    let schedules = SqlExamScheduleRepository::new(db.clone());
    let next = schedules.next_from(1, now).await.unwrap().expect("the seed leaves an upcoming exam");
    assert!(next.draft.exam_date >= now);
    let outbox = SqlOutboxStore::new(db.clone());
    let before = outbox.unsent_count().await.unwrap();

    // Upsert: insert, unchanged, update — with one outbox event per real change.
    let d = draft(2030, 1);
    // Take the ring the seed left pending, so the one awaited below is the upsert's.
    let wake = outbox.written();
    let _ = tokio::time::timeout(std::time::Duration::from_millis(50), wake.rung()).await;
    assert_eq!(schedules.upsert(&d, &PendingScheduleChange::of(&d), now).await.unwrap(), UpsertOutcome::Inserted);
    tokio::time::timeout(std::time::Duration::from_secs(5), wake.rung())
        .await
        .expect("committing an outbox event rings the relay's signal");
    assert_eq!(schedules.upsert(&d, &PendingScheduleChange::of(&d), now).await.unwrap(), UpsertOutcome::Unchanged);
    let mut changed = d.clone();
    changed.fees.written = Some(55_000);
    assert_eq!(
        schedules.upsert(&changed, &PendingScheduleChange::of(&changed), now).await.unwrap(),
        UpsertOutcome::Updated
    );
    assert_eq!(outbox.unsent_count().await.unwrap(), before + 2);
    let stored = schedules.next_from(3, d.exam_date).await.unwrap().unwrap();
    assert_eq!(stored.draft, changed, "a schedule round-trips unchanged");
    assert_eq!(schedules.latest_before(3, d.exam_date + Duration::seconds(1)).await.unwrap().unwrap().id, stored.id);

    // A schedule for an unknown certificate is refused by the foreign key.
    let mut orphan = draft(2031, 1);
    orphan.certificate_id = 4242;
    assert!(schedules.upsert(&orphan, &PendingScheduleChange::of(&orphan), now).await.is_err());

    // Concurrent upserts of one new key: exactly one insert, one event.
    let hammer = draft(2032, 2);
    let count_before = outbox.unsent_count().await.unwrap();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let schedules = schedules.clone();
            let hammer = hammer.clone();
            tokio::spawn(
                async move { schedules.upsert(&hammer, &PendingScheduleChange::of(&hammer), Utc::now()).await },
            )
        })
        .collect();
    let mut inserted = 0;
    for task in tasks {
        match task.await.unwrap().expect("every concurrent upsert succeeds") {
            UpsertOutcome::Inserted => inserted += 1,
            UpsertOutcome::Unchanged => {}
            UpsertOutcome::Updated => panic!("identical drafts must not update"),
        }
    }
    assert_eq!(inserted, 1);
    assert_eq!(outbox.unsent_count().await.unwrap(), count_before + 1);

    // The outbox store: oldest first, sent rows leave, failures are recorded.
    let pending = outbox.unsent(1000).await.unwrap();
    assert!(pending.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(pending.last().unwrap().event.event_type, "ExamScheduleChanged");
    let head = &pending[0];
    outbox.mark_failed(head.seq, "kafka down", now + Duration::seconds(5)).await.unwrap();
    let again = outbox.unsent(1).await.unwrap();
    assert_eq!((again[0].seq, again[0].attempts), (head.seq, 1));
    assert!(again[0].next_attempt_at > now);
    outbox.mark_sent(&[head.seq], now).await.unwrap();
    assert_eq!(outbox.unsent_count().await.unwrap(), pending.len() as u64 - 1);

    // Job runs.
    let runs = SqlJobRunRepository::new(db.clone());
    let id = runs.start("exam-schedule-import", &serde_json::json!({"source": "x.csv"}), "node-1", now).await.unwrap();
    let counts = JobCounts { read: 10, written: 7, skipped: 3 };
    runs.finish(id, JobStatus::CompletedWithSkips, Some(counts), Some("line 4: bad date"), now).await.unwrap();
    runs.start("outbox-relay", &serde_json::json!({}), "node-1", now).await.unwrap();
    let recent = runs.recent(Some("exam-schedule-import"), 10).await.unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!((recent[0].status, recent[0].counts), (JobStatus::CompletedWithSkips, counts));
    assert_eq!(recent[0].params["source"], "x.csv");
    assert_eq!(runs.recent(None, 10).await.unwrap()[0].status, JobStatus::Running);

    // Admin writes: create, duplicate name, replace subjects, schedules, delete with cascade.
    let cert = cercat_certificate::CertificateDraft {
        name: "전기기사".into(),
        category: "전기".into(),
        subjects: vec![("전기자기학".into(), 20, 100), ("전력공학".into(), 20, 100)],
        pass_criteria: cercat_certificate::PassCriteria {
            subject_min_percent: 40,
            average_min_percent: 60,
            practical_min_score: Some(60),
        },
    };
    let id = certificates.create(&cert, now).await.unwrap();
    assert!(matches!(certificates.create(&cert, now).await, Err(cercat_common::PortError::Duplicate(_))));
    let mut renamed = cert.clone();
    renamed.subjects = vec![("회로이론".into(), 20, 100)];
    assert!(certificates.replace(id, &renamed, now).await.unwrap());
    assert_eq!(certificates.find(id).await.unwrap().unwrap().subjects.len(), 1);
    assert!(!certificates.replace(987_654, &renamed, now).await.unwrap());
    let mut sd = draft(2033, 1);
    sd.certificate_id = id;
    let sid = schedules.insert(&sd, &PendingScheduleChange::of(&sd), now).await.unwrap();
    assert!(matches!(
        schedules.insert(&sd, &PendingScheduleChange::of(&sd), now).await,
        Err(cercat_common::PortError::Duplicate(_))
    ));
    sd.fees.written = Some(1);
    assert!(schedules.replace(sid, &sd, &PendingScheduleChange::of(&sd), now).await.unwrap());
    assert_eq!(schedules.find(sid).await.unwrap().unwrap().draft.fees.written, Some(1));
    assert_eq!(schedules.list(id).await.unwrap().len(), 1);
    assert!(certificates.delete(id).await.unwrap());
    assert_eq!(schedules.find(sid).await.unwrap(), None, "schedules go with their certificate");
    assert!(!schedules.delete(sid).await.unwrap());

    // The SQL lease lock keeps the shared lease contract.
    lease_contract::run_all(Arc::new(SqlLeaseLock::new(db.clone())), "lease:").await;
    // Ended sessions, as the api and admin processes of embedded mode share them.
    cercat_user::testkit::revocations_contract(Arc::new(SqlSessionRevocations::new(db.clone())), "sid:").await;
    // Refresh tokens, as embedded mode keeps them: the same contract as Redis and memory.
    cercat_user::testkit::run_all(Arc::new(SqlRefreshStore::new(db.clone())), "rt:").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_adapters_keep_their_contracts() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("nested/cercat.db").display());
    suite(connect(&url).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_adapters_keep_their_contracts() {
    let database = cercat_testing::TestMysql::fresh().await;
    suite(connect(database.url()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_migrations_go_down_and_up_again() {
    let database = cercat_testing::TestMysql::fresh().await;
    let db = connect(database.url()).await;
    Migrator::down(db.conn(), None).await.unwrap();
    assert!(Migrator::get_applied_migrations(db.conn()).await.unwrap().is_empty());
    Migrator::up(db.conn(), None).await.unwrap();
    assert_eq!(Migrator::get_pending_migrations(db.conn()).await.unwrap().len(), 0);
}

/// Two programs migrating one fresh database at the same instant (separate pools, as two
/// processes have): both succeed and every migration is applied once.
async fn concurrent_migrations_serialise(url: &str) {
    let open = || async {
        Db::connect(&DbOptions {
            url: url.to_owned(),
            max_connections: 4,
            connect_timeout: std::time::Duration::from_secs(5),
            query_timeout: std::time::Duration::from_secs(5),
        })
        .await
        .expect("connect")
    };
    let (a, b, c) = (open().await, open().await, open().await);
    let (ra, rb, rc) = tokio::join!(a.migrate_up(), b.migrate_up(), c.migrate_up());
    assert!(ra.is_ok() && rb.is_ok() && rc.is_ok(), "every start migrates or waits: {ra:?} {rb:?} {rc:?}");
    assert_eq!(Migrator::get_pending_migrations(a.conn()).await.unwrap().len(), 0);
    let applied = Migrator::get_applied_migrations(a.conn()).await.unwrap().len();
    assert_eq!(applied, Migrator::migrations().len(), "each migration is recorded once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_migrations_started_together_serialise() {
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        concurrent_migrations_serialise(&format!("sqlite://{}/cercat.db?mode=rwc", dir.path().display())).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_migrations_started_together_serialise() {
    for _ in 0..3 {
        let database = cercat_testing::TestMysql::fresh().await;
        concurrent_migrations_serialise(database.url()).await;
    }
}

/// Counts deliveries per recipient, slowly (a send takes a few milliseconds, as SMTP does).
#[derive(Default)]
struct CountingMailer(std::sync::Mutex<std::collections::HashMap<String, u32>>);

#[async_trait::async_trait]
impl cercat_common::mail::Mailer for CountingMailer {
    async fn send(&self, mail: &cercat_common::mail::Mail) -> Result<(), cercat_common::mail::SendError> {
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        if mail.to.starts_with("refused") {
            return Err(cercat_common::mail::SendError::Rejected("550 no such mailbox".into()));
        }
        *self.0.lock().unwrap().entry(mail.to.clone()).or_default() += 1;
        Ok(())
    }
}

/// Three dispatchers (each over its own pool, as three `batch serve` nodes have) drain one
/// mail queue at once: every mail is sent exactly once, and one refused for good is given up
/// on and never tried again.
async fn mail_is_sent_once_by_racing_dispatchers(url: &str) {
    use cercat_common::mail::{Mail, MailDispatcher, MailQueue};
    let open = || async {
        Db::connect(&DbOptions {
            url: url.to_owned(),
            max_connections: 4,
            connect_timeout: std::time::Duration::from_secs(5),
            query_timeout: std::time::Duration::from_secs(10),
        })
        .await
        .expect("connect")
    };
    let first = open().await;
    first.migrate_up().await.unwrap();
    let now = Utc::now();
    for i in 0..40 {
        let mail = Mail { to: format!("user{i}@example.com"), subject: "s".into(), body: "b".into() };
        enqueue_mail(first.conn(), &mail, now).await.unwrap();
    }
    let refused = Mail { to: "refused@example.com".into(), subject: "s".into(), body: "b".into() };
    enqueue_mail(first.conn(), &refused, now).await.unwrap();
    let mailer = Arc::new(CountingMailer::default());
    let mut dispatchers = Vec::new();
    for _ in 0..3 {
        let queue = Arc::new(SqlMailQueue::new(open().await));
        dispatchers.push(MailDispatcher::new(queue, mailer.clone(), Arc::new(cercat_common::clock::SystemClock), 100));
    }
    let reports = futures::future::join_all(dispatchers.iter().map(MailDispatcher::dispatch_once)).await;
    let reports: Vec<_> = reports.into_iter().map(Result::unwrap).collect();
    let counts = mailer.0.lock().unwrap().clone();
    assert_eq!(counts.len(), 40, "every mail went out");
    assert!(counts.values().all(|n| *n == 1), "no mail went out twice: {counts:?}");
    assert_eq!(reports.iter().map(|r| r.sent).sum::<u64>(), 40, "{reports:?}");
    assert_eq!(reports.iter().map(|r| r.rejected).sum::<u64>(), 1, "{reports:?}");
    let queue = SqlMailQueue::new(first);
    assert_eq!(queue.unsent_count().await.unwrap(), 0, "the refused mail is given up on, not pending");
    let later = Utc::now() + Duration::days(2);
    assert!(queue.due(later, 100).await.unwrap().is_empty(), "and never due again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_mail_is_sent_once_by_racing_dispatchers() {
    let dir = tempfile::tempdir().unwrap();
    mail_is_sent_once_by_racing_dispatchers(&format!("sqlite://{}/cercat.db?mode=rwc", dir.path().display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_mail_is_sent_once_by_racing_dispatchers() {
    let database = cercat_testing::TestMysql::fresh().await;
    mail_is_sent_once_by_racing_dispatchers(database.url()).await;
}

#[tokio::test]
async fn an_unreachable_database_times_out_as_unavailable() {
    let started = std::time::Instant::now();
    let err = Db::connect(&DbOptions {
        url: "mysql://root@127.0.0.1:1/none".into(),
        max_connections: 1,
        connect_timeout: std::time::Duration::from_millis(500),
        query_timeout: std::time::Duration::from_millis(500),
    })
    .await
    .expect_err("nothing listens on port 1");
    assert_eq!(err.kind(), cercat_common::ErrorKind::Unavailable);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interest_certificates_are_replaced_whole_with_an_event() {
    use cercat_certificate::{InterestPriority, ports::InterestRepository};
    use cercat_user::ports::UserRepository;
    let dir = tempfile::tempdir().unwrap();
    let db = connect(&format!("sqlite://{}?mode=rwc", dir.path().join("i.db").display())).await;
    seed::demo(&db, Utc::now()).await.unwrap();
    let users = SqlUserRepository::new(db.clone());
    let user = users
        .create(
            &cercat_user::model::NewUser {
                email: cercat_user::Email::parse("i@example.com").unwrap(),
                nickname: cercat_user::Nickname::parse("관심").unwrap(),
                role: cercat_user::Role::User,
                password_hash: None,
                oauth: None,
            },
            Utc::now(),
        )
        .await
        .unwrap();
    let interests = SqlInterestRepository::new(db.clone());
    let outbox = SqlOutboxStore::new(db.clone());
    let before = outbox.unsent_count().await.unwrap();
    let chosen = [(3, InterestPriority::Low), (1, InterestPriority::High)];
    let event = cercat_certificate::events::CertificateEvent::interests_replaced(user.id, &chosen);
    interests.replace_all(user.id, &chosen, &event, Utc::now()).await.unwrap();
    let got = interests.list(user.id).await.unwrap();
    assert_eq!(
        got.iter().map(|i| (i.certificate.id, i.priority)).collect::<Vec<_>>(),
        vec![(1, InterestPriority::High), (3, InterestPriority::Low)]
    );
    let chosen = [(2, InterestPriority::Normal)];
    let event = cercat_certificate::events::CertificateEvent::interests_replaced(user.id, &chosen);
    interests.replace_all(user.id, &chosen, &event, Utc::now()).await.unwrap();
    assert_eq!(interests.list(user.id).await.unwrap().len(), 1);
    assert_eq!(outbox.unsent_count().await.unwrap(), before + 2, "each replacement records one event");
}

/// A fresh SQLite database in `dir`, migrated and seeded with the demo data.
async fn seeded_sqlite(dir: &tempfile::TempDir) -> Db {
    let db = connect(&format!("sqlite://{}?mode=rwc", dir.path().join("cercat.db").display())).await;
    seed::demo(&db, Utc::now()).await.unwrap();
    db
}

/// A fresh MariaDB database, migrated and seeded with the demo data (kept while the guard lives).
async fn seeded_mariadb() -> (cercat_testing::TestMysql, Db) {
    let database = cercat_testing::TestMysql::fresh().await;
    let db = connect(database.url()).await;
    seed::demo(&db, Utc::now()).await.unwrap();
    (database, db)
}

/// `n` new user accounts; their ids.
async fn accounts(db: &Db, tag: &str, n: usize) -> Vec<i64> {
    use cercat_user::ports::UserRepository;
    let users = SqlUserRepository::new(db.clone());
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let user = users
            .create(
                &cercat_user::model::NewUser {
                    email: cercat_user::Email::parse(&format!("{tag}{i}@example.com")).unwrap(),
                    nickname: cercat_user::Nickname::parse(&format!("{tag}{i}")).unwrap(),
                    role: cercat_user::Role::User,
                    password_hash: None,
                    oauth: None,
                },
                Utc::now(),
            )
            .await
            .unwrap();
        ids.push(user.id);
    }
    ids
}

/// The result repository's contract, on the seeded demo exam (certificate 1's first exam).
async fn results_keep_their_contract(db: Db) {
    use cercat_mockexam::ports::MockExamRepository;
    let exams = SqlMockExamRepository::new(db.clone());
    let exam = exams.list(1, None).await.unwrap().into_iter().next().expect("the seed has a mock exam");
    let questions = exams.questions(exam.id).await.unwrap();
    let users = accounts(&db, "result", 2).await;
    let fixture = cercat_mockexam::testkit::ResultFixture { exam, questions, user: users[0], other: users[1] };
    let outbox = SqlOutboxStore::new(db.clone());
    cercat_mockexam::testkit::run_all(Arc::new(SqlResultRepository::new(db)), &outbox, fixture).await;
}

/// The seat ledger's contract, with courses of certificate 1.
async fn seat_ledger_keeps_its_contract(db: Db) {
    let mut users = accounts(&db, "ledger", 9).await;
    let instructor = users.remove(0);
    let fixture = cercat_course::testkit::ledger::LedgerFixture { instructor, certificate: 1, students: users };
    let ledger = Arc::new(SqlSeatLedger::new(db.clone()));
    cercat_course::testkit::ledger::run_all(ledger, Arc::new(SqlCourseRepository::new(db)), fixture).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_results_keep_their_contract() {
    let dir = tempfile::tempdir().unwrap();
    results_keep_their_contract(seeded_sqlite(&dir).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_results_keep_their_contract() {
    let (_database, db) = seeded_mariadb().await;
    results_keep_their_contract(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_seat_ledger_keeps_its_contract() {
    let dir = tempfile::tempdir().unwrap();
    seat_ledger_keeps_its_contract(seeded_sqlite(&dir).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_seat_ledger_keeps_its_contract() {
    let (_database, db) = seeded_mariadb().await;
    seat_ledger_keeps_its_contract(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_idempotency_keys_keep_their_contract() {
    let dir = tempfile::tempdir().unwrap();
    let db = connect(&format!("sqlite://{}?mode=rwc", dir.path().join("cercat.db").display())).await;
    cercat_common::testkit::idempotency_contract::run_all(Arc::new(SqlIdempotencyStore::new(db)), "u1:POST /x").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_idempotency_keys_keep_their_contract() {
    let database = cercat_testing::TestMysql::fresh().await;
    let db = connect(database.url()).await;
    cercat_common::testkit::idempotency_contract::run_all(Arc::new(SqlIdempotencyStore::new(db)), "u1:POST /x").await;
}

//! The real `cercat-batch` binary importing from the local fake of Q-Net into embedded SQLite,
//! killed with SIGKILL at ten or more random points and restarted each time: the final
//! schedules equal a clean run's, with no duplicate rows or events, and the history shows the
//! chain FAILED → … → SUCCEEDED, each attempt resuming the one before. No timing is asserted:
//! the kill points are delays, and a restart that finds the killed run still fresh (its
//! heartbeats not yet overdue) simply tries again.

use cercat_bootstrap::Services;
use cercat_config::{Profile, Settings};
use cercat_testing::qnet::{FakeQnet, rounds};
use sea_orm::{ConnectionTrait, Statement};
use std::{
    path::Path,
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

const JOB: &str = "exam-schedule-import";
const ROUNDS: usize = 1200;
const KILLS: usize = 10;

/// Seeds the demo certificates in `dir`'s database and makes 정보처리기사 (1) and SQLD (3)
/// follow 기사.
async fn seed(dir: &Path) {
    let mut s = Settings::defaults(Profile::Embedded);
    s.data_dir = dir.to_path_buf();
    let services = Services::connect(&s.resolve().unwrap()).await.unwrap();
    services.seed_demo().await.unwrap();
    services.schedule_import.set_series(3, Some("기사")).await.unwrap();
}

fn batch(dir: &Path, qnet: &FakeQnet, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cercat-batch"));
    cmd.args(args)
        .env("CERCAT_PROFILE", "embedded")
        .env("CERCAT_CONFIG_DIR", dir.join("no-config"))
        .env("CERCAT__DATA_DIR", dir)
        .env("CERCAT__LOG__LEVEL", "warn")
        .env("CERCAT__LOG__FORMAT", "json")
        .env("CERCAT__BATCH__QNET_BASE_URL", qnet.url())
        .env("CERCAT__BATCH__QNET_SERVICE_KEY", "kill-test-key")
        .env("CERCAT__BATCH__QNET_PAGE_SIZE", "10")
        .env("CERCAT__BATCH__QNET_BACKOFF_MS", "5")
        .env("CERCAT__BATCH__QNET_DAILY_QUOTA", "100000")
        .env("CERCAT__BATCH__HEARTBEAT_INTERVAL_MS", "200")
        .env("CERCAT__BATCH__HEARTBEAT_TIMEOUT_MS", "1000")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn import(dir: &Path, qnet: &FakeQnet) -> Command {
    batch(dir, qnet, &["run", JOB, "--param", "source=qnet"])
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Runs the import to its end, retrying while the instance is still held by a killed run
/// whose heartbeats are not yet overdue.
fn run_to_completion(dir: &Path, qnet: &FakeQnet) -> String {
    for _ in 0..60 {
        let out = import(dir, qnet).output().unwrap();
        let said = text(&out);
        if said.contains("is running as run #") {
            std::thread::sleep(Duration::from_millis(300));
            continue;
        }
        assert!(out.status.success(), "the import ends well: {said}");
        return said;
    }
    panic!("the killed run was never taken for dead");
}

/// A small deterministic generator (the kill points differ per seed, not per machine).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// Every schedule (without ids and write times), the number of schedule events, and the
/// imported runs as (id, status, resumed_from, read, written, skipped).
struct Snapshot {
    schedules: Vec<String>,
    distinct_keys: i64,
    events: i64,
    runs: Vec<(i64, String, Option<i64>, i64, i64, i64)>,
}

async fn snapshot(dir: &Path) -> Snapshot {
    let mut s = Settings::defaults(Profile::Embedded);
    s.data_dir = dir.to_path_buf();
    let services = Services::connect(&s.resolve().unwrap()).await.unwrap();
    let db = services.adapters().db.conn();
    let query = |sql: &str| db.query_all_raw(Statement::from_string(db.get_database_backend(), sql.to_owned()));
    let schedules = query(
        "SELECT certificate_id || '|' || exam_year || '|' || round || '|' || application_start_at || '|' || \
         application_deadline_at || '|' || exam_at || '|' || COALESCE(exam_end_at, '') || '|' || result_announced_at \
         || '|' || COALESCE(practical_exam_start_at, '') || '|' || COALESCE(practical_result_announced_at, '') || '|' \
         || COALESCE(description, '') AS line FROM exam_schedules ORDER BY certificate_id, exam_year, round",
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get::<String>("", "line").unwrap())
    .collect();
    let one = |sql: &'static str| async move {
        let rows = query(sql).await.unwrap();
        rows[0].try_get::<i64>("", "n").unwrap()
    };
    let distinct_keys =
        one("SELECT COUNT(*) AS n FROM (SELECT DISTINCT certificate_id, exam_year, round FROM exam_schedules)").await;
    let events = one("SELECT COUNT(*) AS n FROM outbox_events WHERE event_type = 'ExamScheduleChanged'").await;
    let runs = query(&format!(
        "SELECT id, status, resumed_from, read_count, write_count, skip_count FROM job_runs WHERE job = '{JOB}' ORDER BY id"
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.try_get("", "id").unwrap(),
            r.try_get("", "status").unwrap(),
            r.try_get("", "resumed_from").unwrap(),
            r.try_get("", "read_count").unwrap(),
            r.try_get("", "write_count").unwrap(),
            r.try_get("", "skip_count").unwrap(),
        )
    })
    .collect();
    Snapshot { schedules, distinct_keys, events, runs }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "spawns and SIGKILLs cercat-batch a dozen times (about half a minute); CI runs it"]
async fn an_import_killed_at_random_points_ends_as_a_clean_run_does() {
    let fake = FakeQnet::start(rounds(ROUNDS)).await;
    fake.set_delay(Duration::from_millis(25));

    let clean_dir = tempfile::tempdir().unwrap();
    seed(clean_dir.path()).await;
    let dir = clean_dir.path().to_path_buf();
    let fake_clean = fake.clone();
    let started = Instant::now();
    let said = tokio::task::spawn_blocking(move || run_to_completion(&dir, &fake_clean)).await.unwrap();
    let clean_took = started.elapsed();
    assert!(said.contains("SUCCEEDED"), "{said}");
    let clean = snapshot(clean_dir.path()).await;

    let kill_dir = tempfile::tempdir().unwrap();
    seed(kill_dir.path()).await;
    let dir = kill_dir.path().to_path_buf();
    let fake_kill = fake.clone();
    // Kill points spread over the first part of a clean run, so ten of them land before the
    // import could finish even though each attempt moves it on.
    let spread = (clean_took.as_millis() as u64 / 8).clamp(200, 3000);
    let (kills, final_said) = tokio::task::spawn_blocking(move || {
        let mut random = Lcg(0x5eed_cafe);
        let mut kills = 0;
        for _ in 0..KILLS * 6 {
            if kills == KILLS {
                break;
            }
            let mut child = import(&dir, &fake_kill).spawn().unwrap();
            std::thread::sleep(Duration::from_millis(100 + random.below(spread)));
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap(); // SIGKILL
                let _ = child.wait();
                kills += 1;
                // Past the heartbeat timeout, the next start takes the killed run for dead.
                std::thread::sleep(Duration::from_millis(1100));
            } else {
                // It ended first (finished, or found the killed run still fresh): go on.
                let _ = child.wait_with_output();
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        (kills, run_to_completion(&dir, &fake_kill))
    })
    .await
    .unwrap();
    assert_eq!(kills, KILLS, "every kill point landed while the import ran");
    assert!(final_said.contains("SUCCEEDED"), "{final_said}");

    let killed = snapshot(kill_dir.path()).await;
    assert_eq!(killed.schedules.len(), clean.schedules.len());
    assert_eq!(killed.schedules, clean.schedules, "the final table equals a clean run's");
    assert_eq!(killed.distinct_keys as usize, killed.schedules.len(), "no duplicate schedule");
    assert_eq!(killed.events, clean.events, "each change recorded one event, as in the clean run");
    let (last, before) = killed.runs.split_last().unwrap();
    let clean_run = clean.runs.last().unwrap();
    assert_eq!(last.1, "SUCCEEDED");
    assert_eq!((last.3, last.4, last.5), (clean_run.3, clean_run.4, clean_run.5), "the instance's totals");
    assert_eq!(last.3, ROUNDS as i64);
    assert!(before.len() >= 2, "attempts were recorded before the last: {:?}", killed.runs);
    assert!(before.iter().all(|r| r.1 == "FAILED"), "FAILED → … → SUCCEEDED: {:?}", killed.runs);
    for pair in killed.runs.windows(2) {
        assert_eq!(pair[1].2, Some(pair[0].0), "each attempt resumed the one before: {:?}", killed.runs);
    }

    let dir = kill_dir.path().to_path_buf();
    let shown = tokio::task::spawn_blocking(move || {
        text(&batch(&dir, &fake, &["history", "--job", JOB, "--limit", "100"]).output().unwrap())
    })
    .await
    .unwrap();
    assert!(shown.contains("stopped heartbeating") && shown.contains("SUCCEEDED"), "{shown}");
}

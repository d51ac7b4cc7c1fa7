//! The enrollment-surge benchmark's load generator (run by `bench/course_surge.sh`).
//!
//! Reads the same settings as the api under test (`CERCAT__…` environment), so it shares its
//! database and JWT secret: it seeds `USERS` students and mints their tokens. Then, over HTTP
//! against `BASE`:
//! 1. every student enrolls at once in a `CAPACITY`-seat course without a waiting room;
//! 2. every student joins the waiting room of another such course admitting `RATE` a second,
//!    polls `queue/me` as `Retry-After` says, and enrolls with the admission token.
//!
//! Then, in the same run, the seat-hold step alone is raced by `USERS` attempts against fresh
//! courses three ways: the service's hold (seat gate, then the conditional
//! `UPDATE … WHERE seats_taken < capacity` for those it admits), the conditional UPDATE alone,
//! and the original Spring system's `SELECT … FOR UPDATE` transaction. Prints a Markdown report.
//!
//! With a fifth argument, every student then waits in a slow room and a `wrk` script polling
//! their positions is written to that path.
//!
//! Usage: `course_surge BASE USERS CAPACITY RATE [POLL_SCRIPT]`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use cercat_bootstrap::Services;
use cercat_course::{
    CourseDraft, HoldOutcome,
    ports::{NewHold, SeatLedger},
};
use cercat_database::SqlSeatLedger;
use cercat_user::Role;
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use tokio::sync::Semaphore;

#[derive(Default)]
struct Samples {
    join: Vec<f64>,
    poll: Vec<f64>,
    enroll: Vec<f64>,
    errors: Vec<String>,
    admitted_at: Vec<f64>,
    polled_at: Vec<f64>,
    enrolled_at: Vec<f64>,
    holds: u32,
    sold_out: u32,
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn draft(capacity: u32, room: Option<u32>) -> CourseDraft {
    let now = chrono::Utc::now();
    CourseDraft {
        title: format!("bench surge {}", uuid::Uuid::new_v4().simple()),
        description: "enrollment surge benchmark".into(),
        certificate_id: 1,
        capacity,
        price: 99_000,
        opens_at: now - chrono::Duration::minutes(1),
        closes_at: now + chrono::Duration::hours(1),
        waiting_room: room.is_some(),
        admission_rate: room,
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:18090".into());
    let users: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let capacity: u32 = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(50);
    let rate: u32 = args.get(4).and_then(|v| v.parse().ok()).unwrap_or(5_000);
    let settings = cercat_config::Settings::load().expect("settings");
    let services = Services::connect(&settings).await.expect("infrastructure");

    let tag = format!("b{}x", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let ids = cercat_database::seed::load_students(&services.adapters().db, &tag, users + 1, chrono::Utc::now())
        .await
        .unwrap();
    let now = chrono::Utc::now().timestamp();
    let token = |id: i64, role: Role| {
        services.adapters().jwt.issue(id, role, &uuid::Uuid::new_v4().simple().to_string(), now).unwrap()
    };
    let tokens: Vec<String> = ids[..users].iter().map(|id| token(*id, Role::User)).collect();
    let instructor = ids[users];

    rush(&services, instructor, &tokens, &base, capacity, None).await;
    rush(&services, instructor, &tokens, &base, capacity, Some(rate)).await;
    hold_step(&services, instructor, &ids[..users], capacity).await;
    if let Some(script) = args.get(5) {
        poll_script(&services, instructor, &ids[..users], &tokens, script).await;
    }
}

/// Every student waits in the room of a course admitting one a second; writes a `wrk` script
/// polling their positions in turn (`bench/course_surge.sh` runs it: the poll capacity).
async fn poll_script(services: &Services, instructor: i64, students: &[i64], tokens: &[String], path: &str) {
    let courses = services.courses.clone();
    let course = courses.create(instructor, draft(50, Some(1))).await.unwrap().id;
    for &student in students {
        courses.join_queue(student, course).await.unwrap();
    }
    let list: Vec<String> = tokens.iter().map(|t| format!("\"Bearer {t}\"")).collect();
    let lua = format!(
        "local tokens = {{ {} }}\nlocal i = 0\nrequest = function()\n  i = i % #tokens + 1\n  return wrk.format(\"GET\", \"/api/v2/courses/{course}/queue/me\", {{ [\"Access-Token\"] = tokens[i] }})\nend\n",
        list.join(", ")
    );
    std::fs::write(path, lua).unwrap();
}

/// Every student rushes one course over HTTP (through its waiting room if `room`).
async fn rush(services: &Services, instructor: i64, tokens: &[String], base: &str, capacity: u32, room: Option<u32>) {
    let courses = services.courses.clone();
    let users = tokens.len();
    let course = courses.create(instructor, draft(capacity, room)).await.unwrap().id;
    // At most this many requests in flight (the client side of 10,000 people on one machine).
    let gate = Arc::new(Semaphore::new(512));
    let client = reqwest::Client::builder().pool_max_idle_per_host(512).build().unwrap();
    let samples = Arc::new(Mutex::new(Samples::default()));
    let start = Instant::now();
    let tasks = tokens.iter().cloned().map(|t| {
        let (gate, client, samples, base) = (gate.clone(), client.clone(), samples.clone(), base.to_owned());
        tokio::spawn(async move {
            let call = |method: reqwest::Method, path: String, admission: Option<String>| {
                let (gate, client, t) = (gate.clone(), client.clone(), t.clone());
                async move {
                    let _permit = gate.acquire().await.unwrap();
                    let mut req = client.request(method, path).header("Access-Token", format!("Bearer {t}"));
                    if let Some(a) = admission {
                        req = req.header("Admission-Token", a);
                    }
                    let began = Instant::now();
                    let res = req.timeout(Duration::from_secs(30)).send().await;
                    let ms = began.elapsed().as_secs_f64() * 1000.0;
                    match res {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let body: serde_json::Value = r.json().await.unwrap_or_default();
                            (ms, status, body)
                        }
                        Err(e) => (ms, 0, serde_json::json!({ "error": e.to_string() })),
                    }
                }
            };
            let admission = if room.is_some() {
                let queue = format!("{base}/api/v2/courses/{course}/queue");
                let (ms, status, mut body) = call(reqwest::Method::POST, queue.clone(), None).await;
                samples.lock().unwrap().join.push(ms);
                if status != 200 {
                    samples.lock().unwrap().errors.push(format!("join {status} {body}"));
                    return;
                }
                Some(loop {
                    if let Some(token) = body["result"]["admissionToken"].as_str() {
                        samples.lock().unwrap().admitted_at.push(start.elapsed().as_secs_f64());
                        break token.to_owned();
                    }
                    let wait = body["result"]["retryAfterSeconds"].as_u64().unwrap_or(1).clamp(1, 10);
                    tokio::time::sleep(Duration::from_secs(wait)).await;
                    let (ms, status, b) = call(reqwest::Method::GET, format!("{queue}/me"), None).await;
                    {
                        let mut s = samples.lock().unwrap();
                        s.poll.push(ms);
                        s.polled_at.push(start.elapsed().as_secs_f64());
                    }
                    if status != 200 {
                        samples.lock().unwrap().errors.push(format!("poll {status} {b}"));
                        if status != 503 {
                            return;
                        }
                    }
                    body = b;
                })
            } else {
                None
            };
            let path = format!("{base}/api/v2/courses/{course}/enrollments");
            let (ms, status, body) = call(reqwest::Method::POST, path, admission).await;
            let mut s = samples.lock().unwrap();
            s.enroll.push(ms);
            s.enrolled_at.push(start.elapsed().as_secs_f64());
            match (status, body["responseCode"].as_str()) {
                (201, _) => s.holds += 1,
                (409, Some("CRS_005")) => s.sold_out += 1,
                _ => s.errors.push(format!("enroll {status} {body}")),
            }
        })
    });
    futures::future::join_all(tasks).await;
    let total = start.elapsed().as_secs_f64();
    let report = courses.verify(course).await.unwrap();

    let mut s = Arc::try_unwrap(samples).ok().unwrap().into_inner().unwrap();
    let span = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        (v.first().copied().unwrap_or(0.0), v.last().copied().unwrap_or(0.0))
    };
    let per_sec = |v: &mut Vec<f64>| {
        let (a, b) = span(v);
        (v.len(), b - a, v.len() as f64 / (b - a).max(0.001))
    };
    match room {
        None => println!("### End to end over HTTP: {users} students, one {capacity}-seat course, no waiting room\n"),
        Some(rate) => {
            println!("### End to end over HTTP: {users} students, one {capacity}-seat course, room at {rate}/s\n")
        }
    }
    println!("| measure | value |\n|---|---|");
    println!("| wall time | {total:.1} s |");
    if room.is_some() {
        let (n, secs, rate) = per_sec(&mut s.admitted_at);
        println!("| admitted | {n} in {secs:.1} s → **{rate:.0} admitted/s** |");
        let (n, secs, rate) = per_sec(&mut s.polled_at);
        println!("| position polls | {n} in {secs:.1} s → **{rate:.0} polls/s** |");
    }
    let (n, secs, rate) = per_sec(&mut s.enrolled_at);
    println!("| enroll answers | {n} in {secs:.1} s → **{rate:.0} enrollments answered/s** |");
    println!("| holds / sold out | {} / {} |", s.holds, s.sold_out);
    println!(
        "| errors | {} {} |",
        s.errors.len(),
        s.errors.first().map(|e| format!("(first: `{}`)", e.chars().take(120).collect::<String>())).unwrap_or_default()
    );
    println!(
        "| invariant | {} (pending {}, seat counter {}) |",
        if report.holds() { "holds" } else { "BROKEN" },
        report.pending,
        report.seats_taken
    );
    println!();
    println!("| call | n | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|");
    for (name, v) in [
        ("join (POST …/queue)", &mut s.join),
        ("poll (GET …/queue/me)", &mut s.poll),
        ("enroll (POST …/enrollments)", &mut s.enroll),
    ] {
        if v.is_empty() {
            continue;
        }
        let n = v.len();
        let (p50, p99) = (pct(v, 0.5), pct(v, 0.99));
        println!("| {name} | {n} | {p50:.1} | {p99:.1} | {:.1} |", v.last().copied().unwrap_or(0.0));
    }
    println!();
}

/// The hold step alone, same concurrency, three ways, each on a fresh course.
async fn hold_step(services: &Services, instructor: i64, students: &[i64], capacity: u32) {
    let users = students.len();
    let courses = services.courses.clone();
    println!("### The seat-hold step alone: {users} concurrent attempts on {capacity} seats, 64 at a time\n");
    println!("| implementation | attempts/s | p50 ms | p99 ms | holds | invariant |\n|---|---|---|---|---|---|");
    let ledger = Arc::new(SqlSeatLedger::new(services.adapters().db.clone()));
    let mut rates = Vec::new();
    for way in [
        "seat gate, then conditional UPDATE (Cercat's service)",
        "conditional UPDATE alone",
        "SELECT … FOR UPDATE (Spring baseline)",
    ] {
        let course = courses.create(instructor, draft(capacity, None)).await.unwrap().id;
        let gate = Arc::new(Semaphore::new(64));
        let began = Instant::now();
        let attempts = students.iter().map(|&user| {
            let (gate, ledger, db, courses) =
                (gate.clone(), ledger.clone(), services.adapters().db.clone(), courses.clone());
            tokio::spawn(async move {
                let _permit = gate.acquire().await.unwrap();
                let t = Instant::now();
                let now = chrono::Utc::now();
                let held = if way.starts_with("seat gate") {
                    courses.enroll(user, course, None, &[]).await.is_ok()
                } else if way.starts_with("conditional") {
                    let hold = NewHold {
                        course_id: course,
                        user_id: user,
                        amount: 99_000,
                        coupons: Vec::new(),
                        order_id: format!("bench-{}", uuid::Uuid::new_v4().simple()),
                        status: cercat_course::EnrollmentStatus::PendingPayment,
                        deadline: now + chrono::Duration::minutes(30),
                        at: now,
                    };
                    matches!(ledger.try_hold(&hold).await.unwrap(), HoldOutcome::Held(_))
                } else {
                    select_for_update_hold(&db, course, user).await
                };
                (t.elapsed().as_secs_f64() * 1000.0, held)
            })
        });
        let results: Vec<(f64, bool)> =
            futures::future::join_all(attempts).await.into_iter().map(|r| r.unwrap()).collect();
        let secs = began.elapsed().as_secs_f64();
        let holds = results.iter().filter(|r| r.1).count();
        let mut ms: Vec<f64> = results.iter().map(|r| r.0).collect();
        let report = courses.verify(course).await.unwrap();
        rates.push(users as f64 / secs);
        println!(
            "| {way} | {:.0} | {:.1} | {:.1} | {holds} | {} |",
            users as f64 / secs,
            pct(&mut ms, 0.5),
            pct(&mut ms, 0.99),
            if report.holds() { "holds" } else { "BROKEN" }
        );
    }
    println!(
        "\nThe service's hold against `SELECT … FOR UPDATE` in this run: **{:.1}×**; against the conditional UPDATE \
         alone (the hold step before the seat gate): **{:.1}×**.",
        rates[0] / rates[2],
        rates[0] / rates[1]
    );
}

/// The original system's way: lock the course row, count, insert, bump, commit.
async fn select_for_update_hold(db: &cercat_database::Db, course: i64, user: i64) -> bool {
    let backend = db.backend();
    let conn = db.conn();
    let txn = conn.begin().await.unwrap();
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT seats_taken, capacity FROM courses WHERE id = ? FOR UPDATE",
            [course.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    let taken: i32 = row.try_get("", "seats_taken").unwrap();
    let capacity: i32 = row.try_get("", "capacity").unwrap();
    if taken >= capacity {
        txn.rollback().await.unwrap();
        return false;
    }
    let now = chrono::Utc::now();
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        "INSERT INTO enrollments (course_id, user_id, status, live, amount, order_id, hold_deadline, refund_due, created_at, updated_at) \
         VALUES (?, ?, 'PENDING_PAYMENT', 1, 99000, ?, ?, 0, ?, ?)",
        [
            course.into(),
            user.into(),
            format!("base-{}", uuid::Uuid::new_v4().simple()).into(),
            (now + chrono::Duration::minutes(30)).into(),
            now.into(),
            now.into(),
        ],
    ))
    .await
    .unwrap();
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        "UPDATE courses SET seats_taken = seats_taken + 1 WHERE id = ?",
        [course.into()],
    ))
    .await
    .unwrap();
    txn.commit().await.unwrap();
    true
}

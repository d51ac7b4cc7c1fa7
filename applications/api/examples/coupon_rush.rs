//! The first-come coupon benchmark's load generator (run by `bench/coupon_rush.sh`).
//!
//! Reads the same settings as the api under test (`CERCAT__…` environment), so it shares its
//! database, Redis and JWT secret: it seeds `USERS` students, a coupon and a first-come event
//! of `QUANTITY` copies, mints the students' tokens, and then every student clicks "claim"
//! `CLICKS` times at once over HTTP against `BASE` (at most `INFLIGHT` requests in flight). It counts
//! the copies committed in the database and checks that every 201 is one of them. Then, in the
//! same run, the naive baseline — count the copies, then insert one, in one transaction, as a
//! check-then-act system does — takes the same clicks against the database directly. Prints a
//! Markdown report.
//!
//! Usage: `coupon_rush BASE USERS CLICKS QUANTITY INFLIGHT`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use cercat_bootstrap::Services;
use cercat_coupon::{
    CouponScope,
    service::{CouponDraft, DraftKind},
};
use cercat_user::Role;
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use tokio::sync::Semaphore;

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[derive(Default)]
struct Tally {
    ms: Vec<f64>,
    issued: Vec<i64>,
    sold_out: u32,
    again: u32,
    errors: Vec<String>,
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:18091".into());
    let users: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let clicks: usize = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(3);
    let quantity: u32 = args.get(4).and_then(|v| v.parse().ok()).unwrap_or(1_000);
    let in_flight: usize = args.get(5).and_then(|v| v.parse().ok()).unwrap_or(64);
    let settings = cercat_config::Settings::load().expect("settings");
    let services = Services::connect(&settings).await.expect("services");
    let db = services.adapters().db.clone();

    let tag = format!("r{}x", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let ids = cercat_database::seed::load_students(&db, &tag, users, chrono::Utc::now()).await.unwrap();
    let now = chrono::Utc::now();
    let coupon = services
        .coupons
        .define(CouponDraft {
            name: "선착순 벤치".into(),
            kind: DraftKind::Fixed,
            amount: Some(5_000),
            percent: None,
            max_discount: None,
            exclusive: false,
            min_order_amount: 0,
            valid_from: now - chrono::Duration::minutes(1),
            valid_until: now + chrono::Duration::days(1),
            scope: CouponScope::Any,
        })
        .await
        .unwrap()
        .id;
    let window = (now - chrono::Duration::minutes(1), now + chrono::Duration::hours(1));
    let event = services.first_come.define(coupon, quantity, window.0, window.1).await.unwrap().id;
    let stamp = now.timestamp();
    let token = |id: i64| {
        services.adapters().jwt.issue(id, Role::User, &uuid::Uuid::new_v4().simple().to_string(), stamp).unwrap()
    };
    let tokens: Vec<(i64, String)> = ids.iter().map(|id| (*id, token(*id))).collect();

    let inflight = Arc::new(Semaphore::new(in_flight));
    let client = reqwest::Client::builder().pool_max_idle_per_host(in_flight).build().unwrap();
    let tally = Arc::new(Mutex::new(Tally::default()));
    let path = format!("{base}/api/v2/coupon-events/{event}/claims");
    let began = Instant::now();
    let all = tokens.iter().flat_map(|t| std::iter::repeat_n(t.clone(), clicks)).map(|(user, t)| {
        let (inflight, client, tally, path) = (inflight.clone(), client.clone(), tally.clone(), path.clone());
        tokio::spawn(async move {
            let _permit = inflight.acquire().await.unwrap();
            let t0 = Instant::now();
            let res = client
                .post(path)
                .header("Access-Token", format!("Bearer {t}"))
                .timeout(Duration::from_secs(30))
                .send()
                .await;
            let ms = t0.elapsed().as_secs_f64() * 1000.0;
            let (status, body) = match res {
                Ok(r) => (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap_or_default()),
                Err(e) => (0, serde_json::json!({ "error": e.to_string() })),
            };
            let mut s = tally.lock().unwrap();
            s.ms.push(ms);
            match (status, body["responseCode"].as_str()) {
                (201, _) => s.issued.push(user),
                (409, Some("CPN_017")) => s.sold_out += 1,
                (409, Some("CPN_018")) => s.again += 1,
                _ => s.errors.push(format!("{status} {body}")),
            }
        })
    });
    futures::future::join_all(all).await;
    let secs = began.elapsed().as_secs_f64();
    let mut s = Arc::try_unwrap(tally).ok().unwrap().into_inner().unwrap();

    let committed = copies(&db, event).await;
    let told: HashSet<i64> = s.issued.iter().copied().collect();
    let misses = told.iter().filter(|u| !committed.contains(u)).count();
    let n = s.ms.len();
    println!(
        "### Over HTTP: {users} users × {clicks} clicks at once on an event of {quantity}, {in_flight} in flight\n"
    );
    println!("| measure | value |\n|---|---|");
    println!("| claims answered | {n} in {secs:.1} s → **{:.0} claims/s** |", n as f64 / secs.max(0.001));
    println!(
        "| latency p50 / p99 / max | {:.1} / **{:.1}** / {:.1} ms |",
        pct(&mut s.ms, 0.5),
        pct(&mut s.ms, 0.99),
        pct(&mut s.ms, 1.0)
    );
    println!("| 201 issued | {} (to {} distinct users) |", s.issued.len(), told.len());
    println!("| copies committed in the database | **{}** |", committed.len());
    println!("| told \"issued\" without a committed copy | **{misses}** |");
    println!("| 409 sold out / already claimed | {} / {} |", s.sold_out, s.again);
    println!(
        "| other answers | {} {} |",
        s.errors.len(),
        s.errors.first().map(|e| format!("(first: `{}`)", e.chars().take(120).collect::<String>())).unwrap_or_default()
    );

    // The naive baseline on a fresh event: count, then insert, in one transaction.
    let naive = services.first_come.define(coupon, quantity, window.0, window.1).await.unwrap().id;
    let inflight = Arc::new(Semaphore::new(64));
    let began = Instant::now();
    let attempts = ids.iter().flat_map(|u| std::iter::repeat_n(*u, clicks)).map(|user| {
        let (inflight, db) = (inflight.clone(), db.clone());
        tokio::spawn(async move {
            let _permit = inflight.acquire().await.unwrap();
            let t0 = Instant::now();
            let ok = count_then_insert(&db, naive, coupon, user, quantity).await;
            (t0.elapsed().as_secs_f64() * 1000.0, ok)
        })
    });
    let results: Vec<(f64, Result<bool, String>)> =
        futures::future::join_all(attempts).await.into_iter().map(|r| r.unwrap()).collect();
    let secs = began.elapsed().as_secs_f64();
    let mut ms: Vec<f64> = results.iter().map(|r| r.0).collect();
    let failed = results.iter().filter(|r| r.1.is_err()).count();
    let rows = naive_rows(&db, naive).await;
    println!("\n### The naive baseline (count, then insert, one transaction), same clicks, 64 at a time\n");
    println!("| measure | value |\n|---|---|");
    println!("| attempts | {} in {secs:.1} s → {:.0}/s |", results.len(), results.len() as f64 / secs.max(0.001));
    println!("| latency p50 / p99 | {:.1} / {:.1} ms |", pct(&mut ms, 0.5), pct(&mut ms, 0.99));
    println!("| copies committed (quantity {quantity}) | **{}** total, to {} distinct users |", rows.0, rows.1);
    println!("| attempts that failed (deadlocks, duplicate keys) | {failed} |");
}

/// The users holding a copy from `event`, as the database has them.
async fn copies(db: &cercat_database::Db, event: i64) -> HashSet<i64> {
    let conn = db.conn();
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            db.backend(),
            "SELECT user_id FROM user_coupons WHERE source = ?",
            [format!("event:{event}").into()],
        ))
        .await
        .unwrap();
    rows.iter().map(|r| r.try_get::<i64>("", "user_id").unwrap()).collect()
}

/// (copies, distinct users) the baseline committed for `event` (its rows use a per-click
/// source, as a system without the unique key would store them).
async fn naive_rows(db: &cercat_database::Db, event: i64) -> (i64, i64) {
    let row = db
        .conn()
        .query_one_raw(Statement::from_sql_and_values(
            db.backend(),
            "SELECT COUNT(*) AS n, COUNT(DISTINCT user_id) AS u FROM user_coupons WHERE source LIKE ?",
            [format!("naive:{event}:%").into()],
        ))
        .await
        .unwrap()
        .unwrap();
    (row.try_get("", "n").unwrap(), row.try_get("", "u").unwrap())
}

/// A check-then-act claim: count the event's copies and this user's, insert if both allow.
async fn count_then_insert(
    db: &cercat_database::Db,
    event: i64,
    coupon: i64,
    user: i64,
    quantity: u32,
) -> Result<bool, String> {
    let backend = db.backend();
    let txn = db.conn().begin().await.map_err(|e| e.to_string())?;
    let like = format!("naive:{event}:%");
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT COUNT(*) AS n, SUM(CASE WHEN user_id = ? THEN 1 ELSE 0 END) AS mine FROM user_coupons WHERE source LIKE ?",
            [user.into(), like.into()],
        ))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no row")?;
    let n: i64 = row.try_get("", "n").map_err(|e| e.to_string())?;
    let mine: Option<sea_orm::prelude::Decimal> = row.try_get("", "mine").ok();
    if n >= i64::from(quantity) || mine.is_some_and(|m| !m.is_zero()) {
        txn.rollback().await.map_err(|e| e.to_string())?;
        return Ok(false);
    }
    let now = chrono::Utc::now();
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        "INSERT INTO user_coupons (user_id, coupon_id, source, state, created_at) VALUES (?, ?, ?, 'USABLE', ?)",
        [user.into(), coupon.into(), format!("naive:{event}:{}", uuid::Uuid::new_v4().simple()).into(), now.into()],
    ))
    .await
    .map_err(|e| e.to_string())?;
    txn.commit().await.map_err(|e| e.to_string())?;
    Ok(true)
}

//! The like → SSE benchmark over Kafka (run by `bench/like_sse.sh`).
//!
//! Hosts librdkafka's mock cluster (the topics of a deployment), writes its bootstrap address
//! to `BOOTSTRAP_FILE` and waits for the two api instances under test (`BASE_A`, `BASE_B`,
//! started with that address) to answer. Then, with the same settings as the api (`CERCAT__…`
//! environment: database, JWT secret), it seeds `RECEIVERS` authors, one post each, and enough
//! likers; every author holds an alarm stream open, alternately on A and B. Likes are sent
//! open-loop at `RATE` a second for `SECONDS`, alternately to A and B (so half of the alarms cross
//! instances), each (liker, post) pair once. A sample is the time from sending a like to reading
//! its `alarm` event on the author's stream. Path: like + outbox row → the relay of the instance
//! that took it → Kafka → the `alarm.store` group (either instance) → alarm row → Redis notice →
//! the instance holding the stream → SSE. Prints a Markdown report.
//!
//! When the report is printed it creates `BOOTSTRAP_FILE.done` and keeps the cluster up until
//! interrupted, so that the instances can be stopped while their broker still answers.
//!
//! Usage: `like_sse BOOTSTRAP_FILE BASE_A BASE_B [RATE] [SECONDS] [RECEIVERS]`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use cercat_bootstrap::Services;
use support::summary;

mod support;

/// Partitions of every topic: room for the `alarm.store` members of both instances
/// (`events.alarm_members`, set by the script).
const PARTITIONS: i32 = 6;

/// Most warm-up rounds before the measured likes.
const WARMUP_ROUNDS: usize = 6;

/// Send and arrival times by (post id, liker nickname).
#[derive(Default)]
struct Book {
    sent: HashMap<(i64, String), (Instant, bool)>,
    arrived: HashMap<(i64, String), Instant>,
    duplicates: usize,
    like_ms: Vec<f64>,
    errors: Vec<String>,
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bootstrap_file = args.get(1).expect("BOOTSTRAP_FILE").clone();
    let bases = [args.get(2).expect("BASE_A").clone(), args.get(3).expect("BASE_B").clone()];
    let rate: usize = args.get(4).and_then(|v| v.parse().ok()).unwrap_or(500);
    let seconds: usize = args.get(5).and_then(|v| v.parse().ok()).unwrap_or(20);
    let receivers: usize = args.get(6).and_then(|v| v.parse().ok()).unwrap_or(100);

    let cluster = support::host_cluster(PARTITIONS, &bootstrap_file);

    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();
    for base in &bases {
        let ready = async {
            loop {
                let up = client.get(format!("{base}/health/live")).timeout(Duration::from_secs(1)).send().await;
                if up.is_ok_and(|r| r.status().is_success()) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(180), ready).await.expect("the api instances start");
    }

    let settings = cercat_config::Settings::load().expect("settings");
    let services = Services::connect(&settings).await.expect("infrastructure");
    let total = rate * seconds;
    let warmup = rate * 2;
    let likers = (total + WARMUP_ROUNDS * warmup).div_ceil(receivers);
    let cast = support::seed_cast(&services, 'l', receivers, likers, "알림 지연 측정").await;
    let (posts, liker_tokens) = (cast.posts, cast.likers);

    let book = Arc::new(Mutex::new(Book::default()));
    for (r, (_, author)) in cast.authors.iter().enumerate() {
        let res = client
            .get(format!("{}/alarm-api/v2/alarms/subscribe", bases[r % 2]))
            .header("Access-Token", format!("Bearer {author}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "the alarm stream opens");
        tokio::spawn(listen(res, book.clone()));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let send_phase = |from: usize, count: usize| {
        let (client, book, posts, liker_tokens, bases) =
            (client.clone(), book.clone(), posts.clone(), liker_tokens.clone(), bases.clone());
        async move {
            let start = tokio::time::Instant::now();
            let mut tasks = Vec::with_capacity(count);
            for i in from..from + count {
                tokio::time::sleep_until(start + Duration::from_secs_f64((i - from) as f64 / rate as f64)).await;
                let post = posts[i % posts.len()];
                let (liker, nickname) = liker_tokens[i / posts.len()].clone();
                // The stream of post `i % receivers` is on instance `i % receivers % 2`.
                let instance = (i / posts.len()) % 2;
                let cross = instance != (i % posts.len()) % 2;
                let (client, book, base) = (client.clone(), book.clone(), bases[instance].clone());
                tasks.push(tokio::spawn(async move {
                    let began = Instant::now();
                    book.lock().unwrap().sent.insert((post, nickname), (began, cross));
                    let res = client
                        .post(format!("{base}/api/v2/likes"))
                        .header("Access-Token", format!("Bearer {liker}"))
                        .json(&serde_json::json!({ "likeTargetType": "POST", "targetId": post }))
                        .timeout(Duration::from_secs(10))
                        .send()
                        .await;
                    let ms = began.elapsed().as_secs_f64() * 1000.0;
                    let mut b = book.lock().unwrap();
                    b.like_ms.push(ms);
                    match res {
                        Ok(r) if r.status() == 200 => {}
                        Ok(r) => b.errors.push(format!("like {}", r.status())),
                        Err(e) => b.errors.push(format!("like {e}")),
                    }
                }));
            }
            futures::future::join_all(tasks).await;
            start.elapsed().as_secs_f64()
        }
    };
    let settle = |wait: Duration| {
        let book = book.clone();
        async move {
            let until = Instant::now() + wait;
            while Instant::now() < until {
                let all_arrived = {
                    let b = book.lock().unwrap();
                    b.sent.keys().all(|k| b.arrived.contains_key(k))
                };
                if all_arrived {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            false
        }
    };

    // Warm-up: every connection pool fills and the `alarm.store` group settles — its members
    // join as each instance starts, and a rebalance stops the whole group for a moment. Rounds of
    // 2 s of likes until one arrives entirely within a second of sending.
    let mut from = 0;
    for round in 1..=WARMUP_ROUNDS {
        send_phase(from, warmup).await;
        from += warmup;
        assert!(settle(Duration::from_secs(120)).await, "the warm-up likes arrive");
        let slowest = {
            let mut b = book.lock().unwrap();
            let slowest =
                b.sent.iter().filter_map(|(k, (at, _))| b.arrived.get(k).map(|a| a.duration_since(*at))).max();
            b.sent.clear();
            b.arrived.clear();
            b.like_ms.clear();
            b.duplicates = 0;
            slowest
        };
        if slowest.is_some_and(|d| d < Duration::from_secs(1)) || round == WARMUP_ROUNDS {
            eprintln!("warm-up: {round} round(s), slowest alarm of the last {slowest:?}");
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let secs = send_phase(from, total).await;
    let complete = settle(Duration::from_secs(60)).await;

    {
        let b = book.lock().unwrap();
        let (mut all, mut same, mut cross) = (Vec::new(), Vec::new(), Vec::new());
        for (key, (sent, crossed)) in &b.sent {
            if let Some(at) = b.arrived.get(key) {
                let ms = at.duration_since(*sent).as_secs_f64() * 1000.0;
                all.push(ms);
                if *crossed { cross.push(ms) } else { same.push(ms) }
            }
        }
        let missing = b.sent.len() - all.len();
        println!("### Like → SSE over Kafka: two api instances, {rate} likes/s for {seconds} s\n");
        println!("| measure | value |\n|---|---|");
        println!("| likes sent | {} in {secs:.1} s → **{:.0} likes/s** |", b.sent.len(), b.sent.len() as f64 / secs);
        println!(
            "| alarms pushed | {} (missing {missing}, duplicates {}{}) |",
            all.len(),
            b.duplicates,
            if complete { "" } else { ", gave up after 60 s" }
        );
        println!(
            "| errors | {} {} |",
            b.errors.len(),
            b.errors
                .first()
                .map(|e| format!("(first: `{}`)", e.chars().take(120).collect::<String>()))
                .unwrap_or_default()
        );
        println!("| streams | {receivers} (half on each instance) |");
        println!();
        println!("| latency | n | p50 ms | p90 ms | p99 ms | max ms |\n|---|---|---|---|---|---|");
        println!("| like → alarm event, all | {} |", summary(all));
        println!("| … stream on the instance that took the like | {} |", summary(same));
        println!("| … stream on the other instance | {} |", summary(cross));
        println!("| `POST /api/v2/likes` answer | {} |", summary(b.like_ms.clone()));
        println!();
    }
    // The api instances stop (the script sends SIGTERM) while their broker is still up; then
    // the script stops this process and the cluster with it.
    use std::io::Write;
    std::io::stdout().flush().unwrap();
    std::fs::write(format!("{bootstrap_file}.done"), "").unwrap();
    let _ = tokio::signal::ctrl_c().await;
    drop(cluster);
}

/// Reads one alarm stream and books every like alarm it brings.
async fn listen(mut res: reqwest::Response, book: Arc<Mutex<Book>>) {
    let mut buffer = Vec::new();
    while let Ok(Some(chunk)) = res.chunk().await {
        buffer.extend_from_slice(&chunk);
        let at = Instant::now();
        for frame in support::take_frames(&mut buffer) {
            let Some(alarm) = frame.data.and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok()) else {
                continue;
            };
            if alarm["alarmType"] != "NEW_LIKE_ON_POST" {
                continue;
            }
            let key =
                (alarm["originId"].as_i64().unwrap_or(0), alarm["likerNickname"].as_str().unwrap_or("").to_owned());
            let mut b = book.lock().unwrap();
            if b.arrived.insert(key, at).is_some() {
                b.duplicates += 1;
            }
        }
    }
}

//! The load of the blue-green proof (run by `scripts/deploy-proof.sh`): what users see while
//! the api is deployed again and again behind nginx.
//!
//! Hosts librdkafka's mock cluster (the one broker both colours use, across every deploy),
//! writes its address to `BOOTSTRAP_FILE`, and waits until `BASE` (nginx) answers ready. Then,
//! with the api's own settings (`CERCAT__…` environment), it seeds `STREAMS` authors with a post
//! each and enough likers, opens one alarm stream per author through nginx, creates
//! `CONTROL/ready` and sends `RATE` requests a second, open-loop, until `CONTROL/stop` appears:
//! in turn the certificate detail, `users/me`, a posts page, and a like of an author's post
//! (each liker likes each post once: a write whose alarm must reach its author's stream).
//!
//! A stream that ends (a draining instance closes it with `retry:`) is opened again after the
//! hint with `Last-Event-ID`, as a browser's `EventSource` does. Requests go out on a new
//! connection each (nginx's reload closes idle kept-alive ones); one whose connection was closed
//! before any answer is sent again, twice at most, and counted apart.
//!
//! When stopped it waits up to 60 s for the alarms, prints a Markdown report and exits 1 unless:
//! no request failed (no 5xx, no 4xx, no connection error or timeout), every like's alarm
//! arrived exactly once, alarm ids only grew on every stream, and every stream was opened again
//! at least `CONTROL/deploys` times without a refusal.
//!
//! Usage: `deploy_proof BOOTSTRAP_FILE BASE CONTROL [RATE] [STREAMS]`, or
//! `deploy_proof --broker-only BOOTSTRAP_FILE`: only the mock cluster, until interrupted (the
//! Kafka of `scripts/readme-production.sh`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::{HashMap, HashSet},
    error::Error as _,
    path::PathBuf,
    process::ExitCode,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use cercat_bootstrap::Services;
use support::summary;

mod support;

/// What was seen, shared by the tasks.
#[derive(Default)]
struct Book {
    /// Latency (ms) by request kind.
    latency: HashMap<&'static str, Vec<f64>>,
    failures: Vec<String>,
    /// Requests sent again after a kept-alive connection closed under them.
    resent: usize,
    /// Likes answered 200, by (post id, liker nickname).
    liked: HashSet<(i64, String)>,
    /// Like alarms read on the streams.
    arrived: HashSet<(i64, String)>,
    duplicates: usize,
    /// Alarm ids that did not grow on their stream.
    out_of_order: usize,
    /// Streams opened again, per author.
    reopened: Vec<usize>,
    stream_failures: Vec<String>,
    replay_headers: usize,
}

const KINDS: [&str; 4] = ["certificate", "users/me", "posts page", "like"];

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--broker-only") {
        let _cluster = support::host_cluster(6, args.get(2).expect("BOOTSTRAP_FILE"));
        let _ = tokio::signal::ctrl_c().await;
        return ExitCode::SUCCESS;
    }
    let bootstrap_file = args.get(1).expect("BOOTSTRAP_FILE").clone();
    let base = args.get(2).expect("BASE").clone();
    let control = PathBuf::from(args.get(3).expect("CONTROL"));
    let rate: usize = args.get(4).and_then(|v| v.parse().ok()).unwrap_or(300);
    let streams: usize = args.get(5).and_then(|v| v.parse().ok()).unwrap_or(200);

    let cluster = support::host_cluster(6, &bootstrap_file);
    // A new connection per request: nginx's reload closes every idle kept-alive connection, and a
    // client whose pool holds many meets one reset after another (each resend takes the next
    // stale one). Keep-alive clients must resend on a reused connection that fails before any
    // answer, as browsers do; this proof counts what a client that does not keep connections sees.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let ready = async {
        loop {
            let up = client.get(format!("{base}/health/ready")).send().await;
            if up.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(300), ready).await.expect("the first colour gets ready");

    let settings = cercat_config::Settings::load().expect("settings");
    let services = Services::connect(&settings).await.expect("infrastructure");
    // Likers for 15 minutes of likes at a quarter of the rate (each likes every post once).
    let likers = (rate / 4 * 900).div_ceil(streams);
    let cast = support::seed_cast(&services, 'd', streams, likers, "배포 중에도 알림이 오나요").await;
    let (posts, likers) = (cast.posts, cast.likers);

    let book = Arc::new(Mutex::new(Book { reopened: vec![0; streams], ..Book::default() }));
    let sse = reqwest::Client::builder().connect_timeout(Duration::from_secs(2)).build().unwrap();
    let mut listeners = Vec::with_capacity(streams);
    for (n, (_, token)) in cast.authors.into_iter().enumerate() {
        let url = format!("{base}/alarm-api/v2/alarms/subscribe");
        listeners.push(tokio::spawn(listen(sse.clone(), url, token, n, book.clone())));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    std::fs::write(control.join("ready"), "").unwrap();
    eprintln!("deploy_proof: {streams} streams open, sending {rate} requests/s");

    // Open loop until told to stop.
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    let mut sent = 0usize;
    let mut likes = 0usize;
    while !control.join("stop").exists() {
        for _ in 0..rate / 10 {
            tokio::time::sleep_until(started + Duration::from_secs_f64(sent as f64 / rate as f64)).await;
            let kind = KINDS[sent % KINDS.len()];
            let (liker, nickname) = likers[(likes / posts.len()) % likers.len()].clone();
            let post = posts[likes % posts.len()];
            if kind == "like" {
                likes += 1;
            }
            // Every virtual user is its own client address, behind nginx.
            let address = format!("10.{}.{}.{}", (sent >> 16) & 255, (sent >> 8) & 255, sent & 255);
            let request = match kind {
                "certificate" => client.get(format!("{base}/api/v2/certificates/1")),
                "users/me" => client.get(format!("{base}/api/v2/users/me")).header("Access-Token", bearer(&liker)),
                "posts page" => client
                    .get(format!("{base}/api/v2/certificates/1/posts?postType=NORMAL&page=0&size=10"))
                    .header("Access-Token", bearer(&liker)),
                _ => client
                    .post(format!("{base}/api/v2/likes"))
                    .header("Access-Token", bearer(&liker))
                    .json(&serde_json::json!({ "likeTargetType": "POST", "targetId": post })),
            }
            .header("X-Forwarded-For", address);
            let book = book.clone();
            tasks.push(tokio::spawn(async move {
                let began = Instant::now();
                // The whole answer is read, so the connection goes back to the pool.
                let outcome = match send(request).await {
                    Ok((res, resent)) => {
                        let status = res.status();
                        res.bytes().await.map(|_| (status, resent)).map_err(|e| chain(&e))
                    }
                    Err(err) => Err(err),
                };
                let ms = began.elapsed().as_secs_f64() * 1000.0;
                let mut b = book.lock().unwrap();
                b.latency.entry(kind).or_default().push(ms);
                match outcome {
                    Ok((status, resent)) => {
                        b.resent += usize::from(resent);
                        if status != 200 {
                            b.failures.push(format!("{kind}: {status}"));
                        } else if kind == "like" {
                            b.liked.insert((post, nickname));
                        }
                    }
                    Err(err) => b.failures.push(format!("{kind}: {err}")),
                }
            }));
            sent += 1;
        }
        tasks.retain(|t| !t.is_finished());
    }
    let seconds = started.elapsed().as_secs_f64();
    futures::future::join_all(tasks).await;

    // Every like's alarm, within a minute.
    let until = Instant::now() + Duration::from_secs(60);
    while Instant::now() < until {
        let all_arrived = {
            let b = book.lock().unwrap();
            b.liked.iter().all(|k| b.arrived.contains(k))
        };
        if all_arrived {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for listener in listeners {
        listener.abort();
    }

    let deploys: usize =
        std::fs::read_to_string(control.join("deploys")).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
    let b = book.lock().unwrap();
    let missing = b.liked.iter().filter(|k| !b.arrived.contains(k)).count();
    let fewest_reopens = b.reopened.iter().copied().min().unwrap_or(0);
    let total: usize = b.latency.values().map(Vec::len).sum();
    let mut checks = vec![
        ("no request failed (no 5xx or 4xx, no connection error, no timeout)", b.failures.is_empty()),
        ("every like's alarm reached its author's stream", missing == 0),
        ("no alarm arrived twice", b.duplicates == 0),
        ("alarm ids only grew on every stream", b.out_of_order == 0),
        ("every stream reopened without a refusal", b.stream_failures.is_empty()),
    ];
    let reopen_check = format!("every stream reopened at least once per deploy ({deploys})");
    checks.push((reopen_check.as_str(), deploys > 0 && fewest_reopens >= deploys));

    println!("### Load through nginx while deploying\n");
    println!("| measure | value |\n|---|---|");
    println!(
        "| requests | {total} in {seconds:.0} s → {:.0}/s (a quarter each: {}) |",
        total as f64 / seconds,
        KINDS.join(", ")
    );
    println!("| failed requests | {} {} |", b.failures.len(), first(&b.failures));
    println!(
        "| sent again after nginx closed an idle kept-alive connection (requests and stream reopenings) | {} |",
        b.resent
    );
    println!("| likes answered 200 | {} |", b.liked.len());
    println!("| their alarms on the streams | {} (missing {missing}, duplicates {}) |", b.arrived.len(), b.duplicates);
    println!(
        "| alarm streams | {streams}, reopened {}–{} times each ({} reopenings sent `Last-Event-ID`); refusals {} {} |",
        fewest_reopens,
        b.reopened.iter().copied().max().unwrap_or(0),
        b.replay_headers,
        b.stream_failures.len(),
        first(&b.stream_failures)
    );
    println!();
    println!("| latency through nginx | n | p50 ms | p90 ms | p99 ms | max ms |\n|---|---|---|---|---|---|");
    for kind in KINDS {
        println!("| {kind} | {} |", summary(b.latency.get(kind).cloned().unwrap_or_default()));
    }
    println!();
    let mut passed = true;
    for (check, ok) in &checks {
        println!("- {} {check}", if *ok { "✔" } else { "✘" });
        passed &= ok;
    }
    drop(b);
    drop(cluster);
    if passed { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn first(list: &[String]) -> String {
    list.first().map(|e| format!("(first: `{}`)", e.chars().take(400).collect::<String>())).unwrap_or_default()
}

/// Sends `request`; again (twice at most) when its connection was closed before any answer: a
/// kept-alive one nginx closed at a reload (browsers resend then), or a new one its exiting
/// worker had just accepted (the response, and whether it was sent again).
async fn send(request: reqwest::RequestBuilder) -> Result<(reqwest::Response, bool), String> {
    let mut attempt = request;
    for tries in 0.. {
        let again = attempt.try_clone();
        match attempt.send().await {
            Ok(res) => return Ok((res, tries > 0)),
            Err(err) if tries < 2 && closed_before_answer(&err) => match again {
                Some(again) => attempt = again,
                None => return Err(chain(&err)),
            },
            Err(err) => return Err(chain(&err)),
        }
    }
    unreachable!("the loop returns")
}

/// A connection that was open (not a connect error, not a timeout) and closed or reset before
/// the answer began: what a reused keep-alive connection meets when the server closed it.
fn closed_before_answer(err: &reqwest::Error) -> bool {
    if err.is_connect() || err.is_timeout() || err.is_status() || err.is_body() || err.is_decode() {
        return false;
    }
    let text = chain(err);
    text.contains("connection closed before message completed")
        || text.contains("Connection reset by peer")
        || text.contains("Broken pipe")
}

fn chain(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Holds author `n`'s alarm stream open through every deploy, as `EventSource` does.
async fn listen(client: reqwest::Client, url: String, token: String, n: usize, book: Arc<Mutex<Book>>) {
    let mut last_id: Option<String> = None;
    let mut last_alarm: i64 = 0;
    let mut retry = Duration::from_secs(1);
    let mut opened = 0usize;
    loop {
        let mut request = client.get(&url).header("Access-Token", bearer(&token));
        if let Some(id) = &last_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = send(request).await;
        let response = {
            let mut b = book.lock().unwrap();
            if opened > 0 {
                b.reopened[n] += 1;
                b.replay_headers += usize::from(last_id.is_some());
            }
            match response {
                Ok((r, resent)) if r.status() == 200 => {
                    b.resent += usize::from(resent);
                    Some(r)
                }
                Ok((r, _)) => {
                    b.stream_failures.push(format!("stream {n}: {}", r.status()));
                    None
                }
                Err(e) => {
                    b.stream_failures.push(format!("stream {n}: {e}"));
                    None
                }
            }
        };
        opened += 1;
        if let Some(mut res) = response {
            let mut buffer = Vec::new();
            while let Ok(Some(chunk)) = res.chunk().await {
                buffer.extend_from_slice(&chunk);
                for frame in support::take_frames(&mut buffer) {
                    if let Some(ms) = frame.retry_ms {
                        retry = Duration::from_millis(ms);
                    }
                    if let Some(id) = frame.id.clone() {
                        last_id = Some(id);
                    }
                    if frame.event.as_deref() != Some("alarm") {
                        continue;
                    }
                    let Some(alarm) = frame.data.and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
                    else {
                        continue;
                    };
                    let id = frame.id.and_then(|i| i.parse::<i64>().ok()).unwrap_or(0);
                    let key = (
                        alarm["originId"].as_i64().unwrap_or(0),
                        alarm["likerNickname"].as_str().unwrap_or("").to_owned(),
                    );
                    let mut b = book.lock().unwrap();
                    if id <= last_alarm {
                        b.out_of_order += 1;
                    }
                    last_alarm = last_alarm.max(id);
                    if alarm["alarmType"] == "NEW_LIKE_ON_POST" && !b.arrived.insert(key) {
                        b.duplicates += 1;
                    }
                }
            }
        }
        tokio::time::sleep(retry).await;
    }
}

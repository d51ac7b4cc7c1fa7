//! Outbox relay throughput: N events are written to the outbox, then the relay (the same
//! `OutboxRelay` that `cercat-batch` and the embedded api run) publishes them while a consumer
//! group reads them; prints events per second from the first pass to the last event received.
//!
//! `relay_throughput embedded [N]`: SQLite file + in-process bus.
//! `relay_throughput production [N]`: a fresh MariaDB database (127.0.0.1:3306) + Redis lease +
//! librdkafka's mock cluster (in-process Kafka protocol; idempotent producer, acks=all).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use cercat_bootstrap::Services;
use cercat_common::events::{EventEnvelope, Received};
use cercat_config::{Profile, Settings};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map_or("embedded", String::as_str);
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let dir = tempfile::tempdir().unwrap();
    let mut s = Settings::defaults(if mode == "production" { Profile::Production } else { Profile::Embedded });
    s.data_dir = dir.path().to_path_buf();
    let mut _keep: Vec<Box<dyn std::any::Any>> = Vec::new();
    if mode == "production" {
        let database = cercat_testing::TestMysql::fresh().await;
        let cluster: rdkafka::mocking::MockCluster<'static, rdkafka::producer::DefaultProducerContext> =
            rdkafka::mocking::MockCluster::new(1).unwrap();
        cluster.create_topic("cercat.bench.events", 3, 1).unwrap();
        s.database.url = Some(database.url().into());
        s.database.migrate_on_start = true;
        s.redis.url = Some(cercat_testing::redis_url().into());
        s.redis.key_prefix = cercat_testing::unique_prefix("bench");
        s.kafka.brokers = Some(cluster.bootstrap_servers());
        s.storage.url = Some(format!("file://{}/objects/", dir.path().display()));
        s.auth.jwt_secret = Some("bench-secret-bench-secret-bench-secret".into());
        s.mail.smtp_url = Some("smtp://127.0.0.1:1".into());
        _keep.push(Box::new(database));
        _keep.push(Box::new(cluster));
    }
    let services = Services::connect(&s.resolve().unwrap()).await.unwrap();
    let mut sub = services.events.consumer.subscribe("bench", &["bench.events"]).await.unwrap();

    let now = chrono::Utc::now();
    let events: Vec<EventEnvelope> = (0..n)
        .map(|i| {
            EventEnvelope::new(
                "bench.events",
                "post",
                (i % 500).to_string(),
                "PostLiked",
                serde_json::json!({ "receiverId": i % 500, "actorId": 1, "actorNickname": "벤치", "postId": i, "commentId": null, "certificateId": 1 }),
                now,
            )
        })
        .collect();
    for chunk in events.chunks(500) {
        cercat_database::append_events(services.adapters().db.conn(), chunk, now).await.unwrap();
    }
    let before = services.backlog.unsent().await.unwrap();
    println!("{mode}: {before} events in the outbox");

    let reader = tokio::spawn(async move {
        let mut got = 0;
        while got < n {
            if let Some(Received::Event(d)) = sub.next(Duration::from_secs(1)).await.unwrap() {
                got += 1;
                sub.commit(&d.position).await.unwrap();
            }
        }
        Instant::now()
    });
    let relay = services.outbox_relay.clone();
    let started = Instant::now();
    loop {
        let report = relay.relay_once().await.unwrap();
        if report.sent == 0 && report.failed == 0 && services.backlog.unsent().await.unwrap() == 0 {
            break;
        }
    }
    let relayed = started.elapsed();
    let received = reader.await.unwrap().duration_since(started);
    println!(
        "{mode}: relayed {n} events in {:.2} s = {:.0} events/s (publish + mark sent); all received by the group after {:.2} s = {:.0} events/s",
        relayed.as_secs_f64(),
        n as f64 / relayed.as_secs_f64(),
        received.as_secs_f64(),
        n as f64 / received.as_secs_f64()
    );
}

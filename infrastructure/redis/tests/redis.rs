//! The shared contracts against a real Redis (CI provides 127.0.0.1:6379).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cercat_common::{
    ErrorKind,
    cache::Cache,
    health::HealthCheck,
    testkit::{cache_contract, lease_contract},
};
use cercat_redis::*;
use std::{sync::Arc, time::Duration};

fn client(url: &str, prefix: &str) -> RedisClient {
    RedisClient::new(&RedisOptions {
        url: url.to_owned(),
        pool_size: 16,
        timeout: Duration::from_millis(500),
        key_prefix: prefix.to_owned(),
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at 127.0.0.1:6379 (CI runs it)"]
async fn redis_cache_keeps_the_cache_contract() {
    let c = client(&cercat_testing::redis_url(), &cercat_testing::unique_prefix("cache"));
    c.check().await.expect("redis answers PING");
    cache_contract::run_all(Arc::new(RedisCache::new(c)), "").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at 127.0.0.1:6379 (CI runs it)"]
async fn redis_lease_keeps_the_lease_contract() {
    let c = client(&cercat_testing::redis_url(), &cercat_testing::unique_prefix("lease"));
    lease_contract::run_all(Arc::new(RedisLeaseLock::new(c)), "").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at 127.0.0.1:6379 (CI runs it)"]
async fn prefixes_keep_deployments_apart() {
    let a = RedisCache::new(client(&cercat_testing::redis_url(), &cercat_testing::unique_prefix("a")));
    let b = RedisCache::new(client(&cercat_testing::redis_url(), &cercat_testing::unique_prefix("b")));
    a.set("k", b"a", Duration::from_secs(5)).await.unwrap();
    assert_eq!(b.get("k").await.unwrap(), None);
}

#[tokio::test]
async fn a_dead_server_fails_fast_as_unavailable() {
    // A listener that accepts and never answers: the call must give up at the timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://{}", silent.local_addr().unwrap());
    let cache = RedisCache::new(client(&url, "x:"));
    let started = std::time::Instant::now();
    let err = cache.get("k").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    let refused = RedisCache::new(client("redis://127.0.0.1:1", "x:"));
    assert_eq!(refused.get("k").await.unwrap_err().kind(), ErrorKind::Unavailable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at 127.0.0.1:6379 (CI runs it)"]
async fn redis_refresh_tokens_keep_the_contract() {
    let c = client(&cercat_testing::redis_url(), &cercat_testing::unique_prefix("rt"));
    cercat_user::testkit::run_all(Arc::new(RedisRefreshStore::new(c)), "").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at 127.0.0.1:6379 (CI runs it)"]
async fn redis_session_revocations_keep_the_contract() {
    let c = client(&cercat_testing::redis_url(), &cercat_testing::unique_prefix("sid"));
    cercat_user::testkit::revocations_contract(Arc::new(RedisSessionRevocations::new(c)), "").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at 127.0.0.1:6379 (CI runs it)"]
async fn redis_rate_limiter_keeps_the_contract() {
    let c = client(&cercat_testing::redis_url(), &cercat_testing::unique_prefix("rate"));
    cercat_common::testkit::ratelimit_contract::run_all(Arc::new(RedisRateLimiter::new(c)), "").await;
}

#[tokio::test]
#[ignore = "needs Redis at 127.0.0.1:6379 (CI runs it)"]
async fn redis_keywords_keep_the_contract() {
    let c = client(&cercat_testing::redis_url(), &cercat_testing::unique_prefix("kw"));
    cercat_community::testkit::run_all(Arc::new(cercat_redis::RedisKeywordStore::new(c)), 7).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at 127.0.0.1:6379 (CI runs it)"]
async fn broadcast_reaches_every_listener_of_the_deployment_only() {
    use cercat_common::broadcast::Broadcast;
    let prefix = cercat_testing::unique_prefix("broadcast");
    let one = RedisBroadcast::new(client(&cercat_testing::redis_url(), &prefix), "alarms");
    let two = RedisBroadcast::new(client(&cercat_testing::redis_url(), &prefix), "alarms");
    let other = RedisBroadcast::new(client(&cercat_testing::redis_url(), "other-deployment:"), "alarms");
    let mut a = one.listen().await.unwrap();
    let mut b = two.listen().await.unwrap();
    let mut c = other.listen().await.unwrap();
    one.publish("{\"id\":1}").await.unwrap();
    for rx in [&mut a, &mut b] {
        let got = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.unwrap();
        assert_eq!(got.as_deref(), Some("{\"id\":1}"));
    }
    assert!(tokio::time::timeout(Duration::from_millis(300), c.recv()).await.is_err(), "another prefix hears nothing");
    // Down: listening and publishing fail within the timeout instead of hanging.
    let down = RedisBroadcast::new(client("redis://127.0.0.1:1", &prefix), "alarms");
    assert_eq!(down.publish("x").await.unwrap_err().kind(), ErrorKind::Unavailable);
    assert!(down.listen().await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at 127.0.0.1:6379 (CI runs it)"]
async fn redis_waiting_rooms_keep_the_contract() {
    let c = client(&cercat_testing::redis_url(), &cercat_testing::unique_prefix("room"));
    cercat_course::testkit::run_all(Arc::new(RedisWaitingRoom::new(c)), 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at 127.0.0.1:6379 (CI runs it)"]
async fn redis_seat_gate_keeps_the_contract_and_a_flush_makes_it_cold() {
    use cercat_course::gate::{SeatAnswer, SeatFacts, SeatGate};
    let c = client(&cercat_testing::redis_url(), &cercat_testing::unique_prefix("seats"));
    cercat_course::testkit::gate::gate_contract(Arc::new(cercat_redis::RedisSeatGate::new(c.clone())), 1).await;
    let gate = cercat_redis::RedisSeatGate::new(c.clone());
    let ttl = std::time::Duration::from_secs(60);
    gate.load(7, &SeatFacts { free: 1, holders: vec![3] }, ttl).await.unwrap();
    let keys: Vec<String> = c.query(deadpool_redis::redis::cmd("KEYS").arg(c.key("crs:{7}:*"))).await.unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    let mut ttls = Vec::new();
    for key in &keys {
        ttls.push(c.query::<i64>(deadpool_redis::redis::cmd("PTTL").arg(key)).await.unwrap());
    }
    assert!(ttls.iter().all(|t| (1..=60_000).contains(t)), "both keys expire: {ttls:?}");
    let _: i64 = c.query(deadpool_redis::redis::cmd("DEL").arg(&keys)).await.unwrap();
    assert_eq!(gate.take(7, 3).await.unwrap(), SeatAnswer::Cold, "flushed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at 127.0.0.1:6379 (CI runs it)"]
async fn redis_claim_gate_keeps_the_contract() {
    let c = client(&cercat_testing::redis_url(), &cercat_testing::unique_prefix("gate"));
    cercat_coupon::testkit::first_come::gate_contract(Arc::new(RedisClaimGate::new(c.clone())), 1).await;
    // A flush forgets the event: the next click finds it cold, and a load brings it back.
    let gate = RedisClaimGate::new(c.clone());
    use cercat_coupon::first_come::{ClaimGate, GateAnswer};
    let until = chrono::Utc::now() + chrono::Duration::hours(1);
    gate.load(7, &[1, 2], until).await.unwrap();
    assert_eq!(gate.take(7, 1, 3).await.unwrap(), GateAnswer::AlreadyClaimed);
    let keys: Vec<String> = c.query(deadpool_redis::redis::cmd("KEYS").arg(c.key("cpn:7:*"))).await.unwrap();
    let _: i64 = c.query(deadpool_redis::redis::cmd("DEL").arg(&keys)).await.unwrap();
    assert_eq!(gate.take(7, 1, 3).await.unwrap(), GateAnswer::Cold, "flushed");
    gate.load(7, &[1, 2], until).await.unwrap();
    assert_eq!(gate.take(7, 3, 3).await.unwrap(), GateAnswer::Admitted);
    assert_eq!(gate.take(7, 4, 3).await.unwrap(), GateAnswer::SoldOut, "the reloaded count holds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at 127.0.0.1:6379 (CI runs it)"]
async fn redis_view_counter_keeps_the_contract() {
    let c = client(&cercat_testing::redis_url(), &cercat_testing::unique_prefix("views"));
    cercat_market::testkit::views::run_all(Arc::new(RedisViewCounter::new(c))).await;
}

#[tokio::test]
#[ignore = "needs Redis at 127.0.0.1:6379 (CI runs it)"]
async fn a_seen_viewer_is_forgotten_after_two_days() {
    use cercat_market::ports::ViewCounter;
    let c = client(&cercat_testing::redis_url(), &cercat_testing::unique_prefix("seen"));
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    assert!(RedisViewCounter::new(c.clone()).record(1, 2, day).await.unwrap());
    let ttl: i64 = c.query(deadpool_redis::redis::cmd("TTL").arg(c.key("mkt:seen:2026-12-01:1:2"))).await.unwrap();
    assert!((24 * 3600..=2 * 24 * 3600).contains(&ttl), "the marker outlives its day, then expires: {ttl}");
}

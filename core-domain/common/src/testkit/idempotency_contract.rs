//! The [`IdempotencyStore`] contract: Stripe's semantics for one key, kept by every adapter.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, TimeZone, Utc};

use crate::idempotency::{Claim, IdempotencyStore, StoredResponse};

const STALE: Duration = Duration::from_secs(60);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).single().expect("a valid instant")
}

async fn claim(store: &dyn IdempotencyStore, scope: &str, key: &str, fp: &str, at: DateTime<Utc>) -> Claim {
    store.claim(scope, key, fp, at, STALE).await.expect("claim must not fail")
}

/// `n` concurrent claims of one key, each on its own task.
async fn race(
    store: &Arc<dyn IdempotencyStore>,
    scope: &str,
    key: &str,
    fp: &str,
    at: DateTime<Utc>,
    n: usize,
) -> Vec<Claim> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (store, scope, key, fp) = (store.clone(), scope.to_owned(), key.to_owned(), fp.to_owned());
            tokio::spawn(async move { claim(&*store, &scope, &key, &fp, at).await })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for task in tasks {
        out.push(task.await.expect("claim task"));
    }
    out
}

/// Runs every check. The store must hold no keys created before 2026-12-02 other than this
/// run's (the last check purges them), and `scope` must be unused.
pub async fn run_all(shared: Arc<dyn IdempotencyStore>, scope: &str) {
    let store = &*shared;
    let (now, other_scope) = (t0(), format!("{scope}:other"));
    let response = StoredResponse { status: 201, body: r#"{"responseCode":"SUCCESS"}"#.into() };

    // The first request runs; a retry while it runs is told so, whatever it sends.
    assert_eq!(claim(store, scope, "k1", "fp-a", now).await, Claim::Run, "a new key runs");
    assert_eq!(claim(store, scope, "k1", "fp-a", now).await, Claim::InFlight, "a retry waits for the first run");
    assert_eq!(claim(store, &other_scope, "k1", "fp-a", now).await, Claim::Run, "keys are per scope");

    // Completed: the same request replays the first response, another request is refused.
    store.complete(scope, "k1", &response, now).await.expect("complete");
    assert_eq!(claim(store, scope, "k1", "fp-a", now).await, Claim::Replay(response.clone()));
    assert_eq!(claim(store, scope, "k1", "fp-b", now).await, Claim::Mismatch, "one key, one request");

    // An error response is kept for replay like any other.
    let failed = StoredResponse { status: 409, body: r#"{"responseCode":"CRS_009"}"#.into() };
    assert_eq!(claim(store, scope, "k2", "fp-a", now).await, Claim::Run);
    store.complete(scope, "k2", &failed, now).await.expect("complete");
    assert_eq!(claim(store, scope, "k2", "fp-a", now).await, Claim::Replay(failed));

    // Abandoned: the next request with the key runs again; a completed key cannot be abandoned.
    assert_eq!(claim(store, scope, "k3", "fp-a", now).await, Claim::Run);
    store.abandon(scope, "k3").await.expect("abandon");
    assert_eq!(claim(store, scope, "k3", "fp-b", now).await, Claim::Run, "an abandoned key is free again");
    store.abandon(scope, "k1").await.expect("abandon");
    assert_eq!(claim(store, scope, "k1", "fp-a", now).await, Claim::Replay(response), "a kept response stays");

    // A claim left unfinished past `stale_after` (its process died) is taken over, by one caller.
    let later = now + chrono::Duration::seconds(61);
    assert_eq!(claim(store, scope, "k3", "fp-b", now + chrono::Duration::seconds(30)).await, Claim::InFlight);
    let takeovers = race(&shared, scope, "k3", "fp-b", later, 4).await;
    assert_eq!(takeovers.iter().filter(|c| **c == Claim::Run).count(), 1, "one takeover: {takeovers:?}");
    assert!(takeovers.iter().all(|c| matches!(c, Claim::Run | Claim::InFlight)), "{takeovers:?}");

    // Racing first requests: exactly one runs.
    let racers = race(&shared, scope, "k4", "fp-a", now, 6).await;
    assert_eq!(racers.iter().filter(|c| **c == Claim::Run).count(), 1, "one of racing requests runs: {racers:?}");

    // Purge forgets keys created before the instant, and only those.
    assert_eq!(claim(store, scope, "k5", "fp-a", now + chrono::Duration::days(2)).await, Claim::Run);
    let purged = store.purge(now + chrono::Duration::days(1)).await.expect("purge");
    assert_eq!(purged, 5, "k1, k2, k3 (taken over at +61 s), k4 and the other scope's k1");
    assert_eq!(claim(store, scope, "k1", "fp-b", now).await, Claim::Run, "a purged key is new again");
    assert_eq!(claim(store, scope, "k5", "fp-a", now).await, Claim::InFlight, "a newer key is kept");
}

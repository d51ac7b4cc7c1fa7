//! The [`RateLimiter`] contract.

use std::{sync::Arc, time::Duration};

use crate::ratelimit::{RateDecision, RateLimiter};

/// Runs every rate-limiter check; `prefix` isolates this run's keys.
pub async fn run_all(limiter: Arc<dyn RateLimiter>, prefix: &str) {
    let key = format!("{prefix}login:a");
    assert_eq!(limiter.check(&key, 3).await.expect("check"), RateDecision::Allowed, "an unknown key is allowed");
    for i in 0..3 {
        assert_eq!(limiter.hit(&key, 3, Duration::from_secs(60)).await.expect("hit"), RateDecision::Allowed, "hit {i}");
        let budget_left = i < 2;
        let checked = limiter.check(&key, 3).await.expect("check");
        assert_eq!(checked == RateDecision::Allowed, budget_left, "after {} hits of 3: {checked:?}", i + 1);
    }
    match limiter.hit(&key, 3, Duration::from_secs(60)).await.expect("hit") {
        RateDecision::Limited { retry_after } => {
            assert!(retry_after <= Duration::from_secs(60) && retry_after > Duration::ZERO)
        }
        RateDecision::Allowed => panic!("the 4th hit of 3 must be limited"),
    }
    assert!(matches!(limiter.check(&key, 3).await.expect("check"), RateDecision::Limited { .. }));
    limiter.reset(&key).await.expect("reset");
    assert_eq!(limiter.check(&key, 3).await.expect("check"), RateDecision::Allowed, "reset forgets the key");

    // Windows end.
    let short = format!("{prefix}short");
    limiter.hit(&short, 1, Duration::from_millis(200)).await.expect("hit");
    assert!(matches!(
        limiter.hit(&short, 1, Duration::from_millis(200)).await.expect("hit"),
        RateDecision::Limited { .. }
    ));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(limiter.hit(&short, 1, Duration::from_millis(200)).await.expect("hit"), RateDecision::Allowed);

    // Concurrent hits are counted exactly.
    let burst = format!("{prefix}burst");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let limiter = Arc::clone(&limiter);
            let burst = burst.clone();
            tokio::spawn(async move { limiter.hit(&burst, 10, Duration::from_secs(60)).await.expect("hit") })
        })
        .collect();
    let mut allowed = 0;
    for t in tasks {
        if t.await.expect("task") == RateDecision::Allowed {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 10, "exactly `limit` of 50 concurrent hits pass");
}

//! The [`LeaseLock`] contract.

use std::{sync::Arc, time::Duration};

use crate::lease::{Lease, LeaseLock};

/// Runs every lease check; `prefix` isolates this run's lease names.
pub async fn run_all(lock: Arc<dyn LeaseLock>, prefix: &str) {
    a_free_lease_is_granted_and_a_held_one_skipped(&*lock, prefix).await;
    release_frees_it_for_the_next_holder(&*lock, prefix).await;
    a_stale_release_leaves_the_new_holder_alone(&*lock, prefix).await;
    a_lease_expires_after_its_max_hold(&*lock, prefix).await;
    exactly_one_of_many_concurrent_acquirers_wins(lock, prefix).await;
}

async fn acquire(lock: &dyn LeaseLock, name: &str, holder: &str, hold: Duration) -> Option<Lease> {
    lock.try_acquire(name, holder, hold).await.expect("try_acquire must not fail")
}

async fn a_free_lease_is_granted_and_a_held_one_skipped(lock: &dyn LeaseLock, prefix: &str) {
    let name = format!("{prefix}job-a");
    let lease = acquire(lock, &name, "node-1", Duration::from_secs(30)).await.expect("a free lease must be granted");
    assert_eq!(lease.name, name);
    assert_eq!(lease.holder, "node-1");
    assert!(acquire(lock, &name, "node-2", Duration::from_secs(30)).await.is_none(), "a held lease must be refused");
    assert!(acquire(lock, &name, "node-1", Duration::from_secs(30)).await.is_none(), "leases are not re-entrant");
    let other = acquire(lock, &format!("{prefix}job-b"), "node-2", Duration::from_secs(30)).await;
    assert!(other.is_some(), "different names must not block each other");
}

async fn release_frees_it_for_the_next_holder(lock: &dyn LeaseLock, prefix: &str) {
    let name = format!("{prefix}job-release");
    let lease = acquire(lock, &name, "node-1", Duration::from_secs(30)).await.expect("granted");
    assert!(lock.release(&lease).await.expect("release"), "releasing a current lease must report true");
    assert!(!lock.release(&lease).await.expect("release twice"), "a second release must report false");
    assert!(acquire(lock, &name, "node-2", Duration::from_secs(30)).await.is_some(), "a released lease must be free");
}

async fn a_stale_release_leaves_the_new_holder_alone(lock: &dyn LeaseLock, prefix: &str) {
    let name = format!("{prefix}job-stale");
    let first = acquire(lock, &name, "node-1", Duration::from_millis(150)).await.expect("granted");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let second = acquire(lock, &name, "node-2", Duration::from_secs(30)).await.expect("an expired lease must be free");
    assert!(!lock.release(&first).await.expect("stale release"), "a stale token must not release");
    assert!(acquire(lock, &name, "node-3", Duration::from_secs(30)).await.is_none(), "the new holder must keep it");
    assert!(lock.release(&second).await.expect("release"));
}

async fn a_lease_expires_after_its_max_hold(lock: &dyn LeaseLock, prefix: &str) {
    let name = format!("{prefix}job-expiry");
    let _held = acquire(lock, &name, "dead-node", Duration::from_millis(150)).await.expect("granted");
    assert!(acquire(lock, &name, "node-2", Duration::from_secs(30)).await.is_none());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        acquire(lock, &name, "node-2", Duration::from_secs(30)).await.is_some(),
        "a dead holder's lease must expire"
    );
}

async fn exactly_one_of_many_concurrent_acquirers_wins(lock: Arc<dyn LeaseLock>, prefix: &str) {
    for round in 0..5 {
        let name = format!("{prefix}job-race-{round}");
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let lock = Arc::clone(&lock);
                let name = name.clone();
                tokio::spawn(
                    async move { lock.try_acquire(&name, &format!("node-{i}"), Duration::from_secs(30)).await },
                )
            })
            .collect();
        let mut winners = 0;
        for task in tasks {
            if task.await.expect("task").expect("try_acquire").is_some() {
                winners += 1;
            }
        }
        assert_eq!(winners, 1, "exactly one of 32 concurrent acquirers must win (round {round})");
    }
}

//! The [`Cache`] contract.

use std::{sync::Arc, time::Duration};

use crate::cache::{Cache, get_json, set_json};

/// Runs every cache check; `prefix` isolates this run's keys.
pub async fn run_all(cache: Arc<dyn Cache>, prefix: &str) {
    missing_keys_read_as_none(&*cache, prefix).await;
    values_round_trip_and_overwrite(&*cache, prefix).await;
    delete_removes_and_tolerates_missing(&*cache, prefix).await;
    entries_expire_after_their_ttl(&*cache, prefix).await;
    json_helpers_round_trip(&*cache, prefix).await;
    concurrent_writers_do_not_interfere(cache, prefix).await;
}

async fn missing_keys_read_as_none(cache: &dyn Cache, prefix: &str) {
    let got = cache.get(&format!("{prefix}missing")).await.expect("get on a missing key must not fail");
    assert_eq!(got, None, "a missing key must read as None");
}

async fn values_round_trip_and_overwrite(cache: &dyn Cache, prefix: &str) {
    let key = format!("{prefix}자격증:1 with spaces");
    let binary = vec![0u8, 255, 10, 13, 0x80, b'x'];
    cache.set(&key, &binary, Duration::from_secs(60)).await.expect("set");
    assert_eq!(cache.get(&key).await.expect("get"), Some(binary), "bytes must round-trip exactly");
    cache.set(&key, b"", Duration::from_secs(60)).await.expect("overwrite with empty");
    assert_eq!(cache.get(&key).await.expect("get"), Some(Vec::new()), "an empty value is a value, not a miss");
    cache.set(&key, b"second", Duration::from_secs(60)).await.expect("overwrite");
    assert_eq!(cache.get(&key).await.expect("get"), Some(b"second".to_vec()), "set must replace the old value");
}

async fn delete_removes_and_tolerates_missing(cache: &dyn Cache, prefix: &str) {
    let key = format!("{prefix}to-delete");
    cache.set(&key, b"v", Duration::from_secs(60)).await.expect("set");
    cache.delete(&key).await.expect("delete");
    assert_eq!(cache.get(&key).await.expect("get"), None, "a deleted key must read as None");
    cache.delete(&key).await.expect("deleting a missing key must not fail");
}

async fn entries_expire_after_their_ttl(cache: &dyn Cache, prefix: &str) {
    let key = format!("{prefix}short-lived");
    cache.set(&key, b"v", Duration::from_millis(150)).await.expect("set");
    assert_eq!(cache.get(&key).await.expect("get"), Some(b"v".to_vec()), "a fresh entry must be readable");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(cache.get(&key).await.expect("get"), None, "an entry must be gone after its TTL");
}

async fn json_helpers_round_trip(cache: &dyn Cache, prefix: &str) {
    let key = format!("{prefix}json");
    set_json(cache, &key, &vec![("정보처리기사", 1)], Duration::from_secs(60)).await.expect("set_json");
    let got: Option<Vec<(String, i32)>> = get_json(cache, &key).await.expect("get_json");
    assert_eq!(got, Some(vec![("정보처리기사".to_owned(), 1)]));
    cache.set(&key, b"not json", Duration::from_secs(60)).await.expect("set");
    let got: Option<Vec<(String, i32)>> = get_json(cache, &key).await.expect("get_json");
    assert_eq!(got, None, "undecodable bytes must read as a miss");
}

async fn concurrent_writers_do_not_interfere(cache: Arc<dyn Cache>, prefix: &str) {
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let cache = Arc::clone(&cache);
            let key = format!("{prefix}concurrent:{i}");
            tokio::spawn(async move {
                cache.set(&key, i.to_string().as_bytes(), Duration::from_secs(60)).await.expect("concurrent set");
                cache.get(&key).await.expect("concurrent get")
            })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        let got = task.await.expect("task");
        assert_eq!(got, Some(i.to_string().into_bytes()), "each writer must read back its own value");
    }
}

//! The [`RefreshTokenStore`] contract, run by every adapter.

use std::{sync::Arc, time::Duration};

use crate::ports::{RefreshSession, RefreshTokenStore, Rotation};

/// Runs every check; `prefix` isolates this run's tokens.
pub async fn run_all(store: Arc<dyn RefreshTokenStore>, prefix: &str) {
    let ttl = Duration::from_secs(60);
    let t = |n: &str| format!("{prefix}{n}");
    let s1 = RefreshSession { user_id: 1, family: t("fam-1") };
    store.create(&t("a"), &s1, ttl).await.expect("create");

    // Rotation: a → b, then b → c.
    assert_eq!(store.rotate(&t("a"), &t("b"), ttl).await.expect("rotate"), Rotation::Rotated(s1.clone()));
    assert_eq!(store.rotate(&t("b"), &t("c"), ttl).await.expect("rotate"), Rotation::Rotated(s1.clone()));
    // Replaying a spent token revokes the family: c is dead too.
    assert_eq!(store.rotate(&t("a"), &t("x"), ttl).await.expect("replay"), Rotation::Reused(s1.clone()));
    assert_eq!(store.rotate(&t("c"), &t("d"), ttl).await.expect("after revoke"), Rotation::Unknown);
    assert_eq!(store.rotate(&t("x"), &t("y"), ttl).await.expect("the replay's token"), Rotation::Unknown);
    assert_eq!(store.rotate(&t("never"), &t("z"), ttl).await.expect("unknown"), Rotation::Unknown);

    // Logout revokes one family; the user's other sessions live on.
    let s2 = RefreshSession { user_id: 2, family: t("fam-2") };
    let s3 = RefreshSession { user_id: 2, family: t("fam-3") };
    let s4 = RefreshSession { user_id: 2, family: t("fam-4") };
    store.create(&t("p"), &s2, ttl).await.expect("create");
    store.create(&t("q"), &s3, ttl).await.expect("create");
    store.create(&t("r"), &s4, ttl).await.expect("create");
    store.revoke_family(&s2.family).await.expect("revoke family");
    assert_eq!(store.rotate(&t("p"), &t("p2"), ttl).await.expect("rotate"), Rotation::Unknown);
    // Password change: every family but the current one ends.
    let mut revoked = store.revoke_user(2, Some(&s4.family)).await.expect("revoke user");
    revoked.sort();
    assert_eq!(revoked, vec![s3.family.clone()]);
    assert_eq!(store.rotate(&t("q"), &t("q2"), ttl).await.expect("rotate"), Rotation::Unknown);
    assert_eq!(store.rotate(&t("r"), &t("r2"), ttl).await.expect("rotate"), Rotation::Rotated(s4.clone()));

    // Tokens expire.
    let s5 = RefreshSession { user_id: 5, family: t("fam-5") };
    store.create(&t("short"), &s5, Duration::from_millis(150)).await.expect("create");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.rotate(&t("short"), &t("s2"), ttl).await.expect("rotate"), Rotation::Unknown);

    // Concurrent rotations of one token: exactly one wins, the others see reuse.
    let s6 = RefreshSession { user_id: 6, family: t("fam-6") };
    store.create(&t("race"), &s6, ttl).await.expect("create");
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = Arc::clone(&store);
            let (old, new) = (t("race"), t(&format!("race-{i}")));
            tokio::spawn(async move { store.rotate(&old, &new, ttl).await.expect("rotate") })
        })
        .collect();
    let mut rotated = 0;
    for task in tasks {
        if matches!(task.await.expect("task"), Rotation::Rotated(_)) {
            rotated += 1;
        }
    }
    assert_eq!(rotated, 1, "a refresh token can be spent once");
}

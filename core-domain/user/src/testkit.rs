//! The [`RefreshTokenStore`] contract, run by every adapter.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};

use crate::ports::{RefreshSession, RefreshTokenStore, Rotation};

const GRACE: Duration = Duration::from_secs(20);

/// Runs every check; `prefix` isolates this run's tokens.
pub async fn run_all(store: Arc<dyn RefreshTokenStore>, prefix: &str) {
    let ttl = Duration::from_secs(60);
    let t = |n: &str| format!("{prefix}{n}");
    // Times are the caller's (the service's injected clock), so the grace window is tested
    // without waiting for it.
    let t0 = DateTime::<Utc>::from_timestamp_millis(1_800_000_000_000).unwrap_or_default();
    let later = |secs: i64| t0 + chrono::Duration::seconds(secs);
    let rotated = |session: &RefreshSession, at| Rotation::Rotated { session: session.clone(), at };
    let s1 = RefreshSession { user_id: 1, family: t("fam-1") };
    store.create(&t("a"), &s1, ttl).await.expect("create");

    // Rotation: a → b, then b → c.
    assert_eq!(store.rotate(&t("a"), &t("b"), ttl, t0, GRACE).await.expect("rotate"), rotated(&s1, t0));
    assert_eq!(store.rotate(&t("b"), &t("c"), ttl, later(1), GRACE).await.expect("rotate"), rotated(&s1, later(1)));
    // Within the grace window a spent token answers with its successor and changes nothing.
    assert_eq!(
        store.rotate(&t("a"), &t("b"), ttl, later(19), GRACE).await.expect("in grace"),
        rotated(&s1, t0),
        "a repeat within the grace window reports the first rotation"
    );
    // Replaying a spent token after the window revokes the family: c is dead too.
    assert_eq!(
        store.rotate(&t("a"), &t("b"), ttl, later(21), GRACE).await.expect("replay"),
        Rotation::Reused(s1.clone())
    );
    assert_eq!(store.rotate(&t("c"), &t("d"), ttl, later(21), GRACE).await.expect("after revoke"), Rotation::Unknown);
    assert_eq!(store.rotate(&t("never"), &t("z"), ttl, t0, GRACE).await.expect("unknown"), Rotation::Unknown);

    // Spending a token into another successor than its first is a replay, grace or not.
    let s7 = RefreshSession { user_id: 7, family: t("fam-7") };
    store.create(&t("m"), &s7, ttl).await.expect("create");
    assert_eq!(store.rotate(&t("m"), &t("m1"), ttl, t0, GRACE).await.expect("rotate"), rotated(&s7, t0));
    assert_eq!(
        store.rotate(&t("m"), &t("m2"), ttl, later(1), GRACE).await.expect("fork"),
        Rotation::Reused(s7.clone())
    );
    assert_eq!(store.rotate(&t("m1"), &t("m3"), ttl, later(1), GRACE).await.expect("dead"), Rotation::Unknown);

    // Logout revokes one family; the user's other sessions live on.
    let s2 = RefreshSession { user_id: 2, family: t("fam-2") };
    let s3 = RefreshSession { user_id: 2, family: t("fam-3") };
    let s4 = RefreshSession { user_id: 2, family: t("fam-4") };
    store.create(&t("p"), &s2, ttl).await.expect("create");
    store.create(&t("q"), &s3, ttl).await.expect("create");
    store.create(&t("r"), &s4, ttl).await.expect("create");
    store.revoke_family(&s2.family).await.expect("revoke family");
    assert_eq!(store.rotate(&t("p"), &t("p2"), ttl, t0, GRACE).await.expect("rotate"), Rotation::Unknown);
    // Password change: every family but the current one ends.
    let mut revoked = store.revoke_user(2, Some(&s4.family)).await.expect("revoke user");
    revoked.sort();
    assert_eq!(revoked, vec![s3.family.clone()]);
    assert_eq!(store.rotate(&t("q"), &t("q2"), ttl, t0, GRACE).await.expect("rotate"), Rotation::Unknown);
    assert_eq!(store.rotate(&t("r"), &t("r2"), ttl, t0, GRACE).await.expect("rotate"), rotated(&s4, t0));

    // A revoked family's spent tokens do not come back within the grace window either.
    store.revoke_family(&s4.family).await.expect("revoke");
    assert_eq!(store.rotate(&t("r"), &t("r2"), ttl, later(1), GRACE).await.expect("revoked"), Rotation::Unknown);

    // Tokens expire.
    let s5 = RefreshSession { user_id: 5, family: t("fam-5") };
    store.create(&t("short"), &s5, Duration::from_millis(150)).await.expect("create");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.rotate(&t("short"), &t("s2"), ttl, t0, GRACE).await.expect("rotate"), Rotation::Unknown);

    // Concurrent rotations of one token into its one successor all get that successor; the
    // session lives on, and its successor rotates normally.
    let s6 = RefreshSession { user_id: 6, family: t("fam-6") };
    store.create(&t("race"), &s6, ttl).await.expect("create");
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = Arc::clone(&store);
            let (old, new) = (t("race"), t("race-next"));
            let at = later(i % 3);
            tokio::spawn(async move { store.rotate(&old, &new, ttl, at, GRACE).await.expect("rotate") })
        })
        .collect();
    let mut firsts = std::collections::HashSet::new();
    for task in tasks {
        match task.await.expect("task") {
            Rotation::Rotated { session, at } => {
                assert_eq!(session, s6);
                firsts.insert(at);
            }
            other => panic!("a concurrent refresh within the grace window was refused: {other:?}"),
        }
    }
    assert_eq!(firsts.len(), 1, "every concurrent use reports the same first rotation");
    let first = firsts.into_iter().next().expect("one");
    assert_eq!(
        store.rotate(&t("race-next"), &t("race-next-2"), ttl, later(3), GRACE).await.expect("rotate"),
        rotated(&s6, later(3)),
        "the successor is current"
    );
    assert_eq!(
        store
            .rotate(&t("race"), &t("race-next"), ttl, first + chrono::Duration::seconds(25), GRACE)
            .await
            .expect("late"),
        Rotation::Reused(s6.clone()),
        "after the window the spent token is a replay"
    );
    assert_eq!(
        store.rotate(&t("race-next-2"), &t("x"), ttl, later(26), GRACE).await.expect("dead"),
        Rotation::Unknown,
        "the replay revoked the family"
    );

    live_families(store.as_ref(), prefix).await;
}

/// The families of this run (`prefix`) among `families`, sorted.
fn ours(families: Vec<String>, prefix: &str) -> Vec<String> {
    let mut families: Vec<String> = families.into_iter().filter(|f| f.starts_with(prefix)).collect();
    families.sort();
    families
}

/// The families `store` lists as live for `user_id`, of this run only, sorted.
async fn live(store: &dyn RefreshTokenStore, user_id: i64, prefix: &str) -> Vec<String> {
    ours(store.live_families(user_id).await.expect("live families"), prefix)
}

/// [`RefreshTokenStore::live_families`]: what an operator sees of a user's sessions follows
/// sign-ins, rotations, sign-outs, password changes and expiry.
async fn live_families(store: &dyn RefreshTokenStore, prefix: &str) {
    let ttl = Duration::from_secs(60);
    let t = |n: &str| format!("{prefix}{n}");
    let t0 = DateTime::<Utc>::from_timestamp_millis(1_800_000_000_000).unwrap_or_default();
    let session = |f: &str| RefreshSession { user_id: 8, family: t(f) };
    assert_eq!(live(store, 8, prefix).await, Vec::<String>::new(), "no sessions yet");
    store.create(&t("la"), &session("fam-8a"), ttl).await.expect("create");
    store.create(&t("lb"), &session("fam-8b"), ttl).await.expect("create");
    store.create(&t("lk"), &session("fam-8k"), ttl).await.expect("create");
    // A rotation keeps the family one session.
    let rotated = store.rotate(&t("lb"), &t("lb2"), ttl, t0, GRACE).await.expect("rotate");
    assert_eq!(rotated, Rotation::Rotated { session: session("fam-8b"), at: t0 });
    store.create(&t("other"), &RefreshSession { user_id: 9, family: t("fam-9") }, ttl).await.expect("create");
    // Short-lived tokens created last, in a new session and in a lasting one, shorten neither
    // how long the lasting sessions are known nor how long the user's are.
    let short = Duration::from_millis(150);
    store.create(&t("ls"), &session("fam-8s"), short).await.expect("create");
    store.create(&t("lk-short"), &session("fam-8k"), short).await.expect("create");
    assert_eq!(live(store, 8, prefix).await, [t("fam-8a"), t("fam-8b"), t("fam-8k"), t("fam-8s")], "after sign-ins");
    store.revoke_family(&t("fam-8a")).await.expect("revoke family");
    assert_eq!(live(store, 8, prefix).await, [t("fam-8b"), t("fam-8k"), t("fam-8s")], "after a sign-out");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(live(store, 8, prefix).await, [t("fam-8b"), t("fam-8k")], "an expired session is not live");
    // Ending the others reports the live ones only, once each, and leaves the kept one.
    let revoked = store.revoke_user(8, Some(&t("fam-8k"))).await.expect("revoke user");
    assert_eq!(ours(revoked, prefix), [t("fam-8b")], "the expired session was not live, so not reported");
    assert_eq!(live(store, 8, prefix).await, [t("fam-8k")], "after ending the other sessions");
    assert_eq!(live(store, 9, prefix).await, [t("fam-9")], "another user's sessions are untouched");
    let revoked = store.revoke_user(8, None).await.expect("revoke user");
    assert_eq!(ours(revoked, prefix), [t("fam-8k")], "the kept session ends last");
    assert_eq!(live(store, 8, prefix).await, Vec::<String>::new(), "after ending every session");
}

/// The [`crate::ports::SessionRevocations`] contract; `prefix` isolates this run's sessions.
pub async fn revocations_contract(store: Arc<dyn crate::ports::SessionRevocations>, prefix: &str) {
    let now = Utc::now();
    let sid = |n: &str| format!("{prefix}{n}");
    assert!(!store.is_revoked(&sid("live"), now).await.expect("check"), "unknown sessions are live");
    store.revoke(&sid("ended"), now + chrono::Duration::minutes(16)).await.expect("revoke");
    assert!(store.is_revoked(&sid("ended"), now).await.expect("check"));
    assert!(!store.is_revoked(&sid("live"), now).await.expect("check"), "only that session");
    // Revoking again is harmless and extends the record.
    store.revoke(&sid("ended"), now + chrono::Duration::minutes(17)).await.expect("again");
    assert!(store.is_revoked(&sid("ended"), now + chrono::Duration::minutes(16)).await.expect("check"));
    // A lapsed record no longer matters (its tokens have expired anyway).
    store.revoke(&sid("short"), now + chrono::Duration::milliseconds(300)).await.expect("revoke");
    assert!(store.is_revoked(&sid("short"), now).await.expect("check"));
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!store.is_revoked(&sid("short"), Utc::now()).await.expect("check"), "lapsed");
    // Many other sessions do not push a revocation out.
    for i in 0..500 {
        store.revoke(&sid(&format!("flood-{i}")), now + chrono::Duration::minutes(16)).await.expect("flood");
    }
    assert!(store.is_revoked(&sid("ended"), now).await.expect("check"), "not evicted by other entries");
}

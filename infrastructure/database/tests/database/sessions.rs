//! Refresh tokens in the database, as embedded mode's processes share them, on SQLite (always)
//! and MariaDB (CI): rotations racing from several processes agree, sessions outlive a
//! restart, another process ends them, and expired rows are swept.

use std::{sync::Arc, time::Duration};

use cercat_database::*;
use cercat_user::ports::{RefreshSession, RefreshTokenStore, Rotation};
use chrono::Utc;
use sea_orm::{ConnectionTrait, Statement};

const TTL: Duration = Duration::from_secs(60);
const GRACE: Duration = Duration::from_secs(20);

/// A handle of its own (its own pool and, on SQLite, its own writer queue), as another
/// process over the same database has.
async fn process(url: &str) -> Db {
    let db = Db::connect(&DbOptions {
        url: url.to_owned(),
        max_connections: 4,
        connect_timeout: Duration::from_secs(5),
        query_timeout: Duration::from_secs(10),
    })
    .await
    .expect("connect");
    db.migrate_up().await.expect("migrate");
    db
}

async fn rows(db: &Db) -> i64 {
    let count = Statement::from_string(db.backend(), "SELECT COUNT(*) AS n FROM refresh_tokens");
    let row = db.conn().query_one_raw(count).await.unwrap().expect("a count");
    row.try_get::<i64>("", "n").unwrap()
}

/// 16 uses of one token at once, from four processes: every one is answered with the one
/// successor and the same first rotation, and the session goes on.
async fn concurrent_rotations_agree(url: &str) {
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(Arc::new(SqlRefreshStore::new(process(url).await)));
    }
    let session = RefreshSession { user_id: 41, family: "race-family".into() };
    stores[0].create("race", &session, TTL).await.unwrap();
    let now = Utc::now();
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = Arc::clone(&stores[i % stores.len()]);
            let at = now + chrono::Duration::milliseconds(i64::try_from(i).unwrap() * 10);
            tokio::spawn(async move { store.rotate("race", "race-next", TTL, at, GRACE).await })
        })
        .collect();
    let mut firsts = std::collections::HashSet::new();
    for task in tasks {
        match task.await.unwrap().expect("no rotation fails (a locked database is waited for)") {
            Rotation::Rotated { session: got, at } => {
                assert_eq!(got, session);
                firsts.insert(at);
            }
            other => panic!("a concurrent use within the grace window was refused: {other:?}"),
        }
    }
    assert_eq!(firsts.len(), 1, "every use reports the same first rotation: {firsts:?}");
    assert_eq!(stores[3].live_families(41).await.unwrap(), ["race-family"]);
    let next = stores[1].rotate("race-next", "race-next-2", TTL, now, GRACE).await.unwrap();
    assert!(matches!(next, Rotation::Rotated { .. }), "the one successor is current: {next:?}");
}

/// What embedded mode's api and `cercat-admin` see of each other's sessions, and of a restart.
async fn sessions_are_shared_and_survive_restarts(url: &str) {
    let api = SqlRefreshStore::new(process(url).await);
    let alice = |f: &str| RefreshSession { user_id: 42, family: f.to_owned() };
    api.create("phone", &alice("phone-family"), TTL).await.unwrap();
    api.create("laptop", &alice("laptop-family"), TTL).await.unwrap();
    let at = Utc::now();
    assert!(matches!(api.rotate("phone", "phone-2", TTL, at, GRACE).await.unwrap(), Rotation::Rotated { .. }));

    // The api restarts: its sessions are still there, spent tokens included.
    drop(api);
    let api = SqlRefreshStore::new(process(url).await);
    let again = api.rotate("phone", "phone-2", TTL, at + chrono::Duration::seconds(1), GRACE).await.unwrap();
    assert_eq!(
        again,
        Rotation::Rotated {
            session: alice("phone-family"),
            at: chrono::DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap()
        },
        "a repeat within the grace window after a restart"
    );

    // An operator suspends her from another process: the api's sessions end.
    let admin = SqlRefreshStore::new(process(url).await);
    let mut live = admin.live_families(42).await.unwrap();
    live.sort();
    assert_eq!(live, ["laptop-family", "phone-family"], "the operator sees both sessions");
    let mut ended = admin.revoke_user(42, None).await.unwrap();
    ended.sort();
    assert_eq!(ended, ["laptop-family", "phone-family"]);
    assert_eq!(api.rotate("phone-2", "phone-3", TTL, at, GRACE).await.unwrap(), Rotation::Unknown);
    assert_eq!(api.rotate("laptop", "laptop-2", TTL, at, GRACE).await.unwrap(), Rotation::Unknown);
    assert!(api.live_families(42).await.unwrap().is_empty());
}

/// Expired tokens are deleted when a store starts creating, so the table holds live sessions.
async fn expired_tokens_are_swept(url: &str) {
    let db = process(url).await;
    let first = SqlRefreshStore::new(db.clone());
    for i in 0..5 {
        let s = RefreshSession { user_id: 43, family: format!("short-{i}") };
        first.create(&format!("short-{i}"), &s, Duration::from_millis(50)).await.unwrap();
    }
    first.create("long", &RefreshSession { user_id: 43, family: "long".into() }, TTL).await.unwrap();
    let before = rows(&db).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // A restarted api's first sign-in sweeps.
    let restarted = SqlRefreshStore::new(process(url).await);
    restarted.create("fresh", &RefreshSession { user_id: 43, family: "fresh".into() }, TTL).await.unwrap();
    assert_eq!(rows(&db).await, before - 5 + 1, "the five expired tokens are gone, the live ones stay");
    let mut live = restarted.live_families(43).await.unwrap();
    live.sort();
    assert_eq!(live, ["fresh", "long"]);
}

async fn all(url: &str) {
    concurrent_rotations_agree(url).await;
    sessions_are_shared_and_survive_restarts(url).await;
    expired_tokens_are_swept(url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_refresh_tokens_are_shared_by_processes() {
    let dir = tempfile::tempdir().unwrap();
    all(&format!("sqlite://{}/cercat.db?mode=rwc", dir.path().display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_refresh_tokens_are_shared_by_processes() {
    let database = cercat_testing::TestMysql::fresh().await;
    all(database.url()).await;
}

//! The coupon repository under its domain contract, on SQLite (always) and MariaDB (CI).

use std::sync::Arc;

use cercat_database::*;
use cercat_user::ports::UserRepository;
use chrono::Utc;

/// Three fresh accounts.
async fn members(db: &Db, tag: &str) -> [i64; 3] {
    let users = SqlUserRepository::new(db.clone());
    let mut ids = [0; 3];
    for (i, id) in ids.iter_mut().enumerate() {
        let user = cercat_user::model::NewUser {
            email: cercat_user::Email::parse(&format!("coupon{tag}{i}@example.com")).unwrap(),
            nickname: cercat_user::Nickname::parse(&format!("쿠폰{tag}{i}")).unwrap(),
            role: cercat_user::Role::User,
            password_hash: None,
            oauth: None,
        };
        *id = users.create(&user, Utc::now()).await.unwrap().id;
    }
    ids
}

async fn contract(db: Db) {
    let users = members(&db, "a").await;
    cercat_coupon::testkit::run_all(Arc::new(SqlCouponRepository::new(db)), users, "SQL", Utc::now()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_coupons_keep_their_contract() {
    let dir = tempfile::tempdir().unwrap();
    contract(super::connect(&format!("sqlite://{}?mode=rwc", dir.path().join("c.db").display())).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_coupons_keep_their_contract() {
    let database = cercat_testing::TestMysql::fresh().await;
    contract(super::connect(database.url()).await).await;
}

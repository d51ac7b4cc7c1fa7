//! The coupon repository under its domain contract, on SQLite (always) and MariaDB (CI).

use std::sync::Arc;

use cercat_database::*;
use cercat_user::ports::UserRepository;
use chrono::{SubsecRound, Utc};

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

/// Seat holds that spend coupons: the coupons are reserved in the hold's transaction (two
/// holds racing for one coupon: one wins, the other holds nothing), spent with the payment,
/// and given back exactly once by the release — on SQLite and MariaDB alike.
async fn checkouts_reserve_spend_and_give_back_coupons(db: Db) {
    use cercat_coupon::{HoldState, ports::CouponRepository};
    use cercat_course::{
        CourseDraft, EnrollmentStatus, HoldOutcome, Transition,
        ports::{CourseRepository, NewHold, SeatLedger},
    };
    let now = Utc::now().trunc_subsecs(0);
    let mut people = super::accounts(&db, "checkout", 2).await;
    let (instructor, student) = (people.remove(0), people.remove(0));
    let coupons = Arc::new(SqlCouponRepository::new(db.clone()));
    let courses = SqlCourseRepository::new(db.clone());
    let ledger = Arc::new(SqlSeatLedger::new(db.clone()));
    let draft = |title: &str| CourseDraft {
        title: title.into(),
        description: "쿠폰 결제".into(),
        certificate_id: 1,
        capacity: 5,
        price: 30_000,
        opens_at: now - chrono::Duration::days(1),
        closes_at: now + chrono::Duration::days(1),
        waiting_room: false,
        admission_rate: None,
    };
    let (a, b) = (
        courses.create(instructor, &draft("A"), now).await.unwrap(),
        courses.create(instructor, &draft("B"), now).await.unwrap(),
    );
    let coupon = coupons.create(&cercat_coupon::testkit::terms("결제 쿠폰", now), now).await.unwrap();
    coupons.grant(coupon, &[student], now).await.unwrap();
    let mine = coupons.held(student).await.unwrap()[0].coupon.id;
    let orders = std::sync::atomic::AtomicU64::new(now.timestamp_micros().unsigned_abs());
    let hold = |course: i64| NewHold {
        course_id: course,
        user_id: student,
        amount: 29_000,
        coupons: vec![mine],
        order_id: format!("coupon-{course}-{}", orders.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
        status: EnrollmentStatus::PendingPayment,
        deadline: now + chrono::Duration::minutes(10),
        at: now,
    };
    let state = || {
        let coupons = coupons.clone();
        async move { coupons.held_among(student, &[mine]).await.unwrap()[0].state.clone() }
    };

    // Two checkouts race for the one coupon.
    let (h1, h2) = (hold(a), hold(b));
    let (l1, l2) = (ledger.clone(), ledger.clone());
    let (r1, r2) = tokio::join!(async move { l1.try_hold(&h1).await }, async move { l2.try_hold(&h2).await });
    let outcomes = [r1.unwrap(), r2.unwrap()];
    let held: Vec<_> =
        outcomes.iter().filter_map(|o| if let HoldOutcome::Held(e) = o { Some(e.clone()) } else { None }).collect();
    assert_eq!(held.len(), 1, "one checkout gets the coupon: {outcomes:?}");
    assert!(outcomes.contains(&HoldOutcome::CouponTaken(mine)), "{outcomes:?}");
    let e = &held[0];
    let loser = if e.course_id == a { b } else { a };
    assert_eq!(courses.find(loser).await.unwrap().unwrap().seats_taken, 0, "the refused checkout held no seat");
    let owner = cercat_coupon::Checkout::Enrollment(e.id).key();
    assert_eq!(state().await, HoldState::Locked { owner: owner.clone() });

    // Paid: spent. Refunded: given back, once.
    ledger.complete(e.id, &format!("pk-coupon-{}", e.id), 29_000, now).await.unwrap().expect("paid");
    assert!(matches!(state().await, HoldState::Used { owner: o, .. } if o == owner));
    let refunded = ledger.release(e.id, Transition::REFUND, now).await.unwrap().expect("refunded");
    assert_eq!(refunded.status, EnrollmentStatus::Refunded);
    assert_eq!(state().await, HoldState::Usable, "a refund gives the coupon back");
    assert_eq!(ledger.release(e.id, Transition::REFUND, now).await.unwrap(), None, "a release happens once");

    // Held again elsewhere, then the hold runs out: given back again.
    let again = match ledger.try_hold(&hold(loser)).await.unwrap() {
        HoldOutcome::Held(e) => e,
        other => panic!("the given-back coupon is usable again: {other:?}"),
    };
    ledger.release(again.id, Transition::EXPIRE, now).await.unwrap().expect("expired");
    assert_eq!(state().await, HoldState::Usable);

    // Someone else's coupon reserves nothing.
    let stranger = super::accounts(&db, "stranger", 1).await[0];
    let foreign = NewHold { user_id: stranger, ..hold(a) };
    assert_eq!(ledger.try_hold(&foreign).await.unwrap(), HoldOutcome::CouponTaken(mine));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_checkouts_reserve_spend_and_give_back_coupons() {
    let dir = tempfile::tempdir().unwrap();
    checkouts_reserve_spend_and_give_back_coupons(super::seeded_sqlite(&dir).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_checkouts_reserve_spend_and_give_back_coupons() {
    let (_database, db) = super::seeded_mariadb().await;
    checkouts_reserve_spend_and_give_back_coupons(db).await;
}

async fn first_come_claims_keep_their_contract(db: Db) {
    let users = super::accounts(&db, "firstcome", 12).await;
    let coupons = SqlCouponRepository::new(db.clone());
    let now = Utc::now().trunc_subsecs(0);
    use cercat_coupon::ports::CouponRepository;
    let coupon = coupons.create(&cercat_coupon::testkit::terms("선착순", now), now).await.unwrap();
    cercat_coupon::testkit::first_come::repository_contract(
        Arc::new(SqlFirstComeRepository::new(db)),
        coupon,
        &users,
        now,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_first_come_claims_keep_their_contract() {
    let dir = tempfile::tempdir().unwrap();
    first_come_claims_keep_their_contract(super::seeded_sqlite(&dir).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_first_come_claims_keep_their_contract() {
    let (_database, db) = super::seeded_mariadb().await;
    first_come_claims_keep_their_contract(db).await;
}

//! The market adapters under their domain contracts, on SQLite (always) and MariaDB (CI); the
//! typed events their transitions write to the outbox; and how withdrawn and purged accounts
//! show on products.

use std::sync::Arc;

use cercat_common::outbox::OutboxStore;
use cercat_coupon::ports::CouponRepository;
use cercat_database::*;
use cercat_market::{
    OrderStatus, OrderTransition, Seller,
    events::{ORDER_TOPIC, OrderEvent},
    ports::{LikeChange, OrderLedger, PlaceOutcome, ProductRepository},
    testkit::{
        orders::{OrderFixture, OrderPorts, new_order},
        products::{ProductFixture, draft, listed, t0},
    },
};
use cercat_user::ports::UserRepository;

async fn products_keep_their_contract(db: Db) {
    let mut users = super::accounts(&db, "mktseller", 2).await;
    let sellers = [
        Seller { user_id: users.remove(0), nickname: "mktseller0".into() },
        Seller { user_id: users.remove(0), nickname: "mktseller1".into() },
    ];
    let users = super::accounts(&db, "mktliker", 50).await;
    let fixture = ProductFixture { sellers, users, certificates: [1, 2], missing_certificate: 987_654 };
    cercat_market::testkit::products::run_all(Arc::new(SqlProductRepository::new(db)), fixture).await;
}

/// Three usable coupons of `buyer` (one grant each of three coupons).
async fn coupons_of(coupons: &SqlCouponRepository, buyer: i64) -> [i64; 3] {
    let now = chrono::Utc::now();
    for name in ["주문 쿠폰 1", "주문 쿠폰 2", "주문 쿠폰 3"] {
        let coupon = coupons.create(&cercat_coupon::testkit::terms(name, now), now).await.unwrap();
        coupons.grant(coupon, &[buyer], now).await.unwrap();
    }
    let mut held: Vec<i64> = coupons.held(buyer).await.unwrap().iter().map(|h| h.coupon.id).collect();
    held.sort_unstable();
    held.try_into().expect("three coupons")
}

async fn orders_keep_their_contract(db: Db) {
    let seller = super::accounts(&db, "mktshop", 1).await[0];
    let buyers = super::accounts(&db, "mktbuyer", 50).await;
    let coupons = SqlCouponRepository::new(db.clone());
    let fixture = OrderFixture { seller, coupons: coupons_of(&coupons, buyers[0]).await, buyers, certificate: 1 };
    let ports = OrderPorts {
        ledger: Arc::new(SqlOrderLedger::new(db.clone())),
        products: Arc::new(SqlProductRepository::new(db)),
        coupons: Arc::new(coupons),
    };
    cercat_market::testkit::orders::run_all(ports, fixture).await;
}

/// Each transition records its typed event in its own transaction: placed, then paid or
/// expired; a refused placement or a release that does not happen records none.
async fn transitions_record_their_events(db: Db) {
    let mut people = super::accounts(&db, "mktevent", 2).await;
    let (seller, buyer) = (people.remove(0), people.remove(0));
    let products = SqlProductRepository::new(db.clone());
    let ledger = SqlOrderLedger::new(db.clone());
    let outbox = SqlOutboxStore::new(db.clone());
    let events = || async {
        let pending = outbox.unsent(10_000).await.unwrap();
        pending
            .into_iter()
            .filter(|p| p.event.topic == ORDER_TOPIC)
            .map(|p| (p.event.aggregate_id.clone(), p.event.decode::<OrderEvent>().unwrap()))
            .collect::<Vec<_>>()
    };
    let d = draft(1, "이벤트 상품", "x");
    let (paid_product, expired_product) =
        (listed(&products, seller, &d, &[], t0()).await, listed(&products, seller, &d, &[], t0()).await);
    let o = |product| new_order(product, d.price, buyer, &[], d.price, t0());
    let PlaceOutcome::Placed(a) = ledger.place(&o(paid_product)).await.unwrap() else { panic!("placed") };
    let PlaceOutcome::Placed(b) = ledger.place(&o(expired_product)).await.unwrap() else { panic!("placed") };
    assert_eq!(
        ledger.place(&o(paid_product)).await.unwrap(),
        PlaceOutcome::NotOnSale(cercat_market::ProductStatus::Reserved)
    );
    let paid = ledger.complete(a.id, "pk-event-a", t0()).await.unwrap().expect("paid");
    let expired = ledger.release(b.id, OrderTransition::EXPIRE, t0()).await.unwrap().expect("expired");
    assert_eq!(ledger.release(b.id, OrderTransition::EXPIRE, t0()).await.unwrap(), None);
    assert_eq!(ledger.complete(b.id, "pk-event-b", t0()).await.unwrap(), None);

    // A coupon that is not the buyer's: the order row was written, then the transaction dropped.
    let third = listed(&products, seller, &d, &[], t0()).await;
    let refused = new_order(third, d.price, buyer, &[i64::MAX], d.price, t0());
    assert_eq!(ledger.place(&refused).await.unwrap(), PlaceOutcome::CouponTaken(i64::MAX));

    let recorded = events().await;
    let of =
        |id: i64| recorded.iter().filter(|(agg, _)| *agg == id.to_string()).map(|(_, e)| e.clone()).collect::<Vec<_>>();
    assert_eq!(of(a.id), vec![cercat_market::events::transition(&a), cercat_market::events::transition(&paid)]);
    assert_eq!(of(b.id), vec![cercat_market::events::transition(&b), cercat_market::events::transition(&expired)]);
    assert!(
        matches!(of(a.id)[1], OrderEvent::OrderPaid(ref c) if c.status == OrderStatus::Paid && c.seller_id == seller)
    );
    assert!(matches!(of(b.id)[1], OrderEvent::OrderExpired(ref c) if c.buyer_id == buyer));
    assert_eq!(recorded.len(), 4, "refusals and transitions that did not happen record nothing: {recorded:?}");
}

/// A withdrawn seller is shown as such; purging an account takes its likes back from the
/// products' counters and leaves its products (and their orders) in place.
async fn withdrawn_and_purged_accounts(db: Db) {
    let mut people = super::accounts(&db, "mktgone", 3).await;
    let (seller, liker, other) = (people.remove(0), people.remove(0), people.remove(0));
    let users = SqlUserRepository::new(db.clone());
    let products = SqlProductRepository::new(db.clone());
    let id = listed(&products, seller, &draft(1, "탈퇴 판매자", "x"), &[], t0()).await;
    assert_eq!(
        products.find(id, 0).await.unwrap().unwrap().seller,
        Seller { user_id: seller, nickname: "mktgone0".into() }
    );
    for user in [liker, other] {
        assert_eq!(products.like(id, user, t0()).await.unwrap(), LikeChange::Changed);
    }
    let at = chrono::Utc::now() - chrono::Duration::days(60);
    assert!(users.withdraw(seller, at).await.unwrap() && users.withdraw(liker, at).await.unwrap());
    let shown = products.find(id, 0).await.unwrap().unwrap();
    assert_eq!(shown.seller, Seller::shown(seller, None), "a withdrawn seller is shown as withdrawn");
    assert_eq!(shown.seller.nickname, cercat_market::model::WITHDRAWN_NICKNAME);
    assert_eq!(users.purge_withdrawn_before(chrono::Utc::now()).await.unwrap(), 2);
    let after = products.find(id, other).await.unwrap().expect("a purged seller's product stays");
    assert_eq!((after.like_count, after.liked), (1, true), "the purged liker's like is taken back");
    assert_eq!(after.seller, Seller::shown(seller, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_products_keep_their_contract() {
    let dir = tempfile::tempdir().unwrap();
    products_keep_their_contract(super::seeded_sqlite(&dir).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_products_keep_their_contract() {
    let (_database, db) = super::seeded_mariadb().await;
    products_keep_their_contract(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_orders_keep_their_contract() {
    let dir = tempfile::tempdir().unwrap();
    orders_keep_their_contract(super::seeded_sqlite(&dir).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_orders_keep_their_contract() {
    let (_database, db) = super::seeded_mariadb().await;
    orders_keep_their_contract(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_order_transitions_record_their_events() {
    let dir = tempfile::tempdir().unwrap();
    transitions_record_their_events(super::seeded_sqlite(&dir).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_order_transitions_record_their_events() {
    let (_database, db) = super::seeded_mariadb().await;
    transitions_record_their_events(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_products_outlive_withdrawn_and_purged_accounts() {
    let dir = tempfile::tempdir().unwrap();
    withdrawn_and_purged_accounts(super::seeded_sqlite(&dir).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_products_outlive_withdrawn_and_purged_accounts() {
    let (_database, db) = super::seeded_mariadb().await;
    withdrawn_and_purged_accounts(db).await;
}

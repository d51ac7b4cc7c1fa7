//! The [`OrderLedger`] contract (with the [`ProductRepository`] its products come from and the
//! [`CouponRepository`] its coupons are read back from), run against every adapter: of any
//! number of racing buyers one reserves a product; an order whose quote is stale or whose
//! coupon is taken changes nothing; every transition happens once, moves the product with it
//! and moves the coupons exactly once; a payment key pays one order; histories are
//! append-only; keyset pages of a user's trades neither repeat nor skip; due refunds are
//! recorded once per key and claimed by one sweep at a time.

use std::sync::Arc;

use cercat_common::{PortError, paging::Keyset};
use cercat_coupon::{Checkout, HoldState, ports::CouponRepository};
use chrono::{DateTime, Duration, Utc};

use super::products::{draft, listed, t0, tokens};
use crate::{
    Order, OrderRecord, OrderRole, OrderStatus, OrderTransition, ProductStatus,
    ports::{DueRefund, NewOrder, OrderLedger, PlaceOutcome, ProductChange, ProductRepository},
};

/// What the suite runs on: rows that exist in the adapters' stores.
pub struct OrderFixture {
    /// The seller of every product the suite lists.
    pub seller: i64,
    /// At least 50 buyers, none of whom ordered anything yet.
    pub buyers: Vec<i64>,
    /// A certificate the products are listed under.
    pub certificate: i64,
    /// Three usable coupons (user-coupon ids) of `buyers[0]`.
    pub coupons: [i64; 3],
}

/// The adapters under test.
pub struct OrderPorts {
    /// The ledger.
    pub ledger: Arc<dyn OrderLedger>,
    /// Where the ordered products are listed.
    pub products: Arc<dyn ProductRepository>,
    /// Where the orders' coupons are read back.
    pub coupons: Arc<dyn CouponRepository>,
}

fn pay_by() -> DateTime<Utc> {
    t0() + Duration::minutes(30)
}

/// An order of `product_id` (quoted at `price`) by `buyer` with `coupons`, paying `amount`:
/// PENDING_PAYMENT, or PAID when nothing is due.
pub fn new_order(product_id: i64, price: i64, buyer: i64, coupons: &[i64], amount: i64, at: DateTime<Utc>) -> NewOrder {
    NewOrder {
        product_id,
        price,
        buyer_id: buyer,
        discount: price - amount,
        amount,
        coupons: coupons.to_vec(),
        gateway_order_id: format!("mkt{product_id}-{}", uuid::Uuid::new_v4().simple()),
        status: if amount == 0 { OrderStatus::Paid } else { OrderStatus::PendingPayment },
        pay_by: pay_by(),
        at,
    }
}

fn key(tag: &str) -> String {
    format!("pk-{tag}-{}", uuid::Uuid::new_v4().simple())
}

async fn placed(ledger: &dyn OrderLedger, o: &NewOrder) -> Order {
    match ledger.place(o).await.expect("place must not fail") {
        PlaceOutcome::Placed(order) => order,
        other => panic!("an order of a product on sale is placed, got {other:?}"),
    }
}

impl OrderPorts {
    async fn product(&self, price: i64, title: &str, f: &OrderFixture) -> i64 {
        let mut d = draft(f.certificate, title, "주문 계약");
        d.price = price;
        listed(&*self.products, f.seller, &d, &[], t0()).await
    }

    async fn status(&self, product_id: i64) -> ProductStatus {
        self.products.find(product_id, 0).await.expect("find").expect("the product exists").status
    }

    async fn order(&self, id: i64) -> Order {
        self.ledger.find(id).await.expect("find").expect("the order exists")
    }

    async fn coupon(&self, buyer: i64, id: i64) -> HoldState {
        let held = self.coupons.held_among(buyer, &[id]).await.expect("held_among");
        held.into_iter().next().expect("the buyer holds the coupon").state
    }
}

/// Runs every check.
pub async fn run_all(ports: OrderPorts, f: OrderFixture) {
    assert!(f.buyers.len() >= 50, "the order contract needs 50 buyers");
    one_buyer_of_many_wins(&ports, &f).await;
    stale_quotes_and_gone_products_change_nothing(&ports, &f).await;
    payments_and_history(&ports, &f).await;
    coupons_move_exactly_once(&ports, &f).await;
    racing_transitions_happen_once(&ports, &f).await;
    overdue_orders(&ports, &f).await;
    trades_page_by_keyset(&ports, &f).await;
    refunds_are_due_once_and_claimed_once(&ports, &f).await;
}

async fn one_buyer_of_many_wins(p: &OrderPorts, f: &OrderFixture) {
    let id = p.product(10_000, "단 하나의 기본서", f).await;
    let handles: Vec<_> = f.buyers[..50]
        .iter()
        .map(|&buyer| {
            let ledger = p.ledger.clone();
            tokio::spawn(async move { ledger.place(&new_order(id, 10_000, buyer, &[], 10_000, t0())).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for h in handles {
        outcomes.push(h.await.expect("join").expect("a racing order never fails"));
    }
    let won: Vec<&Order> =
        outcomes.iter().filter_map(|o| if let PlaceOutcome::Placed(order) = o { Some(order) } else { None }).collect();
    assert_eq!(won.len(), 1, "one of 50 racing buyers reserves the product");
    let lost = outcomes.iter().filter(|o| **o == PlaceOutcome::NotOnSale(ProductStatus::Reserved)).count();
    assert_eq!(lost, 49, "the others are told it is reserved: {outcomes:?}");
    let order = won[0].clone();
    assert_eq!(
        (order.product_id, order.product_title.as_str(), order.certificate_id, order.seller_id),
        (id, "단 하나의 기본서", f.certificate, f.seller)
    );
    assert!(f.buyers[..50].contains(&order.buyer_id));
    assert_eq!((order.price, order.discount, order.amount, order.coupon_ids.len()), (10_000, 0, 10_000, 0));
    assert_eq!((order.status, order.payment_key.as_deref()), (OrderStatus::PendingPayment, None));
    assert_eq!((order.pay_by, order.created_at, order.updated_at), (pay_by(), t0(), t0()));
    assert_eq!(p.status(id).await, ProductStatus::Reserved);
    assert_eq!(p.ledger.find(order.id).await.expect("find"), Some(order.clone()));
    assert_eq!(p.ledger.by_gateway_order(&order.gateway_order_id).await.expect("by gateway"), Some(order.clone()));
    assert_eq!(p.ledger.by_gateway_order("mkt-none").await.expect("by gateway"), None);
    assert_eq!(p.ledger.find(i64::MAX).await.expect("find"), None);
    let first = OrderRecord { from: None, to: OrderStatus::PendingPayment, at: t0() };
    assert_eq!(p.ledger.history(order.id).await.expect("history"), vec![first]);

    // A reserved product cannot be edited or deleted.
    let d = draft(f.certificate, "가격 인하", "x");
    let edit = p.products.update(id, &d, &tokens(&d), &[], &[], t0()).await.expect("update");
    assert_eq!(edit, ProductChange::Locked(ProductStatus::Reserved));
    assert_eq!(p.products.delete(id, t0()).await.expect("delete"), ProductChange::Locked(ProductStatus::Reserved));
}

async fn stale_quotes_and_gone_products_change_nothing(p: &OrderPorts, f: &OrderFixture) {
    let buyer = f.buyers[1];
    let nothing = p.ledger.place(&new_order(i64::MAX, 10_000, buyer, &[], 10_000, t0())).await.expect("place");
    assert_eq!(nothing, PlaceOutcome::NoProduct);

    let deleted = p.product(10_000, "삭제된 상품", f).await;
    p.products.delete(deleted, t0()).await.expect("delete");
    let o = new_order(deleted, 10_000, buyer, &[], 10_000, t0());
    assert_eq!(p.ledger.place(&o).await.expect("place"), PlaceOutcome::NoProduct);

    let hidden = p.product(10_000, "숨긴 상품", f).await;
    p.products.set_hidden(hidden, true, t0()).await.expect("hide");
    let o = new_order(hidden, 10_000, buyer, &[], 10_000, t0());
    assert_eq!(p.ledger.place(&o).await.expect("place"), PlaceOutcome::NoProduct, "a hidden product is not for sale");
    assert_eq!(p.status(hidden).await, ProductStatus::OnSale);

    let edited = p.product(10_000, "가격 수정", f).await;
    let mut d = draft(f.certificate, "가격 수정", "주문 계약");
    d.price = 12_000;
    p.products.update(edited, &d, &tokens(&d), &[], &[], t0()).await.expect("update");
    let stale = new_order(edited, 10_000, buyer, &[], 10_000, t0());
    assert_eq!(p.ledger.place(&stale).await.expect("place"), PlaceOutcome::PriceChanged);
    assert_eq!(p.status(edited).await, ProductStatus::OnSale, "a refused order reserves nothing");
    assert_eq!(p.ledger.by_gateway_order(&stale.gateway_order_id).await.expect("by gateway"), None, "nor is stored");
    let fresh = placed(&*p.ledger, &new_order(edited, 12_000, buyer, &[], 12_000, t0())).await;
    assert_eq!(fresh.price, 12_000, "the new price is ordered");
}

async fn payments_and_history(p: &OrderPorts, f: &OrderFixture) {
    let (t1, t2) = (t0() + Duration::minutes(1), t0() + Duration::minutes(2));
    let id = p.product(8_000, "결제 상품", f).await;
    let order = placed(&*p.ledger, &new_order(id, 8_000, f.buyers[2], &[], 8_000, t0())).await;
    let pk = key("pay");
    let paid = p.ledger.complete(order.id, &pk, t1).await.expect("complete").expect("a pending order is paid");
    assert_eq!((paid.status, paid.payment_key.as_deref(), paid.updated_at), (OrderStatus::Paid, Some(pk.as_str()), t1));
    assert_eq!(p.status(id).await, ProductStatus::Sold);
    assert_eq!(p.ledger.complete(order.id, &key("again"), t1).await.expect("complete"), None, "paid once");
    let d = draft(f.certificate, "x", "y");
    let edit = p.products.update(id, &d, &tokens(&d), &[], &[], t1).await.expect("update");
    assert_eq!(edit, ProductChange::Locked(ProductStatus::Sold), "a sold product cannot be edited");

    let other_product = p.product(8_000, "다른 결제 상품", f).await;
    let other = placed(&*p.ledger, &new_order(other_product, 8_000, f.buyers[2], &[], 8_000, t0())).await;
    let reuse = p.ledger.complete(other.id, &pk, t1).await;
    assert!(matches!(reuse, Err(PortError::Duplicate(_))), "one payment key pays one order: {reuse:?}");
    assert_eq!(p.order(other.id).await.status, OrderStatus::PendingPayment, "the refused payment changed nothing");
    assert_eq!(p.status(other_product).await, ProductStatus::Reserved);

    assert_eq!(p.ledger.release(order.id, OrderTransition::CANCEL, t2).await.expect("release"), None, "not from PAID");
    let refunded = p.ledger.release(order.id, OrderTransition::REFUND, t2).await.expect("release").expect("refunded");
    assert_eq!((refunded.status, refunded.payment_key.as_deref()), (OrderStatus::Refunded, Some(pk.as_str())));
    assert_eq!(p.status(id).await, ProductStatus::OnSale, "a refund puts the product back on sale");
    assert_eq!(p.ledger.release(order.id, OrderTransition::REFUND, t2).await.expect("release"), None, "once");
    let history = p.ledger.history(order.id).await.expect("history");
    let expected = vec![
        OrderRecord { from: None, to: OrderStatus::PendingPayment, at: t0() },
        OrderRecord { from: Some(OrderStatus::PendingPayment), to: OrderStatus::Paid, at: t1 },
        OrderRecord { from: Some(OrderStatus::Paid), to: OrderStatus::Refunded, at: t2 },
    ];
    assert_eq!(history, expected, "every status entered, oldest first, refusals not recorded");
    let again = placed(&*p.ledger, &new_order(id, 8_000, f.buyers[3], &[], 8_000, t2)).await;
    assert_ne!(again.id, order.id, "a product back on sale is ordered again, as a new order");
    assert_eq!(p.ledger.history(order.id).await.expect("history"), expected, "an order's history never changes");
}

async fn coupons_move_exactly_once(p: &OrderPorts, f: &OrderFixture) {
    let buyer = f.buyers[0];
    let [c0, c1, c2] = f.coupons;
    let locked = |order: &Order| HoldState::Locked { owner: Checkout::Order(order.id).key() };
    let first = p.product(20_000, "쿠폰 상품", f).await;
    let o1 = placed(&*p.ledger, &new_order(first, 20_000, buyer, &[c0, c1], 18_000, t0())).await;
    assert_eq!(o1.coupon_ids, vec![c0, c1]);
    assert_eq!((p.coupon(buyer, c0).await, p.coupon(buyer, c1).await), (locked(&o1), locked(&o1)));
    assert_eq!(p.coupon(buyer, c2).await, HoldState::Usable);

    // A coupon another order holds: nothing is reserved, not even the free coupon before it.
    let second = p.product(20_000, "두 번째 쿠폰 상품", f).await;
    let taken = new_order(second, 20_000, buyer, &[c2, c0], 18_000, t0());
    assert_eq!(p.ledger.place(&taken).await.expect("place"), PlaceOutcome::CouponTaken(c0));
    assert_eq!(p.coupon(buyer, c2).await, HoldState::Usable);
    assert_eq!(p.status(second).await, ProductStatus::OnSale);
    assert_eq!(p.ledger.by_gateway_order(&taken.gateway_order_id).await.expect("by gateway"), None);
    let stranger = new_order(second, 20_000, f.buyers[1], &[c2], 19_000, t0());
    assert_eq!(p.ledger.place(&stranger).await.expect("place"), PlaceOutcome::CouponTaken(c2), "only one's own");

    // Paid: spent. Refunded: given back, once — a later order's hold on it stays.
    p.ledger.complete(o1.id, &key("coupon"), t0()).await.expect("complete").expect("paid");
    let owner = Checkout::Order(o1.id).key();
    for c in [c0, c1] {
        assert!(matches!(p.coupon(buyer, c).await, HoldState::Used { owner: o, .. } if o == owner), "spent");
    }
    p.ledger.release(o1.id, OrderTransition::REFUND, t0()).await.expect("release").expect("refunded");
    assert_eq!((p.coupon(buyer, c0).await, p.coupon(buyer, c1).await), (HoldState::Usable, HoldState::Usable));
    let o2 = placed(&*p.ledger, &new_order(second, 20_000, buyer, &[c0], 19_000, t0())).await;
    assert_eq!(p.ledger.release(o1.id, OrderTransition::REFUND, t0()).await.expect("release"), None);
    assert_eq!(p.coupon(buyer, c0).await, locked(&o2), "a second release gives nothing back twice");
    p.ledger.release(o2.id, OrderTransition::EXPIRE, t0()).await.expect("release").expect("expired");
    assert_eq!(p.coupon(buyer, c0).await, HoldState::Usable, "an expired order gives its coupon back");

    // Nothing left to pay: paid at once, the product sold and the coupon spent with it.
    let free = p.product(1_000, "무료 상품", f).await;
    let o3 = placed(&*p.ledger, &new_order(free, 1_000, buyer, &[c2], 0, t0())).await;
    assert_eq!((o3.status, o3.amount, o3.discount), (OrderStatus::Paid, 0, 1_000));
    assert_eq!(p.status(free).await, ProductStatus::Sold);
    let owner = Checkout::Order(o3.id).key();
    assert!(matches!(p.coupon(buyer, c2).await, HoldState::Used { owner: o, .. } if o == owner));
    let history = p.ledger.history(o3.id).await.expect("history");
    assert_eq!(history, vec![OrderRecord { from: None, to: OrderStatus::Paid, at: t0() }]);
}

async fn racing_transitions_happen_once(p: &OrderPorts, f: &OrderFixture) {
    let buyer = f.buyers[4];
    for round in 0..6 {
        let id = p.product(5_000, &format!("경합 {round}"), f).await;
        let order = placed(&*p.ledger, &new_order(id, 5_000, buyer, &[], 5_000, t0())).await;
        let (pay, expire) = (p.ledger.clone(), p.ledger.clone());
        let pk = key("race");
        let paying = tokio::spawn(async move { pay.complete(order.id, &pk, t0()).await });
        let expiring = tokio::spawn(async move { expire.release(order.id, OrderTransition::EXPIRE, t0()).await });
        let paid = paying.await.expect("join").expect("a racing payment never fails");
        let expired = expiring.await.expect("join").expect("a racing release never fails");
        assert!(paid.is_some() != expired.is_some(), "exactly one of payment and expiry wins: {paid:?} {expired:?}");
        let (order_now, product_now) = (p.order(order.id).await.status, p.status(id).await);
        if paid.is_some() {
            assert_eq!((order_now, product_now), (OrderStatus::Paid, ProductStatus::Sold));
        } else {
            assert_eq!((order_now, product_now), (OrderStatus::Expired, ProductStatus::OnSale));
        }
        assert_eq!(p.ledger.history(order.id).await.expect("history").len(), 2, "one transition recorded");
    }
    let id = p.product(5_000, "동시 취소", f).await;
    let order = placed(&*p.ledger, &new_order(id, 5_000, buyer, &[], 5_000, t0())).await;
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let ledger = p.ledger.clone();
            tokio::spawn(async move { ledger.release(order.id, OrderTransition::CANCEL, t0()).await })
        })
        .collect();
    let mut wins = 0;
    for h in handles {
        wins += usize::from(h.await.expect("join").expect("a racing release never fails").is_some());
    }
    assert_eq!(wins, 1, "four racing cancels: one wins");
    assert_eq!(p.status(id).await, ProductStatus::OnSale);
}

async fn overdue_orders(p: &OrderPorts, f: &OrderFixture) {
    let id = p.product(7_000, "기한 지남", f).await;
    let order = placed(&*p.ledger, &new_order(id, 7_000, f.buyers[5], &[], 7_000, t0())).await;
    let late = t0() + Duration::hours(1);
    let due = p.ledger.overdue(late, 1000).await.expect("overdue");
    assert!(due.iter().any(|o| o.id == order.id), "an unpaid order past its deadline is overdue");
    assert!(due.iter().all(|o| o.status == OrderStatus::PendingPayment && o.pay_by < late));
    assert!(due.windows(2).all(|w| w[0].pay_by <= w[1].pay_by), "oldest deadline first");
    assert!(p.ledger.overdue(t0(), 1000).await.expect("overdue").iter().all(|o| o.id != order.id), "not before");
    assert!(p.ledger.overdue(late, 1).await.expect("overdue").len() <= 1, "at most the limit");
    p.ledger.release(order.id, OrderTransition::EXPIRE, late).await.expect("release").expect("expired");
    assert!(p.ledger.overdue(late, 1000).await.expect("overdue").iter().all(|o| o.id != order.id), "released");
}

async fn trades_page_by_keyset(p: &OrderPorts, f: &OrderFixture) {
    let buyer = f.buyers[6];
    // Earlier checks may have given this buyer orders (any of the fifty can win the first race):
    // they belong in the history too.
    let earlier = p.ledger.of_user(buyer, OrderRole::Buyer, None, 10_000).await.expect("of_user");
    let mut expected: Vec<(DateTime<Utc>, i64)> = earlier.iter().map(|o| (o.created_at, o.id)).collect();
    for i in 0..5_i64 {
        let at = t0() + Duration::microseconds(1_000_001 * (i / 2));
        let id = p.product(3_000, &format!("내역 {i}"), f).await;
        expected.push((at, placed(&*p.ledger, &new_order(id, 3_000, buyer, &[], 3_000, at)).await.id));
    }
    expected.sort_by(|a, b| b.cmp(a));
    let expected: Vec<i64> = expected.into_iter().map(|(_, id)| id).collect();
    let mut seen = Vec::new();
    let mut after = None;
    for round in 0.. {
        assert!(round < 20, "a handful of orders in two-order pages takes a few pages, not {round}: {seen:?}");
        let page = p.ledger.of_user(buyer, OrderRole::Buyer, after, 2).await.expect("of_user");
        seen.extend(page.iter().map(|o| o.id));
        let Some(last) = page.last() else { break };
        after = Some(Keyset { at: last.created_at, id: last.id });
        // A newer order between pages comes before the cursor: no page shows it twice or skips.
        let id = p.product(3_000, "새 주문", f).await;
        placed(&*p.ledger, &new_order(id, 3_000, buyer, &[], 3_000, t0() + Duration::hours(1 + round))).await;
    }
    assert_eq!(seen, expected, "newest first by (created_at, id), no duplicates or gaps");
    let sold = p.ledger.of_user(f.seller, OrderRole::Seller, None, 10_000).await.expect("of_user");
    assert!(expected.iter().all(|id| sold.iter().any(|o| o.id == *id)), "the seller sees the same trades");
    assert!(sold.iter().all(|o| o.seller_id == f.seller));
    assert!(p.ledger.of_user(buyer, OrderRole::Seller, None, 10).await.expect("of_user").is_empty());
}

async fn refunds_are_due_once_and_claimed_once(p: &OrderPorts, f: &OrderFixture) {
    let buyer = f.buyers[7];
    let id = p.product(6_000, "환불 상품", f).await;
    let expired = placed(&*p.ledger, &new_order(id, 6_000, buyer, &[], 6_000, t0())).await;
    p.ledger.release(expired.id, OrderTransition::EXPIRE, t0()).await.expect("release").expect("expired");
    let paid = placed(&*p.ledger, &new_order(id, 6_000, buyer, &[], 6_000, t0())).await;
    let paid_key = key("paid");
    p.ledger.complete(paid.id, &paid_key, t0()).await.expect("complete").expect("paid");

    let late = key("late");
    let claim = t0() + Duration::minutes(2);
    assert!(p.ledger.refund_due(expired.id, &late, 6_000, t0(), claim).await.expect("refund due"));
    assert!(!p.ledger.refund_due(expired.id, &late, 6_000, t0(), claim).await.expect("refund due"), "once per key");
    let payment = p.ledger.refund_due(paid.id, &paid_key, 6_000, t0(), claim).await.expect("refund due");
    assert!(!payment, "an order's recorded payment is not due a refund");
    let ours = |claimed: Vec<DueRefund>| claimed.into_iter().filter(|d| d.payment_key == late).collect::<Vec<_>>();
    let held = p.ledger.claim_refunds(t0(), claim, 10).await.expect("claim");
    assert!(ours(held).is_empty(), "the recorder holds the first attempt");
    let after = claim + Duration::seconds(1);
    let sweeps: Vec<_> = (0..3)
        .map(|_| {
            let ledger = p.ledger.clone();
            tokio::spawn(async move { ledger.claim_refunds(after, after + Duration::minutes(2), 10).await })
        })
        .collect();
    let mut claimed = Vec::new();
    for s in sweeps {
        claimed.extend(ours(s.await.expect("join").expect("a racing claim never fails")));
    }
    assert_eq!(
        claimed,
        vec![DueRefund { order_id: expired.id, payment_key: late.clone(), amount: 6_000 }],
        "one sweep"
    );
    p.ledger.refund_failed(&late, after).await.expect("refund failed");
    let retry = after + Duration::seconds(1);
    assert_eq!(ours(p.ledger.claim_refunds(retry, retry + Duration::minutes(2), 10).await.expect("claim")).len(), 1);
    p.ledger.refund_done(&late, retry).await.expect("refund done");
    p.ledger.refund_done(&late, retry).await.expect("refund done twice is a no-op");
    let later = retry + Duration::hours(1);
    assert!(ours(p.ledger.claim_refunds(later, later, 10).await.expect("claim")).is_empty(), "done, never again");
}

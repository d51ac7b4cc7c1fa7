//! Releasing orders: cancelling (unpaid, or paid and refunded through the gateway) by a party
//! to the trade, and the sweep that expires unpaid orders — each release once, the product back
//! on sale and the coupons back with it, however the callers race.

use super::*;
use crate::{
    OrderStatus, OrderTransition, ProductStatus,
    events::OrderEvent,
    testkit::memory::{ChargeState, CouponChange},
};
use chrono::Duration;

fn given_back_once(f: &Market, order: &Order, spent: bool) {
    let mut moves = vec![(CouponChange::Reserved, order.coupon_ids.clone())];
    if spent {
        moves.push((CouponChange::Spent, order.coupon_ids.clone()));
    }
    moves.push((CouponChange::GivenBack, order.coupon_ids.clone()));
    assert_eq!(f.orders.coupon_moves(order.id), moves, "order {}'s coupons", order.id);
}

#[tokio::test]
async fn cancelling_an_unpaid_order_puts_the_product_and_coupons_back_without_the_gateway() {
    let f = fixture_with_coupons();
    let order = ordered(&f, &[1]).await;
    let cancelled = f.service.cancel(user(BUYER), order.id).await.unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(f.products.status(order.product_id), Some(ProductStatus::OnSale));
    given_back_once(&f, &order, false);
    assert!(f.gateway.cancel_attempts().is_empty(), "nothing was charged");
    let last = f.orders.events().pop().unwrap();
    assert!(matches!(last, OrderEvent::OrderCancelled(_)), "{last:?}");
    assert_eq!(last.receiver(), BUYER, "the buyer is told");
}

#[tokio::test]
async fn cancelling_a_paid_order_refunds_it_through_the_gateway() {
    let f = fixture_with_coupons();
    let order = ordered(&f, &[1]).await;
    f.service.pay(BUYER, order.id, "pk-1").await.unwrap();
    let refunded = f.service.cancel(user(BUYER), order.id).await.unwrap();
    assert_eq!(refunded.status, OrderStatus::Refunded);
    assert_eq!(f.gateway.cancelled(), ["pk-1"]);
    assert_eq!(f.orders.charge("pk-1").map(|c| c.state), Some(ChargeState::Refunded));
    assert_eq!(f.products.status(order.product_id), Some(ProductStatus::OnSale));
    given_back_once(&f, &order, true);
    assert!(matches!(f.orders.events().pop(), Some(OrderEvent::OrderRefunded(_))));
}

#[tokio::test]
async fn an_order_with_nothing_paid_is_refunded_without_the_gateway() {
    let f = fixture_with_coupons();
    let order = ordered(&f, &[3]).await;
    assert_eq!(f.service.cancel(user(BUYER), order.id).await.unwrap().status, OrderStatus::Refunded);
    assert!(f.gateway.cancel_attempts().is_empty(), "0 won was charged");
    assert_eq!(f.products.status(order.product_id), Some(ProductStatus::OnSale));
    assert_eq!(f.orders.coupon_moves(order.id), [(CouponChange::Spent, vec![3]), (CouponChange::GivenBack, vec![3])]);
}

#[tokio::test]
async fn the_seller_and_admins_may_cancel_but_to_anyone_else_the_order_does_not_exist() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    let err = f.service.cancel(user(OTHER), order.id).await.unwrap_err();
    assert!(matches!(err, MarketError::OrderNotFound(got) if got == order.id), "{err:?}");
    assert_eq!(wire(&err), ("MKT_007", None));
    assert_eq!(f.service.cancel(user(SELLER), order.id).await.unwrap().status, OrderStatus::Cancelled);
    let other = ordered(&f, &[]).await;
    assert_eq!(f.service.cancel(ADMIN, other.id).await.unwrap().status, OrderStatus::Cancelled);
}

#[tokio::test]
async fn a_released_order_cannot_be_cancelled_again() {
    let f = fixture_with_coupons();
    let order = ordered(&f, &[1]).await;
    f.service.cancel(user(BUYER), order.id).await.unwrap();
    let err = f.service.cancel(user(BUYER), order.id).await.unwrap_err();
    assert!(matches!(err, MarketError::NotCancellable { status: "CANCELLED", .. }), "{err:?}");
    assert_eq!(wire(&err), ("MKT_012", None));
    given_back_once(&f, &order, false);
}

#[tokio::test]
async fn a_refund_the_gateway_refuses_leaves_the_order_paid() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    f.service.pay(BUYER, order.id, "pk-1").await.unwrap();
    f.gateway.set_declines_cancel(true);
    let err = f.service.cancel(user(BUYER), order.id).await.unwrap_err();
    assert!(matches!(&err, MarketError::PaymentDeclined { code, .. } if code == "NOT_CANCELABLE"), "{err:?}");
    assert_eq!(f.service.order(user(BUYER), order.id).await.unwrap().order.status, OrderStatus::Paid);
    assert_eq!(f.products.status(order.product_id), Some(ProductStatus::Sold));
}

#[tokio::test]
async fn an_order_paid_while_being_cancelled_is_refunded_instead() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    let (orders, id) = (f.orders.clone(), order.id);
    f.orders.before_release(move || {
        orders.complete_now(id, "pk-webhook", t0()).unwrap().unwrap();
    });
    let done = f.service.cancel(user(BUYER), order.id).await.unwrap();
    assert_eq!(done.status, OrderStatus::Refunded);
    assert_eq!(f.gateway.cancelled(), ["pk-webhook"], "the payment that won is refunded");
    assert_eq!(f.products.status(order.product_id), Some(ProductStatus::OnSale));
}

#[tokio::test]
async fn a_cancel_that_loses_to_the_sweep_is_not_cancellable() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    let (orders, id) = (f.orders.clone(), order.id);
    f.orders.before_release(move || {
        orders.release_now(id, OrderTransition::EXPIRE, t0()).unwrap();
    });
    let err = f.service.cancel(user(BUYER), order.id).await.unwrap_err();
    assert!(matches!(err, MarketError::NotCancellable { status: "EXPIRED", .. }), "{err:?}");
}

#[tokio::test]
async fn the_sweep_expires_only_orders_past_their_deadline() {
    let f = fixture_with_coupons();
    let late = ordered(&f, &[1]).await;
    let paid = ordered(&f, &[]).await;
    f.service.pay(BUYER, paid.id, "pk-1").await.unwrap();
    f.clock.advance(f.service.config().pay_within);
    assert_eq!(f.service.sweep().await.unwrap(), SweepReport::default(), "not overdue at the deadline itself");

    f.clock.advance(Duration::seconds(1));
    assert_eq!(f.service.sweep().await.unwrap().expired, 1);
    assert_eq!(f.service.order(user(BUYER), late.id).await.unwrap().order.status, OrderStatus::Expired);
    assert_eq!(f.products.status(late.product_id), Some(ProductStatus::OnSale));
    given_back_once(&f, &late, false);
    assert_eq!(f.service.order(user(BUYER), paid.id).await.unwrap().order.status, OrderStatus::Paid, "paid stays");
    let last = f.orders.events().pop().unwrap();
    assert!(matches!(&last, OrderEvent::OrderExpired(c) if c.order_id == late.id), "{last:?}");
    assert_eq!(f.service.sweep().await.unwrap(), SweepReport::default(), "once");
}

#[tokio::test]
async fn an_expired_order_is_released_to_its_payer_without_the_gateway() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    f.clock.advance(f.service.config().pay_within + Duration::seconds(1));
    f.service.sweep().await.unwrap();
    let err = f.service.pay(BUYER, order.id, "pk-1").await.unwrap_err();
    assert!(matches!(err, MarketError::Released { status: "EXPIRED", .. }), "{err:?}");
    assert!(f.gateway.confirms().is_empty());
}

#[tokio::test]
async fn a_sweep_that_another_sweep_beats_to_an_order_gives_nothing_back_twice() {
    let f = fixture_with_coupons();
    let order = ordered(&f, &[1, 2]).await;
    f.clock.advance(f.service.config().pay_within + Duration::seconds(1));
    // The other sweep read the same overdue order and releases it first.
    let (orders, id, at) = (f.orders.clone(), order.id, f.clock.now());
    f.orders.before_release(move || {
        orders.release_now(id, OrderTransition::EXPIRE, at).unwrap();
    });
    assert_eq!(f.service.sweep().await.unwrap().expired, 0, "this sweep released nothing");
    given_back_once(&f, &order, false);
    let history = f.service.order(user(BUYER), order.id).await.unwrap().history;
    assert_eq!(history.iter().filter(|r| r.to == OrderStatus::Expired).count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sweeps_expire_each_order_and_give_its_coupons_back_exactly_once() {
    let f = fixture_with_coupons();
    let with_coupon = ordered(&f, &[1]).await;
    let mut others = Vec::new();
    for _ in 0..4 {
        others.push(ordered(&f, &[]).await);
    }
    f.clock.advance(f.service.config().pay_within + Duration::seconds(1));
    let sweeps: Vec<_> = (0..8)
        .map(|_| {
            let service = Arc::clone(&f.service);
            tokio::spawn(async move { service.sweep().await.unwrap().expired })
        })
        .collect();
    let mut expired = 0;
    for sweep in sweeps {
        expired += sweep.await.unwrap();
    }
    assert_eq!(expired, 5, "five orders, each expired by one sweep");
    given_back_once(&f, &with_coupon, false);
    for order in others.iter().chain([&with_coupon]) {
        assert_eq!(f.products.status(order.product_id), Some(ProductStatus::OnSale));
    }
    let expiries = f.orders.events().iter().filter(|e| matches!(e, OrderEvent::OrderExpired(_))).count();
    assert_eq!(expiries, 5, "one event per expiry");
}

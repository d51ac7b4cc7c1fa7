//! Paying: the gateway confirms the order's own amount; declines, mismatches and reused keys
//! never pay it; a charge that lands on a released or already-paid order is refunded, by the
//! sweep if the gateway cannot refund it at once.

use super::*;
use crate::{
    OrderStatus, OrderTransition, ProductStatus,
    events::OrderEvent,
    ports::{GatewayError, PaymentApproval},
    testkit::memory::{ChargeState, CouponChange},
};
use cercat_common::PortError;
use chrono::Duration;

fn declined(code: &str) -> GatewayError {
    GatewayError::Declined { code: code.into(), message: "거절".into() }
}

#[tokio::test]
async fn a_payment_key_is_1_to_200_characters_and_checked_before_the_gateway() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    for key in ["   ".to_owned(), "k".repeat(201)] {
        let err = f.service.pay(BUYER, order.id, &key).await.unwrap_err();
        assert_eq!(wire(&err), ("MKT_002", Some("paymentKey")), "{err:?}");
    }
    assert!(f.gateway.confirms().is_empty());
    assert_eq!(f.service.pay(BUYER, order.id, " pk-1 ").await.unwrap().payment_key.as_deref(), Some("pk-1"));
}

#[tokio::test]
async fn paying_confirms_the_order_s_own_amount_and_sells_the_product() {
    let f = fixture_with_coupons();
    let order = ordered(&f, &[1]).await;
    let paid = f.service.pay(BUYER, order.id, "pk-1").await.unwrap();
    assert_eq!(f.gateway.confirms(), [("pk-1".to_owned(), order.gateway_order_id.clone(), PRICE - 5_000)]);
    assert_eq!((paid.status, paid.payment_key.as_deref()), (OrderStatus::Paid, Some("pk-1")));
    assert_eq!(f.products.status(order.product_id), Some(ProductStatus::Sold));
    assert_eq!(f.orders.charge("pk-1").map(|c| (c.state, c.amount)), Some((ChargeState::Payment, PRICE - 5_000)));
    assert_eq!(f.orders.coupon_moves(order.id), [(CouponChange::Reserved, vec![1]), (CouponChange::Spent, vec![1])]);
    let last = f.orders.events().pop().unwrap();
    assert!(matches!(&last, OrderEvent::OrderPaid(c) if c.order_id == order.id), "{last:?}");
    assert_eq!(last.receiver(), SELLER);
}

#[tokio::test]
async fn only_the_buyer_may_pay_the_order() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    for payer in [SELLER, OTHER] {
        let err = f.service.pay(payer, order.id, "pk-1").await.unwrap_err();
        assert!(matches!(err, MarketError::OrderNotFound(got) if got == order.id), "{err:?}");
        assert_eq!(wire(&err), ("MKT_007", None));
    }
    assert!(matches!(f.service.pay(BUYER, 404, "pk-1").await, Err(MarketError::OrderNotFound(404))));
    assert!(f.gateway.confirms().is_empty());
}

#[tokio::test]
async fn a_declined_payment_is_payment_declined_and_the_order_stays_to_pay_again() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    f.gateway.answer_next(Err(declined("REJECT_CARD_PAYMENT")));
    let err = f.service.pay(BUYER, order.id, "pk-1").await.unwrap_err();
    assert!(matches!(&err, MarketError::PaymentDeclined { code, .. } if code == "REJECT_CARD_PAYMENT"), "{err:?}");
    assert_eq!(wire(&err), ("MKT_010", None));
    let detail = f.service.order(user(BUYER), order.id).await.unwrap();
    assert_eq!(detail.order.status, OrderStatus::PendingPayment);
    assert_eq!(f.products.status(order.product_id), Some(ProductStatus::Reserved));
    assert_eq!(f.service.pay(BUYER, order.id, "pk-1").await.unwrap().status, OrderStatus::Paid);
}

#[tokio::test]
async fn an_unreachable_gateway_is_a_dependency_failure_and_the_order_stays() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    f.gateway.answer_next(Err(GatewayError::Unavailable(PortError::Timeout { dependency: "toss", after_ms: 5_000 })));
    let err = f.service.pay(BUYER, order.id, "pk-1").await.unwrap_err();
    assert!(matches!(err, MarketError::Store(PortError::Timeout { .. })), "{err:?}");
    assert_eq!(f.service.order(user(BUYER), order.id).await.unwrap().order.status, OrderStatus::PendingPayment);
}

#[tokio::test]
async fn an_approval_of_another_order_or_amount_never_pays_the_order() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    for (gateway_order, amount) in [(order.gateway_order_id.clone(), 100), ("mkt9-other".to_owned(), PRICE)] {
        f.gateway.answer_next(Ok(PaymentApproval { payment_key: "pk-1".into(), order_id: gateway_order, amount }));
        let err = f.service.pay(BUYER, order.id, "pk-1").await.unwrap_err();
        assert!(matches!(&err, MarketError::PaymentDeclined { code, .. } if code == "PAYMENT_MISMATCH"), "{err:?}");
    }
    assert_eq!(f.orders.charge("pk-1"), None, "never recorded as a payment");
    assert_eq!(f.service.order(user(BUYER), order.id).await.unwrap().order.status, OrderStatus::PendingPayment);
}

#[tokio::test]
async fn paying_twice_with_the_same_key_answers_the_paid_order_without_the_gateway() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    let paid = f.service.pay(BUYER, order.id, "pk-1").await.unwrap();
    assert_eq!(f.service.pay(BUYER, order.id, "pk-1").await.unwrap(), paid);
    assert_eq!(f.gateway.confirms().len(), 1);
}

#[tokio::test]
async fn another_key_for_a_paid_order_is_already_paid_without_a_charge() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    f.service.pay(BUYER, order.id, "pk-1").await.unwrap();
    let err = f.service.pay(BUYER, order.id, "pk-2").await.unwrap_err();
    assert!(matches!(err, MarketError::AlreadyPaid(got) if got == order.id), "{err:?}");
    assert_eq!(wire(&err), ("MKT_011", None));
    assert_eq!(f.gateway.confirms().len(), 1, "the second key is never confirmed");
}

#[tokio::test]
async fn an_order_released_before_the_payment_is_released_without_the_gateway() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    f.service.cancel(user(BUYER), order.id).await.unwrap();
    let err = f.service.pay(BUYER, order.id, "pk-1").await.unwrap_err();
    assert!(matches!(err, MarketError::Released { status: "CANCELLED", .. }), "{err:?}");
    assert_eq!(wire(&err), ("MKT_009", None));
    assert!(f.gateway.confirms().is_empty());
}

#[tokio::test]
async fn an_order_past_its_deadline_is_released_at_payment_and_never_charged() {
    let f = fixture_with_coupons();
    let order = ordered(&f, &[1]).await;
    f.clock.advance(f.service.config().pay_within);
    let err = f.service.pay(BUYER, order.id, "pk-1").await.unwrap_err();
    assert!(matches!(err, MarketError::Released { status: "EXPIRED", .. }), "{err:?}");
    assert_eq!(wire(&err), ("MKT_009", None));
    assert!(f.gateway.confirms().is_empty(), "nothing is charged");
    assert_eq!(f.products.status(order.product_id), Some(ProductStatus::OnSale));
    assert_eq!(
        f.orders.coupon_moves(order.id),
        [(CouponChange::Reserved, vec![1]), (CouponChange::GivenBack, vec![1])]
    );
    let again = f.service.pay(BUYER, order.id, "pk-1").await.unwrap_err();
    assert!(matches!(again, MarketError::Released { .. }), "{again:?}");
    assert_eq!(f.service.sweep().await.unwrap().expired, 0, "released once");
}

#[tokio::test]
async fn a_charge_for_an_order_released_while_the_gateway_worked_is_refunded() {
    let f = fixture_with_coupons();
    let order = ordered(&f, &[1]).await;
    let (orders, id) = (f.orders.clone(), order.id);
    f.gateway.meanwhile(move || {
        orders.release_now(id, OrderTransition::EXPIRE, t0()).unwrap();
    });
    let err = f.service.pay(BUYER, order.id, "pk-1").await.unwrap_err();
    assert!(matches!(err, MarketError::Released { status: "EXPIRED", .. }), "{err:?}");
    assert_eq!(f.gateway.cancelled(), ["pk-1"], "the buyer gets the money back");
    assert_eq!(f.orders.charge("pk-1").map(|c| c.state), Some(ChargeState::Refunded));
    assert_eq!(f.products.status(order.product_id), Some(ProductStatus::OnSale));
    assert_eq!(
        f.orders.coupon_moves(order.id),
        [(CouponChange::Reserved, vec![1]), (CouponChange::GivenBack, vec![1])],
        "the coupon came back once, with the release, and was never spent"
    );
}

#[tokio::test]
async fn a_charge_for_an_order_paid_meanwhile_with_another_key_is_refunded_as_already_paid() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    let (orders, id) = (f.orders.clone(), order.id);
    f.gateway.meanwhile(move || {
        orders.complete_now(id, "pk-webhook", t0()).unwrap().unwrap();
    });
    let err = f.service.pay(BUYER, order.id, "pk-1").await.unwrap_err();
    assert!(matches!(err, MarketError::AlreadyPaid(_)), "{err:?}");
    assert_eq!(f.gateway.cancelled(), ["pk-1"]);
    assert_eq!(f.orders.charge("pk-1").map(|c| c.state), Some(ChargeState::Refunded));
    let current = f.service.order(user(BUYER), order.id).await.unwrap().order;
    assert_eq!(current.payment_key.as_deref(), Some("pk-webhook"), "the first payment stays the order's");
}

#[tokio::test]
async fn a_payment_key_that_already_pays_another_order_is_refused_and_not_refunded() {
    let f = fixture();
    let (first, second) = (ordered(&f, &[]).await, ordered(&f, &[]).await);
    f.service.pay(BUYER, first.id, "pk-1").await.unwrap();
    let err = f.service.pay(BUYER, second.id, "pk-1").await.unwrap_err();
    assert!(matches!(&err, MarketError::PaymentDeclined { code, .. } if code == "PAYMENT_KEY_IN_USE"), "{err:?}");
    assert!(f.gateway.cancel_attempts().is_empty(), "the charge is the first order's: never refunded");
    assert_eq!(f.service.order(user(BUYER), second.id).await.unwrap().order.status, OrderStatus::PendingPayment);
}

#[tokio::test]
async fn a_refund_the_gateway_cannot_make_at_once_stays_due_and_the_sweep_retries_it() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    let (orders, id) = (f.orders.clone(), order.id);
    f.gateway.meanwhile(move || {
        orders.release_now(id, OrderTransition::CANCEL, t0()).unwrap();
    });
    f.gateway.set_down(true);
    let err = f.service.pay(BUYER, order.id, "pk-1").await.unwrap_err();
    assert!(matches!(err, MarketError::Released { status: "CANCELLED", .. }), "{err:?}");
    assert_eq!(f.gateway.cancel_attempts(), ["pk-1"], "tried at once");
    assert_eq!(f.orders.charge("pk-1").map(|c| c.state), Some(ChargeState::RefundDue), "and left due");

    f.clock.advance(Duration::seconds(1));
    let report = f.service.sweep().await.unwrap();
    assert_eq!((report.refunded, report.refund_failures), (0, 1), "the gateway is still down");
    f.gateway.set_down(false);
    assert_eq!(f.service.sweep().await.unwrap().refunded, 0, "not before the failed attempt's retry time");
    f.clock.advance(REFUND_CLAIM + Duration::seconds(1));
    assert_eq!(f.service.sweep().await.unwrap().refunded, 1);
    assert_eq!(f.gateway.cancelled(), ["pk-1"]);
    assert_eq!(f.orders.charge("pk-1").map(|c| c.state), Some(ChargeState::Refunded));
    assert_eq!(f.service.sweep().await.unwrap(), SweepReport::default(), "refunded once");
}

fn webhook_body(key: &str, order: &crate::Order, status: &str) -> Vec<u8> {
    format!("{key}|{}|{status}", order.gateway_order_id).into_bytes()
}

#[tokio::test]
async fn a_webhook_of_a_payment_done_at_the_gateway_pays_the_order_once() {
    let f = fixture_with_coupons();
    let order = ordered(&f, &[1]).await;
    let body = webhook_body("pk-hook", &order, "DONE");
    let paid = f.service.webhook("ok", "t", &body).await.unwrap().unwrap();
    assert_eq!((paid.status, paid.payment_key.as_deref()), (OrderStatus::Paid, Some("pk-hook")));
    assert_eq!(f.products.status(order.product_id), Some(ProductStatus::Sold));
    let again = f.service.webhook("ok", "t", &body).await.unwrap().unwrap();
    assert_eq!(again.status, OrderStatus::Paid, "a resent webhook changes nothing");
    assert!(f.gateway.cancelled().is_empty());
    let err = f.service.webhook("forged", "t", &body).await.unwrap_err();
    assert_eq!(wire(&err), ("MKT_015", None));
    let unknown = format!("pk-x|crs1-{}|DONE", "0".repeat(8)).into_bytes();
    assert_eq!(f.service.webhook("ok", "t", &unknown).await.unwrap(), None, "not a market order");
}

#[tokio::test]
async fn a_webhook_payment_of_a_released_order_is_refunded_and_a_gateway_cancel_refunds_the_order() {
    let f = fixture();
    let released = ordered(&f, &[]).await;
    f.service.cancel(user(BUYER), released.id).await.unwrap();
    let late = f.service.webhook("ok", "t", &webhook_body("pk-late", &released, "DONE")).await.unwrap().unwrap();
    assert_eq!(late.status, OrderStatus::Cancelled);
    assert_eq!(f.gateway.cancelled(), ["pk-late"], "the late charge is refunded");
    assert_eq!(f.orders.charge("pk-late").map(|c| c.state), Some(ChargeState::Refunded));

    let order = ordered(&f, &[]).await;
    f.service.pay(BUYER, order.id, "pk-1").await.unwrap();
    let refunded = f.service.webhook("ok", "t", &webhook_body("pk-1", &order, "CANCELED")).await.unwrap().unwrap();
    assert_eq!(refunded.status, OrderStatus::Refunded);
    assert_eq!(f.products.status(order.product_id), Some(ProductStatus::OnSale));
}

//! Payments against a gateway that refuses, fails, approves something else, or is overtaken by
//! another request; refunds that cannot go through; and the webhooks that change nothing.

use super::super::*;
use super::fakes::*;
use std::sync::{Arc, atomic::Ordering};

fn declined(code: &str) -> GatewayError {
    GatewayError::Declined { code: code.into(), message: "거절".into() }
}

#[tokio::test]
async fn a_payment_key_is_1_to_200_characters_and_checked_before_the_gateway() {
    let f = fixture();
    let held = f.service.enroll(7, f.memory.add_course(PRICE, 1), None, &[]).await.unwrap();
    for key in ["   ".to_owned(), "k".repeat(201)] {
        let err = f.service.pay(7, held.id, &key).await.unwrap_err();
        assert!(matches!(err, CourseError::Invalid { field: "paymentKey", .. }), "{err:?}");
    }
    assert_eq!(f.gateway.confirms.load(Ordering::SeqCst), 0);
    assert_eq!(f.service.pay(7, held.id, " pk-1 ").await.unwrap().payment_key.as_deref(), Some("pk-1"));
}

#[tokio::test]
async fn a_declined_or_unanswered_confirm_leaves_the_hold_to_pay_again() {
    let f = fixture();
    let held = f.service.enroll(7, f.memory.add_course(PRICE, 1), None, &[]).await.unwrap();
    *f.gateway.next_confirm.lock().unwrap() = Some(Err(declined("REJECT_CARD_PAYMENT")));
    let err = f.service.pay(7, held.id, "pk-1").await.unwrap_err();
    assert!(matches!(&err, CourseError::PaymentDeclined { code, .. } if code == "REJECT_CARD_PAYMENT"), "{err:?}");
    *f.gateway.next_confirm.lock().unwrap() =
        Some(Err(GatewayError::Unavailable(PortError::Timeout { dependency: "toss", after_ms: 5000 })));
    assert!(matches!(f.service.pay(7, held.id, "pk-1").await, Err(CourseError::Store(PortError::Timeout { .. }))));
    assert_eq!(f.service.enrollment(7, held.id).await.unwrap().status, EnrollmentStatus::PendingPayment);
    assert_eq!(f.service.pay(7, held.id, "pk-1").await.unwrap().status, EnrollmentStatus::Completed);
}

#[tokio::test]
async fn an_approval_of_another_order_or_amount_never_pays_the_hold() {
    let f = fixture();
    let held = f.service.enroll(7, f.memory.add_course(PRICE, 1), None, &[]).await.unwrap();
    for (order, amount) in [(held.order_id.clone(), 100), ("crs9-other".to_owned(), PRICE)] {
        *f.gateway.next_confirm.lock().unwrap() =
            Some(Ok(PaymentApproval { payment_key: "pk-1".into(), order_id: order, amount }));
        let err = f.service.pay(7, held.id, "pk-1").await.unwrap_err();
        assert!(matches!(&err, CourseError::PaymentDeclined { code, .. } if code == "PAYMENT_MISMATCH"), "{err:?}");
    }
    assert_eq!(f.memory.charge("pk-1"), None, "no charge recorded as its payment");
    assert_eq!(f.service.enrollment(7, held.id).await.unwrap().status, EnrollmentStatus::PendingPayment);
}

#[tokio::test]
async fn a_payment_key_that_pays_another_enrollment_is_refused_and_left_alone() {
    let f = fixture();
    let first = f.service.enroll(7, f.memory.add_course(PRICE, 1), None, &[]).await.unwrap();
    let second = f.service.enroll(7, f.memory.add_course(PRICE, 1), None, &[]).await.unwrap();
    f.service.pay(7, first.id, "pk-1").await.unwrap();
    let err = f.service.pay(7, second.id, "pk-1").await.unwrap_err();
    assert!(matches!(&err, CourseError::PaymentDeclined { code, .. } if code == "PAYMENT_KEY_IN_USE"), "{err:?}");
    assert!(f.gateway.cancelled.lock().unwrap().is_empty(), "the charge is the first enrollment's: not refunded");
    assert_eq!(f.service.enrollment(7, second.id).await.unwrap().status, EnrollmentStatus::PendingPayment);
}

#[tokio::test]
async fn a_charge_for_a_hold_that_expired_while_the_gateway_worked_is_refunded() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 1);
    let held = f.service.enroll(7, course, None, &[]).await.unwrap();
    let (memory, id) = (Arc::clone(&f.memory), held.id);
    *f.gateway.meanwhile.lock().unwrap() = Some(Box::new(move || {
        memory.release_now(id, Transition::EXPIRE, t0());
    }));
    assert!(matches!(f.service.pay(7, held.id, "pk-1").await, Err(CourseError::HoldExpired(_))));
    assert_eq!(*f.gateway.cancelled.lock().unwrap(), ["pk-1"], "the student gets the money back");
    assert_eq!(f.memory.charge("pk-1").unwrap().refund, Some(true));
    assert_eq!(f.memory.seats(course), 0);
    assert!(f.service.verify(course).await.unwrap().holds());
}

#[tokio::test]
async fn a_second_payment_overtaken_by_the_first_is_refunded_and_the_same_one_is_no_conflict() {
    let f = fixture();
    let held = f.service.enroll(7, f.memory.add_course(PRICE, 1), None, &[]).await.unwrap();
    let (memory, id) = (Arc::clone(&f.memory), held.id);
    *f.gateway.meanwhile.lock().unwrap() = Some(Box::new(move || {
        memory.complete_now(id, "pk-webhook", PRICE, t0()).unwrap();
    }));
    assert!(matches!(f.service.pay(7, held.id, "pk-client").await, Err(CourseError::AlreadyPaid(_))));
    assert_eq!(*f.gateway.cancelled.lock().unwrap(), ["pk-client"], "the extra charge is refunded");
    assert_eq!(f.service.enrollment(7, held.id).await.unwrap().payment_key.as_deref(), Some("pk-webhook"));

    // The webhook of the very payment the student confirms got there first: that is no conflict.
    let other = f.service.enroll(8, f.memory.add_course(PRICE, 1), None, &[]).await.unwrap();
    let (memory, id) = (Arc::clone(&f.memory), other.id);
    *f.gateway.meanwhile.lock().unwrap() = Some(Box::new(move || {
        memory.complete_now(id, "pk-8", PRICE, t0()).unwrap();
    }));
    let paid = f.service.pay(8, other.id, "pk-8").await.unwrap();
    assert_eq!((paid.status, paid.payment_key.as_deref()), (EnrollmentStatus::Completed, Some("pk-8")));
    assert_eq!(f.gateway.cancelled.lock().unwrap().len(), 1, "nothing more refunded");
}

#[tokio::test]
async fn a_refund_the_gateway_refuses_or_cannot_make_keeps_the_seat_paid() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 1);
    let held = f.service.enroll(7, course, None, &[]).await.unwrap();
    f.service.pay(7, held.id, "pk-1").await.unwrap();
    f.gateway.declines_cancel.store(true, Ordering::SeqCst);
    let err = f.service.cancel(7, held.id).await.unwrap_err();
    assert!(matches!(&err, CourseError::PaymentDeclined { code, .. } if code == "NOT_CANCELABLE"), "{err:?}");
    f.gateway.declines_cancel.store(false, Ordering::SeqCst);
    f.gateway.down.store(true, Ordering::SeqCst);
    assert!(matches!(f.service.cancel(7, held.id).await, Err(CourseError::Store(_))));
    assert_eq!(f.service.enrollment(7, held.id).await.unwrap().status, EnrollmentStatus::Completed);
    assert_eq!(f.memory.seats(course), 1, "no refund, no seat back");
    f.gateway.down.store(false, Ordering::SeqCst);
    assert_eq!(f.service.cancel(7, held.id).await.unwrap().status, EnrollmentStatus::Refunded);
}

#[tokio::test]
async fn webhooks_that_settle_nothing_change_nothing() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 2);
    let paid = f.service.enroll(7, course, None, &[]).await.unwrap();
    f.service.pay(7, paid.id, "pk-7").await.unwrap();
    let pending = f.service.enroll(8, course, None, &[]).await.unwrap();
    let hook = |body: String| {
        let f = &f;
        async move { f.service.webhook("ok", "t", body.as_bytes()).await.unwrap().unwrap() }
    };

    let partial = hook(format!("pk-7|{}|PARTIAL_CANCELED", paid.order_id)).await;
    assert_eq!(partial.status, EnrollmentStatus::Completed, "a partial cancel keeps the seat");
    let waiting = hook(format!("pk-8|{}|WAITING_FOR_DEPOSIT", pending.order_id)).await;
    assert_eq!(waiting.status, EnrollmentStatus::PendingPayment);
    let foreign = hook(format!("pk-7|{}|DONE", pending.order_id)).await;
    assert_eq!(foreign.status, EnrollmentStatus::PendingPayment, "another enrollment's payment pays nothing here");
    assert!(f.gateway.cancelled.lock().unwrap().is_empty());
    assert_eq!(f.memory.seats(course), 2);
}

#[tokio::test]
async fn a_gateway_cancel_of_a_due_refund_settles_it_before_the_sweep_retries() {
    let f = fixture();
    let held = f.service.enroll(7, f.memory.add_course(PRICE, 1), None, &[]).await.unwrap();
    f.clock.advance(f.service.config().hold + Duration::seconds(1));
    f.service.sweep(10).await.unwrap();
    f.gateway.down.store(true, Ordering::SeqCst);
    f.service.webhook("ok", "t", format!("pk-late|{}|DONE", held.order_id).as_bytes()).await.unwrap();
    assert_eq!(f.memory.charge("pk-late").unwrap().refund, Some(false), "due while the gateway is down");
    let cancelled = f.service.webhook("ok", "t", format!("pk-late|{}|CANCELED", held.order_id).as_bytes()).await;
    assert_eq!(cancelled.unwrap().unwrap().status, EnrollmentStatus::Expired);
    assert_eq!(f.memory.charge("pk-late").unwrap().refund, Some(true), "refunded at the gateway");
    f.gateway.down.store(false, Ordering::SeqCst);
    f.clock.advance(Duration::minutes(5));
    assert_eq!(f.service.sweep(10).await.unwrap().refunded, 0, "nothing left to retry");
}

#[tokio::test]
async fn a_hold_paid_while_its_cancel_was_on_the_way_is_refunded_and_one_swept_is_not_cancellable() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 2);
    let held = f.service.enroll(7, course, None, &[]).await.unwrap();
    let (memory, id) = (Arc::clone(&f.memory), held.id);
    *f.memory.before_release.lock().unwrap() = Some(Box::new(move || {
        memory.complete_now(id, "pk-w", PRICE, t0()).unwrap();
    }));
    assert_eq!(f.service.cancel(7, held.id).await.unwrap().status, EnrollmentStatus::Refunded, "decided again as paid");
    assert_eq!(*f.gateway.cancelled.lock().unwrap(), ["pk-w"]);

    let swept = f.service.enroll(8, course, None, &[]).await.unwrap();
    let (memory, id) = (Arc::clone(&f.memory), swept.id);
    *f.memory.before_release.lock().unwrap() = Some(Box::new(move || {
        memory.release_now(id, Transition::EXPIRE, t0());
    }));
    let err = f.service.cancel(8, swept.id).await.unwrap_err();
    assert!(matches!(err, CourseError::NotCancellable { status: "EXPIRED", .. }), "{err:?}");
    assert_eq!(f.memory.seats(course), 0, "both seats went back, each once");
}

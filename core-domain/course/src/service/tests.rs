//! The course service's state machine over in-memory ports (see [`fakes`]): hold → pay →
//! cancel → refund, late payments refunded, gateway webhooks, and the sweep that expires holds
//! and retries refunds; the gateway's refusals and races in [`payments`], courses in
//! [`catalog`], waiting rooms in [`room`], the operators' views in [`operations`].

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod catalog;
mod coupons;
mod fakes;
mod gate;
mod operations;
mod payments;
mod room;

use super::*;
use fakes::{PRICE, fixture};
use std::sync::atomic::Ordering;

#[tokio::test]
async fn a_hold_is_paid_then_cancelled_with_a_refund_and_its_seat_back() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 1);
    let held = f.service.enroll(7, course, None, &[]).await.unwrap();
    assert_eq!((held.status, held.amount), (EnrollmentStatus::PendingPayment, PRICE), "the server sets the amount");
    assert!(matches!(f.service.enroll(8, course, None, &[]).await, Err(CourseError::SoldOut(_))));
    assert!(matches!(f.service.enroll(7, course, None, &[]).await, Err(CourseError::AlreadyEnrolled { .. })));

    let paid = f.service.pay(7, held.id, "pk-1").await.unwrap();
    assert_eq!((paid.status, paid.payment_key.as_deref()), (EnrollmentStatus::Completed, Some("pk-1")));
    assert_eq!(f.service.pay(7, held.id, "pk-1").await.unwrap(), paid, "paying again with the same key is a no-op");
    assert!(matches!(f.service.pay(7, held.id, "pk-2").await, Err(CourseError::AlreadyPaid(_))));
    assert!(matches!(f.service.pay(8, held.id, "pk-1").await, Err(CourseError::EnrollmentNotFound(_))), "owner only");

    let refunded = f.service.cancel(7, held.id).await.unwrap();
    assert_eq!(refunded.status, EnrollmentStatus::Refunded);
    assert_eq!(*f.gateway.cancelled.lock().unwrap(), ["pk-1"]);
    assert_eq!(f.memory.charge("pk-1").unwrap().refund, Some(true));
    assert_eq!(f.memory.seats(course), 0);
    assert!(matches!(f.service.cancel(7, held.id).await, Err(CourseError::NotCancellable { .. })));
    assert_eq!(f.service.enroll(8, course, None, &[]).await.unwrap().status, EnrollmentStatus::PendingPayment);
}

#[tokio::test]
async fn a_hold_cancelled_before_payment_gives_its_seat_back_without_the_gateway() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 1);
    let held = f.service.enroll(7, course, None, &[]).await.unwrap();
    assert_eq!(f.service.cancel(7, held.id).await.unwrap().status, EnrollmentStatus::Cancelled);
    assert_eq!(f.memory.seats(course), 0);
    assert!(f.gateway.cancelled.lock().unwrap().is_empty());
    assert!(matches!(f.service.pay(7, held.id, "pk-1").await, Err(CourseError::NotPayable { .. })));
}

#[tokio::test]
async fn a_free_seat_is_the_student_s_at_once_and_given_up_without_a_refund() {
    let f = fixture();
    let course = f.memory.add_course(0, 5);
    let e = f.service.enroll(7, course, None, &[]).await.unwrap();
    assert_eq!(e.status, EnrollmentStatus::Completed);
    assert_eq!(f.service.cancel(7, e.id).await.unwrap().status, EnrollmentStatus::Cancelled);
    assert!(f.gateway.cancelled.lock().unwrap().is_empty(), "nothing was charged");
    assert_eq!(f.memory.seats(course), 0);
}

#[tokio::test]
async fn the_sweep_expires_unpaid_holds_and_a_late_payment_is_refunded() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 2);
    let late = f.service.enroll(7, course, None, &[]).await.unwrap();
    let paid = f.service.enroll(8, course, None, &[]).await.unwrap();
    f.service.pay(8, paid.id, "pk-8").await.unwrap();
    assert_eq!(f.service.sweep(10).await.unwrap(), SweepReport::default(), "nothing is overdue yet");

    f.clock.advance(f.service.config().hold + Duration::seconds(1));
    assert_eq!(f.service.sweep(10).await.unwrap().expired, 1);
    assert_eq!(f.service.enrollment(7, late.id).await.unwrap().status, EnrollmentStatus::Expired);
    assert_eq!(f.service.enrollment(8, paid.id).await.unwrap().status, EnrollmentStatus::Completed, "paid stays");
    assert_eq!(f.memory.seats(course), 1);

    // Too late to pay here; and a payment made at the gateway anyway is refunded at once.
    assert!(matches!(f.service.pay(7, late.id, "pk-late").await, Err(CourseError::HoldExpired(_))));
    let body = format!("pk-late|{}|DONE", late.order_id);
    let touched = f.service.webhook("ok", "t", body.as_bytes()).await.unwrap().unwrap();
    assert_eq!(touched.status, EnrollmentStatus::Expired, "a payment after the hold never completes it");
    assert_eq!(*f.gateway.cancelled.lock().unwrap(), ["pk-late"]);
    assert_eq!(f.memory.charge("pk-late").unwrap().refund, Some(true));
}

#[tokio::test]
async fn a_refund_that_fails_stays_due_until_a_later_sweep_gets_it_through() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 1);
    let e = f.service.enroll(7, course, None, &[]).await.unwrap();
    f.clock.advance(f.service.config().hold + Duration::seconds(1));
    f.service.sweep(10).await.unwrap();
    f.gateway.down.store(true, Ordering::SeqCst);
    let body = format!("pk-late|{}|DONE", e.order_id);
    let touched = f.service.webhook("ok", "t", body.as_bytes()).await.unwrap().unwrap();
    assert_eq!(touched.status, EnrollmentStatus::Expired, "a payment after the hold never completes it");
    assert_eq!(f.memory.charge("pk-late").unwrap().refund, Some(false), "due, the gateway being down");

    f.clock.advance(REFUND_CLAIM + Duration::seconds(1));
    let report = f.service.sweep(10).await.unwrap();
    assert_eq!((report.refunded, report.refund_failures), (0, 1), "still down");
    f.gateway.down.store(false, Ordering::SeqCst);
    assert_eq!(f.service.sweep(10).await.unwrap().refunded, 0, "not before the failed attempt's retry time");
    f.clock.advance(Duration::seconds(1));
    assert_eq!(f.service.sweep(10).await.unwrap().refunded, 1);
    assert_eq!(f.memory.charge("pk-late").unwrap().refund, Some(true));
    assert_eq!(f.service.sweep(10).await.unwrap(), SweepReport::default(), "done once");
}

#[tokio::test]
async fn webhooks_complete_a_pending_hold_and_release_a_payment_cancelled_at_the_gateway() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 1);
    let e = f.service.enroll(7, course, None, &[]).await.unwrap();
    assert!(matches!(f.service.webhook("forged", "t", b"x").await, Err(CourseError::BadSignature(_))));
    assert_eq!(f.service.webhook("ok", "t", b"pk|no-such-order|DONE").await.unwrap(), None);

    let done = format!("pk-w|{}|DONE", e.order_id);
    let paid = f.service.webhook("ok", "t", done.as_bytes()).await.unwrap().unwrap();
    assert_eq!((paid.status, paid.payment_key.as_deref()), (EnrollmentStatus::Completed, Some("pk-w")));
    assert_eq!(
        f.service.webhook("ok", "t", done.as_bytes()).await.unwrap().unwrap(),
        paid,
        "a resent webhook changes nothing"
    );

    let cancelled = format!("pk-w|{}|CANCELED", e.order_id);
    let released = f.service.webhook("ok", "t", cancelled.as_bytes()).await.unwrap().unwrap();
    assert_eq!(released.status, EnrollmentStatus::Refunded);
    assert_eq!(f.memory.seats(course), 0, "the seat went back with the gateway's refund");
    assert!(f.gateway.cancelled.lock().unwrap().is_empty(), "the gateway refunded it already");
}

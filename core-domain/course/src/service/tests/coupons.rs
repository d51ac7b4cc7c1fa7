//! Checkouts with coupons: the server prices the seat with the student's coupons, hands them
//! to the ledger to reserve with the seat, and they come back when the enrollment is released.

use super::super::*;
use super::fakes::*;
use crate::testkit::coupons::HeldCoupons;
use cercat_common::money::{Money, Percent};
use cercat_coupon::{Coupon, CouponError, CouponKind, CouponScope, CouponTerms, PricingError};
use chrono::TimeZone;

fn coupon(id: i64, kind: CouponKind, scope: CouponScope) -> Coupon {
    Coupon {
        id,
        terms: CouponTerms {
            name: format!("쿠폰{id}"),
            kind,
            exclusive: false,
            min_order_amount: Money::ZERO,
            valid_from: Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap(),
            valid_until: Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap(),
            scope,
        },
    }
}

fn won(w: i64) -> Money {
    Money::won(w).unwrap()
}

/// Student 7 holds a 5,000-won coupon (1), a 10 % coupon (2), a coupon worth the whole price
/// (3) and a market-only coupon (4); student 8 holds coupon 9.
fn wallet() -> HeldCoupons {
    HeldCoupons(vec![
        (7, coupon(1, CouponKind::Fixed { amount: won(5_000) }, CouponScope::Any)),
        (
            7,
            coupon(
                2,
                CouponKind::Percent { percent: Percent::new(10).unwrap(), max_discount: None },
                CouponScope::Course,
            ),
        ),
        (7, coupon(3, CouponKind::Fixed { amount: won(PRICE) }, CouponScope::Course)),
        (7, coupon(4, CouponKind::Fixed { amount: won(1_000) }, CouponScope::Market)),
        (8, coupon(9, CouponKind::Fixed { amount: won(1_000) }, CouponScope::Any)),
    ])
}

#[tokio::test]
async fn the_amount_due_is_the_price_less_the_students_coupons_reserved_with_the_seat() {
    let f = fixture_with(wallet());
    let course = f.memory.add_course(PRICE, 5);
    let held = f.service.enroll(7, course, None, &[2, 1]).await.unwrap();
    // 30 000 − 5 000 (fixed first) = 25 000, then 10 % of it.
    assert_eq!((held.status, held.amount), (EnrollmentStatus::PendingPayment, 22_500));
    assert_eq!(*f.memory.reserved.lock().unwrap(), vec![(held.id, vec![2, 1])], "the ledger got the coupons");
    let paid = f.service.pay(7, held.id, "pk-1").await.unwrap();
    assert_eq!(f.memory.charge("pk-1").map(|c| c.amount), Some(22_500), "the discounted amount is what is charged");
    assert_eq!(paid.status, EnrollmentStatus::Completed);
}

#[tokio::test]
async fn a_seat_the_coupons_pay_for_in_full_is_the_students_at_once() {
    let f = fixture_with(wallet());
    let course = f.memory.add_course(PRICE, 5);
    let held = f.service.enroll(7, course, None, &[3]).await.unwrap();
    assert_eq!((held.status, held.amount), (EnrollmentStatus::Completed, 0));
    assert_eq!(f.gateway.confirms.load(std::sync::atomic::Ordering::SeqCst), 0, "nothing to pay, no gateway call");
}

#[tokio::test]
async fn coupons_that_do_not_apply_hold_nothing() {
    let f = fixture_with(wallet());
    let course = f.memory.add_course(PRICE, 5);
    let others = f.service.enroll(7, course, None, &[9]).await.unwrap_err();
    assert!(matches!(&others, CourseError::Coupon(CouponError::NotHeld(ids)) if *ids == vec![9]), "{others:?}");
    let market = f.service.enroll(7, course, None, &[4]).await.unwrap_err();
    assert!(matches!(market, CourseError::Coupon(CouponError::Pricing(PricingError::OutOfScope { .. }))), "{market:?}");
    f.memory.taken_elsewhere.lock().unwrap().push(1);
    let raced = f.service.enroll(7, course, None, &[2, 1]).await.unwrap_err();
    assert!(matches!(raced, CourseError::Coupon(CouponError::NotUsable(1))), "{raced:?}");
    assert_eq!(f.memory.seats(course), 0, "no seat was held by a refused checkout");
    assert!(f.memory.reserved.lock().unwrap().is_empty());
    assert_eq!(cercat_common::DomainError::code(&raced), "CPN_007", "the coupon context's code reaches the client");
}

#[tokio::test]
async fn a_cancelled_hold_gives_its_coupons_back_for_the_next_checkout() {
    let f = fixture_with(wallet());
    let (a, b) = (f.memory.add_course(PRICE, 5), f.memory.add_course(PRICE, 5));
    let held = f.service.enroll(7, a, None, &[1]).await.unwrap();
    let busy = f.service.enroll(7, b, None, &[1]).await.unwrap_err();
    assert!(matches!(busy, CourseError::Coupon(CouponError::NotUsable(1))), "one coupon, one checkout: {busy:?}");
    f.service.cancel(7, held.id).await.unwrap();
    assert!(f.memory.reserved.lock().unwrap().is_empty(), "the cancel gave the coupon back");
    let again = f.service.enroll(7, b, None, &[1]).await.unwrap();
    assert_eq!(again.amount, PRICE - 5_000);
}

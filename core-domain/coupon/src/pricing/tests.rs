//! The pricing rule on hand-picked carts.

use super::*;
use crate::{CouponScope, CouponTerms};
use cercat_common::money::Percent;
use chrono::{Duration, TimeZone};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap()
}

fn won(w: i64) -> Money {
    Money::won(w).unwrap()
}

fn coupon(id: i64, kind: CouponKind) -> Coupon {
    Coupon {
        id,
        terms: CouponTerms {
            name: format!("쿠폰{id}"),
            kind,
            exclusive: false,
            min_order_amount: Money::ZERO,
            valid_from: now() - Duration::days(1),
            valid_until: now() + Duration::days(1),
            scope: CouponScope::Any,
        },
    }
}

fn fixed(id: i64, amount: i64) -> Coupon {
    coupon(id, CouponKind::Fixed { amount: won(amount) })
}

fn percent(id: i64, percent: u32, cap: Option<i64>) -> Coupon {
    coupon(id, CouponKind::Percent { percent: Percent::new(percent).unwrap(), max_discount: cap.map(won) })
}

fn amounts(q: &Quote) -> Vec<(i64, i64)> {
    q.discounts.iter().map(|d| (d.coupon_id, d.amount.as_won())).collect()
}

#[test]
fn fixed_coupons_come_first_then_percentages_of_the_running_total() {
    // Given percent first: the fixed one still applies first (10 000 − 3 000 = 7 000; 10 % = 700).
    let q = quote(won(10_000), Purchase::Product, &[percent(2, 10, None), fixed(1, 3_000)], now()).unwrap();
    assert_eq!(amounts(&q), vec![(1, 3_000), (2, 700)]);
    assert_eq!((q.amount, q.discount()), (won(6_300), won(3_700)));
    // Two percentages compound in the order given: 20 % of 10 000, then 10 % of 8 000.
    let q = quote(won(10_000), Purchase::Course, &[percent(1, 20, None), percent(2, 10, None)], now()).unwrap();
    assert_eq!(amounts(&q), vec![(1, 2_000), (2, 800)]);
    assert_eq!(q.amount, won(7_200));
}

#[test]
fn a_percentage_is_rounded_down_to_the_won_and_capped() {
    let q = quote(won(9_999), Purchase::Product, &[percent(1, 15, None)], now()).unwrap();
    assert_eq!((amounts(&q), q.amount), (vec![(1, 1_499)], won(8_500)), "15 % of 9 999 is 1 499.85 → 1 499");
    let q = quote(won(100_000), Purchase::Product, &[percent(1, 50, Some(5_000))], now()).unwrap();
    assert_eq!((amounts(&q), q.amount), (vec![(1, 5_000)], won(95_000)), "the cap wins over 50 000");
}

#[test]
fn discounts_never_take_the_amount_below_zero() {
    let q = quote(won(2_000), Purchase::Product, &[fixed(1, 5_000), fixed(2, 1_000), percent(3, 100, None)], now())
        .unwrap();
    assert_eq!(amounts(&q), vec![(1, 2_000), (2, 0), (3, 0)]);
    assert_eq!((q.amount, q.discount()), (Money::ZERO, won(2_000)));
    let free = quote(Money::ZERO, Purchase::Course, &[fixed(1, 1_000)], now()).unwrap();
    assert_eq!((free.amount, amounts(&free)), (Money::ZERO, vec![(1, 0)]));
    assert_eq!(quote(won(7_000), Purchase::Course, &[], now()).unwrap(), Quote::full(won(7_000)));
}

#[test]
fn an_exclusive_coupon_stands_alone_and_the_refusal_names_them() {
    let mut only = percent(5, 30, None);
    only.terms.exclusive = true;
    let alone = quote(won(10_000), Purchase::Product, std::slice::from_ref(&only), now()).unwrap();
    assert_eq!(alone.amount, won(7_000));
    let err = quote(won(10_000), Purchase::Product, &[fixed(1, 1_000), only, fixed(2, 500)], now()).unwrap_err();
    assert!(
        matches!(&err, PricingError::NotCombinable { exclusive: 5, others, .. } if *others == vec![1, 2]),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "coupon 5 (쿠폰5) cannot be combined with other coupons (also given: [1, 2])");
}

#[test]
fn scope_validity_minimum_and_repeats_are_checked_per_coupon() {
    let mut course_only = fixed(1, 1_000);
    course_only.terms.scope = CouponScope::Course;
    let err = quote(won(10_000), Purchase::Product, std::slice::from_ref(&course_only), now()).unwrap_err();
    assert!(matches!(err, PricingError::OutOfScope { coupon: 1, scope: "COURSE", .. }), "{err:?}");
    assert!(quote(won(10_000), Purchase::Course, &[course_only], now()).is_ok());
    let mut market_only = fixed(2, 1_000);
    market_only.terms.scope = CouponScope::Market;
    assert!(quote(won(10_000), Purchase::Course, std::slice::from_ref(&market_only), now()).is_err());
    assert!(quote(won(10_000), Purchase::Product, &[market_only], now()).is_ok());

    // Valid from validFrom (inclusive) until validUntil (exclusive).
    let c = fixed(3, 1_000);
    assert!(quote(won(10_000), Purchase::Course, std::slice::from_ref(&c), c.terms.valid_from).is_ok());
    let err = quote(won(10_000), Purchase::Course, std::slice::from_ref(&c), c.terms.valid_until).unwrap_err();
    assert!(matches!(err, PricingError::NotValidNow { coupon: 3, .. }), "{err:?}");
    assert!(
        quote(won(10_000), Purchase::Course, std::slice::from_ref(&c), c.terms.valid_from - Duration::seconds(1))
            .is_err()
    );

    // The minimum is on the price before any discount.
    let mut big = fixed(4, 5_000);
    big.terms.min_order_amount = won(10_000);
    let mut second = fixed(5, 1_000);
    second.terms.min_order_amount = won(8_000);
    let q = quote(won(10_000), Purchase::Product, &[big.clone(), second], now()).unwrap();
    assert_eq!(q.amount, won(4_000));
    let err = quote(won(9_999), Purchase::Product, &[big], now()).unwrap_err();
    assert!(matches!(err, PricingError::BelowMinimum { coupon: 4, min: 10_000, price: 9_999, .. }), "{err:?}");

    let err = quote(won(10_000), Purchase::Product, &[fixed(6, 1), fixed(6, 1)], now()).unwrap_err();
    assert!(matches!(err, PricingError::Repeated(6)), "{err:?}");
}

//! The pricing rule's promises over random carts (100 000 of them): whatever the coupons, the
//! amount is never negative, no coupon takes off more than it may, the discounts add up to the
//! price less the amount, and the same cart always gets the same quote.

use super::*;
use crate::{CouponScope, CouponTerms};
use cercat_common::money::Percent;
use chrono::{Duration, TimeZone};
use proptest::prelude::*;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap()
}

fn kind() -> impl Strategy<Value = CouponKind> {
    prop_oneof![
        (0..=200_000i64).prop_map(|a| CouponKind::Fixed { amount: Money::won(a).unwrap() }),
        (1..=100u32, prop::option::of(0..=100_000i64)).prop_map(|(p, cap)| CouponKind::Percent {
            percent: Percent::new(p).unwrap(),
            max_discount: cap.map(|c| Money::won(c).unwrap()),
        }),
    ]
}

/// Up to five distinct, valid, non-exclusive coupons that all cover the purchase and whose
/// minimum the price meets: carts the rule must always price.
fn cart() -> impl Strategy<Value = (Money, Vec<Coupon>)> {
    (0..=10_000_000i64, prop::collection::vec((kind(), 0..=100u32), 0..=5)).prop_map(|(price, specs)| {
        let price = Money::won(price).unwrap();
        let coupons = specs
            .into_iter()
            .enumerate()
            .map(|(i, (kind, min_share))| Coupon {
                id: i as i64 + 1,
                terms: CouponTerms {
                    name: format!("c{i}"),
                    kind,
                    exclusive: false,
                    min_order_amount: price.percent_of(Percent::new(min_share).unwrap()),
                    valid_from: at() - Duration::days(1),
                    valid_until: at() + Duration::days(1),
                    scope: if i % 2 == 0 { CouponScope::Any } else { CouponScope::Market },
                },
            })
            .collect();
        (price, coupons)
    })
}

fn cap(kind: CouponKind, price: Money) -> Money {
    match kind {
        CouponKind::Fixed { amount } => amount.min(price),
        CouponKind::Percent { percent, max_discount } => {
            let of_price = price.percent_of(percent);
            max_discount.map_or(of_price, |m| m.min(of_price))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100_000, ..ProptestConfig::default() })]

    #[test]
    fn every_valid_cart_is_priced_within_its_bounds((price, coupons) in cart()) {
        let q = quote(price, Purchase::Product, &coupons, at()).unwrap();
        prop_assert!(q.amount.as_won() >= 0 && q.amount <= price);
        let total: i64 = q.discounts.iter().map(|d| d.amount.as_won()).sum();
        prop_assert_eq!(total, price.as_won() - q.amount.as_won(), "the discounts add up to price − amount");
        prop_assert_eq!(q.discounts.len(), coupons.len(), "one line per coupon");
        for d in &q.discounts {
            let c = coupons.iter().find(|c| c.id == d.coupon_id).unwrap();
            prop_assert!(d.amount <= cap(c.terms.kind, price), "coupon {} took off {} > its cap", c.id, d.amount);
        }
        let fixed_first = q.discounts.iter().map(|d| {
            matches!(coupons.iter().find(|c| c.id == d.coupon_id).unwrap().terms.kind, CouponKind::Percent { .. })
        });
        prop_assert!(fixed_first.is_sorted(), "fixed coupons apply before percentages");
        prop_assert_eq!(quote(price, Purchase::Product, &coupons, at()).unwrap(), q, "same cart, same quote");
    }
}

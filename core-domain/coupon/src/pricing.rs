//! The one pricing rule of every checkout with coupons (prep courses and market products):
//!
//! - an exclusive coupon is the only coupon of its checkout;
//! - each coupon must cover the purchase (its scope), be valid at the checkout instant, and
//!   have a minimum order amount no higher than the price **before** any discount;
//! - fixed-amount coupons come first, in the order given, then percentage coupons in the order
//!   given; each percentage is of the running total, rounded down to the won, and capped by its
//!   `max_discount`;
//! - a discount never takes the running total below zero, so the amount to pay is never
//!   negative, and the discounts always add up to `price − amount`.
//!
//! It is a pure function: the same price, coupons and instant always give the same quote.

use std::collections::HashSet;

use cercat_common::money::Money;
use chrono::{DateTime, SecondsFormat, Utc};

use crate::{Coupon, CouponKind, PricingError, Purchase};

/// What one coupon took off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Discount {
    /// The user coupon.
    pub coupon_id: i64,
    /// How much it took off (0 when an earlier coupon already made the purchase free).
    pub amount: Money,
}

/// A price with coupons applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// The price before coupons.
    pub price: Money,
    /// What each coupon took off, in the order they were applied.
    pub discounts: Vec<Discount>,
    /// What the buyer pays: `price` less every discount.
    pub amount: Money,
}

impl Quote {
    /// A quote without coupons.
    pub fn full(price: Money) -> Self {
        Self { price, discounts: Vec::new(), amount: price }
    }

    /// The sum of the discounts.
    pub fn discount(&self) -> Money {
        // The discounts add up to at most `price`, so this cannot fail.
        Money::won(self.price.as_won() - self.amount.as_won()).unwrap_or(Money::ZERO)
    }
}

/// Prices a `purchase` of `price` with `coupons` at `at`, or says which coupon cannot be used
/// and why (see the module's rule).
pub fn quote(price: Money, purchase: Purchase, coupons: &[Coupon], at: DateTime<Utc>) -> Result<Quote, PricingError> {
    check(price, purchase, coupons, at)?;
    let fixed = coupons.iter().filter(|c| matches!(c.terms.kind, CouponKind::Fixed { .. }));
    let percent = coupons.iter().filter(|c| matches!(c.terms.kind, CouponKind::Percent { .. }));
    let mut left = price;
    let mut discounts = Vec::with_capacity(coupons.len());
    for coupon in fixed.chain(percent) {
        let off = match coupon.terms.kind {
            CouponKind::Fixed { amount } => amount.min(left),
            CouponKind::Percent { percent, max_discount } => {
                let off = left.percent_of(percent);
                max_discount.map_or(off, |cap| off.min(cap))
            }
        };
        // `off` ≤ `left` in both arms, so this never goes below zero.
        left = left.checked_sub(off).unwrap_or(Money::ZERO);
        discounts.push(Discount { coupon_id: coupon.id, amount: off });
    }
    Ok(Quote { price, discounts, amount: left })
}

fn check(price: Money, purchase: Purchase, coupons: &[Coupon], at: DateTime<Utc>) -> Result<(), PricingError> {
    let mut seen = HashSet::with_capacity(coupons.len());
    for c in coupons {
        if !seen.insert(c.id) {
            return Err(PricingError::Repeated(c.id));
        }
    }
    if coupons.len() > 1
        && let Some(exclusive) = coupons.iter().find(|c| c.terms.exclusive)
    {
        return Err(PricingError::NotCombinable {
            exclusive: exclusive.id,
            name: exclusive.terms.name.clone(),
            others: coupons.iter().filter(|c| c.id != exclusive.id).map(|c| c.id).collect(),
        });
    }
    for c in coupons {
        let terms = &c.terms;
        if !terms.scope.covers(purchase) {
            return Err(PricingError::OutOfScope {
                coupon: c.id,
                name: terms.name.clone(),
                scope: terms.scope.as_str(),
            });
        }
        if !terms.valid_at(at) {
            return Err(PricingError::NotValidNow {
                coupon: c.id,
                name: terms.name.clone(),
                from: terms.valid_from.to_rfc3339_opts(SecondsFormat::Secs, true),
                until: terms.valid_until.to_rfc3339_opts(SecondsFormat::Secs, true),
            });
        }
        if price < terms.min_order_amount {
            return Err(PricingError::BelowMinimum {
                coupon: c.id,
                name: terms.name.clone(),
                min: terms.min_order_amount.as_won(),
                price: price.as_won(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod proptests;

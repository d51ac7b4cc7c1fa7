//! A stand-in for the coupon context's pricing: the coupons each student holds, priced by the
//! real pricing rule ([`cercat_coupon::quote`]), for the selling contexts' service tests and benchmarks.

use crate::{Coupon, CouponError, Purchase, Quote, quote};
use async_trait::async_trait;
use cercat_common::money::Money;

use crate::ports::CouponPricing;

/// `(student, coupon)` pairs; a student holds only their own. Holds no coupon by default.
#[derive(Debug, Default)]
pub struct HeldCoupons(pub Vec<(i64, Coupon)>);

#[async_trait]
impl CouponPricing for HeldCoupons {
    async fn quote(
        &self,
        user_id: i64,
        purchase: Purchase,
        price: Money,
        coupon_ids: &[i64],
    ) -> Result<Quote, CouponError> {
        let mut mine = Vec::with_capacity(coupon_ids.len());
        let mut missing = Vec::new();
        for id in coupon_ids {
            match self.0.iter().find(|(u, c)| *u == user_id && c.id == *id) {
                Some((_, c)) => mine.push(c.clone()),
                None => missing.push(*id),
            }
        }
        if !missing.is_empty() {
            return Err(CouponError::NotHeld(missing));
        }
        // The fake's coupons are valid over any instant a test uses.
        let at = mine.first().map_or_else(chrono::Utc::now, |c| c.terms.valid_from);
        Ok(quote(price, purchase, &mine, at)?)
    }
}

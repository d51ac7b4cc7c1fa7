//! What the coupon context needs from storage.

use async_trait::async_trait;
use cercat_common::PortError;
use chrono::{DateTime, Utc};

use crate::{CouponDefinition, CouponTerms, UserCoupon, Voucher, VoucherKind};

/// How a grant went.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GrantReport {
    /// The users who got the coupon now.
    pub granted: Vec<i64>,
    /// The users who already held it from a grant (nothing changed for them).
    pub already: Vec<i64>,
    /// The ids that name no account.
    pub unknown: Vec<i64>,
}

/// How a voucher redemption went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedeemOutcome {
    /// The user holds a new coupon with this id.
    Redeemed(i64),
    /// No voucher has this code.
    UnknownCode,
    /// This user already redeemed this voucher.
    AlreadyRedeemed,
    /// The voucher has been redeemed as often as it may.
    Exhausted,
}

/// Coupon definitions, the coupons users hold, and vouchers.
#[async_trait]
pub trait CouponRepository: Send + Sync {
    /// Stores a coupon definition; returns its id.
    ///
    /// Errors: [`PortError::Timeout`] / [`PortError::Unavailable`] when the store fails.
    async fn create(&self, terms: &CouponTerms, at: DateTime<Utc>) -> Result<i64, PortError>;

    /// One definition.
    async fn find(&self, id: i64) -> Result<Option<CouponDefinition>, PortError>;

    /// Every definition, newest first.
    async fn list(&self) -> Result<Vec<CouponDefinition>, PortError>;

    /// Gives coupon `coupon_id` to each of `user_ids` from an admin grant, at most once per
    /// user: a user who already holds it from a grant is reported in `already`, an id that
    /// names no account in `unknown`. Concurrent grants of the same coupon to the same user
    /// MUST end with one coupon (the store's unique key decides), never an error.
    async fn grant(&self, coupon_id: i64, user_ids: &[i64], at: DateTime<Utc>) -> Result<GrantReport, PortError>;

    /// Every coupon `user_id` holds, newest first.
    async fn held(&self, user_id: i64) -> Result<Vec<UserCoupon>, PortError>;

    /// The coupons among `ids` that `user_id` holds (in any state); ids of others' coupons
    /// or of none are simply absent.
    async fn held_among(&self, user_id: i64, ids: &[i64]) -> Result<Vec<UserCoupon>, PortError>;

    /// Stores a voucher for `coupon_id`.
    ///
    /// Errors: [`PortError::Duplicate`] when the code is taken.
    async fn create_voucher(
        &self,
        coupon_id: i64,
        code: &str,
        kind: VoucherKind,
        at: DateTime<Utc>,
    ) -> Result<Voucher, PortError>;

    /// Redeems `code` for `user_id` in one transaction: the redemption count rises only while
    /// it is below the voucher's limit, and the user gets the coupon once per voucher. Racing
    /// redemptions of the last use MUST leave exactly one `Redeemed`; racing redemptions by
    /// one user MUST leave one `Redeemed` and `AlreadyRedeemed` for the rest.
    async fn redeem(&self, code: &str, user_id: i64, at: DateTime<Utc>) -> Result<RedeemOutcome, PortError>;

    /// The voucher with this code.
    async fn voucher(&self, code: &str) -> Result<Option<Voucher>, PortError>;
}

/// The coupon context's pricing as a checkout asks it: `price` of a `purchase` less the
/// discounts of the buyer's coupons `coupon_ids`, or why they do not apply. Implemented by
/// [`crate::CouponService`]; the selling contexts (courses, the market) hold it as this port.
#[async_trait]
pub trait CouponPricing: Send + Sync {
    /// The quote; errors are the coupon context's refusals ([`crate::CouponError`]).
    async fn quote(
        &self,
        user_id: i64,
        purchase: crate::Purchase,
        price: cercat_common::money::Money,
        coupon_ids: &[i64],
    ) -> Result<crate::Quote, crate::CouponError>;
}

/// The prices of what coupons are spent on, asked of the contexts that sell them (courses,
/// market products); implemented in the composition root over their services.
#[async_trait]
pub trait PriceCatalog: Send + Sync {
    /// The current price of `purchase` number `id`; `None` when there is no such thing.
    ///
    /// Errors: [`PortError::Timeout`] / [`PortError::Unavailable`] when the owning context's
    /// store fails.
    async fn price(&self, purchase: crate::Purchase, id: i64)
    -> Result<Option<cercat_common::money::Money>, PortError>;
}

//! What a coupon is.

use cercat_common::money::{Money, Percent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How much a coupon takes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouponKind {
    /// A fixed amount off (never more than what is left to pay).
    Fixed {
        /// The amount.
        amount: Money,
    },
    /// A percentage of what is left to pay after the fixed coupons and the earlier percentage
    /// ones, rounded down to the won, and at most `max_discount` when set.
    Percent {
        /// 1–100 %.
        percent: Percent,
        /// The most this coupon takes off.
        max_discount: Option<Money>,
    },
}

/// What a coupon may be spent on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CouponScope {
    /// Prep-course enrollments only.
    Course,
    /// Market products only.
    Market,
    /// Either.
    Any,
}

/// What is being bought, as far as coupons care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Purchase {
    /// A seat in a prep course.
    Course,
    /// A market product.
    Product,
}

impl CouponScope {
    /// Whether a coupon of this scope may be spent on `purchase`.
    pub fn covers(self, purchase: Purchase) -> bool {
        matches!(
            (self, purchase),
            (Self::Any, _) | (Self::Course, Purchase::Course) | (Self::Market, Purchase::Product)
        )
    }
}

/// A coupon as a buyer holds it: the definition's terms, under the id of the buyer's own copy
/// (a user coupon), which is spent once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coupon {
    /// The user coupon's id (what a checkout names in `couponIds`).
    pub id: i64,
    /// Shown to the buyer and named in refusals.
    pub name: String,
    /// How much it takes off.
    pub kind: CouponKind,
    /// An exclusive coupon is the only coupon of its checkout.
    pub exclusive: bool,
    /// The price (before any discount) must be at least this.
    pub min_order_amount: Money,
    /// Spendable from this instant (inclusive) …
    pub valid_from: DateTime<Utc>,
    /// … until this one (exclusive).
    pub valid_until: DateTime<Utc>,
    /// What it may be spent on.
    pub scope: CouponScope,
}

impl Coupon {
    /// Whether it may be spent at `at`.
    pub fn valid_at(&self, at: DateTime<Utc>) -> bool {
        self.valid_from <= at && at < self.valid_until
    }
}

//! What a coupon is, and the copies of it users hold.

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
    /// Enrollments and market products alike.
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

impl Purchase {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Course => "COURSE",
            Self::Product => "PRODUCT",
        }
    }
}

impl CouponScope {
    /// Whether a coupon of this scope may be spent on `purchase`.
    pub fn covers(self, purchase: Purchase) -> bool {
        matches!(
            (self, purchase),
            (Self::Any, _) | (Self::Course, Purchase::Course) | (Self::Market, Purchase::Product)
        )
    }

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Course => "COURSE",
            Self::Market => "MARKET",
            Self::Any => "ANY",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Course, Self::Market, Self::Any].into_iter().find(|v| v.as_str() == s)
    }
}

/// A coupon's terms, as an admin defines them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponTerms {
    /// Shown to the buyer and named in refusals (1–100 characters).
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

impl CouponTerms {
    /// Whether a coupon on these terms may be spent at `at`.
    pub fn valid_at(&self, at: DateTime<Utc>) -> bool {
        self.valid_from <= at && at < self.valid_until
    }
}

/// A coupon definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponDefinition {
    /// The coupon's id (what grants, vouchers and events name).
    pub id: i64,
    /// Its terms.
    pub terms: CouponTerms,
}

/// A coupon as a buyer holds it: the definition's terms under the id of the buyer's own copy
/// (a user coupon), which is spent once. This is what [`crate::pricing::quote`] prices with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coupon {
    /// The user coupon's id (what a checkout names in `couponIds`).
    pub id: i64,
    /// The definition's terms.
    pub terms: CouponTerms,
}

/// Where a user's coupon came from; a user holds at most one coupon per source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CouponSource {
    /// An admin granted the coupon (once per user and coupon).
    Grant,
    /// The user redeemed this voucher.
    Voucher(i64),
    /// The user claimed it in this first-come event.
    Event(i64),
}

impl CouponSource {
    /// The stored key that makes one coupon per (user, coupon, source).
    pub fn key(&self) -> String {
        match self {
            Self::Grant => "grant".into(),
            Self::Voucher(id) => format!("voucher:{id}"),
            Self::Event(id) => format!("event:{id}"),
        }
    }
}

/// The checkout a coupon is reserved by, then spent by: the owner recorded on the user's
/// copy, so cancelling, refunding or expiring that checkout gives back exactly its coupons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Checkout {
    /// A prep-course enrollment.
    Enrollment(i64),
    /// A market order.
    Order(i64),
}

impl Checkout {
    /// The stored owner key (`enrollment:12`, `order:5`).
    pub fn key(self) -> String {
        match self {
            Self::Enrollment(id) => format!("enrollment:{id}"),
            Self::Order(id) => format!("order:{id}"),
        }
    }
}

/// Where a held coupon stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldState {
    /// Free to spend.
    Usable,
    /// Reserved by an unpaid checkout (`owner`, e.g. `enrollment:12`); it comes back if that
    /// checkout is cancelled or expires.
    Locked {
        /// The checkout holding it.
        owner: String,
    },
    /// Spent by a paid checkout.
    Used {
        /// The checkout that spent it.
        owner: String,
        /// When the paid checkout spent it.
        at: DateTime<Utc>,
    },
}

/// A coupon a user holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCoupon {
    /// The user coupon (its id) with the definition's terms.
    pub coupon: Coupon,
    /// The definition.
    pub coupon_id: i64,
    /// The holder.
    pub user_id: i64,
    /// Where it came from.
    pub source: CouponSource,
    /// Where it stands.
    pub state: HoldState,
    /// When the user got it.
    pub acquired_at: DateTime<Utc>,
}

/// What `GET /coupons/me?state=` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ListedState {
    /// Not spent, not reserved, and still valid (or not valid yet).
    Usable,
    /// Spent, or reserved by a checkout awaiting payment.
    Used,
    /// Not spent and past its validity.
    Expired,
}

impl UserCoupon {
    /// How the holder sees it at `at`.
    pub fn listed_state(&self, at: DateTime<Utc>) -> ListedState {
        match self.state {
            HoldState::Used { .. } | HoldState::Locked { .. } => ListedState::Used,
            HoldState::Usable if at >= self.coupon.terms.valid_until => ListedState::Expired,
            HoldState::Usable => ListedState::Usable,
        }
    }
}

/// How often a voucher's code may be redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoucherKind {
    /// Once, by one user (a code handed to one person).
    Private,
    /// Up to `max_redemptions` times, once per user (a code on a poster).
    Public {
        /// The most redemptions.
        max_redemptions: u32,
    },
}

impl VoucherKind {
    /// The most redemptions of a voucher of this kind.
    pub fn max_redemptions(self) -> u32 {
        match self {
            Self::Private => 1,
            Self::Public { max_redemptions } => max_redemptions,
        }
    }
}

/// A code users redeem for a coupon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voucher {
    /// Its id.
    pub id: i64,
    /// The coupon it gives.
    pub coupon_id: i64,
    /// What users type (4–32 of A–Z, 0–9 and `-`, stored upper-case).
    pub code: String,
    /// How often it may be redeemed.
    pub kind: VoucherKind,
    /// How often it has been.
    pub redemptions: u32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

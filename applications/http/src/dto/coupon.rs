//! A coupon's terms as both servers render them.

use cercat_coupon::{CouponKind, CouponTerms};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// What a coupon takes off and when and where it may be spent.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CouponTermsResponse {
    /// Shown to the buyer.
    #[schema(example = "겨울 특강 3,000원 할인")]
    pub name: String,
    /// `FIXED` (an amount off) or `PERCENT` (a percentage of what is left to pay).
    #[schema(example = "FIXED")]
    pub kind: &'static str,
    /// FIXED: won off (never more than is left to pay).
    pub amount: Option<i64>,
    /// PERCENT: 1–100, of the running total after the fixed coupons, rounded down to the won.
    pub percent: Option<u32>,
    /// PERCENT: the most it takes off, in won.
    pub max_discount: Option<i64>,
    /// An exclusive coupon is the only coupon of its checkout.
    pub exclusive: bool,
    /// The price before any discount must be at least this many won.
    pub min_order_amount: i64,
    /// Spendable from (inclusive).
    pub valid_from: DateTime<Utc>,
    /// Spendable until (exclusive).
    pub valid_until: DateTime<Utc>,
    /// `COURSE`, `MARKET` or `ANY`.
    #[schema(example = "ANY")]
    pub scope: &'static str,
}

impl From<&CouponTerms> for CouponTermsResponse {
    fn from(t: &CouponTerms) -> Self {
        let (kind, amount, percent, max_discount) = match t.kind {
            CouponKind::Fixed { amount } => ("FIXED", Some(amount.as_won()), None, None),
            CouponKind::Percent { percent, max_discount } => {
                ("PERCENT", None, Some(percent.get()), max_discount.map(|m| m.as_won()))
            }
        };
        Self {
            name: t.name.clone(),
            kind,
            amount,
            percent,
            max_discount,
            exclusive: t.exclusive,
            min_order_amount: t.min_order_amount.as_won(),
            valid_from: t.valid_from,
            valid_until: t.valid_until,
            scope: t.scope.as_str(),
        }
    }
}

/// A first-come coupon event as it stands.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CouponEventResponse {
    /// Its id.
    pub event_id: i64,
    /// The coupon it gives copies of.
    pub coupon_id: i64,
    /// How many copies it gives.
    pub quantity: u32,
    /// How many are left.
    pub remaining: u32,
    /// Claims are taken from (inclusive).
    pub opens_at: DateTime<Utc>,
    /// Claims are taken until (exclusive).
    pub closes_at: DateTime<Utc>,
    /// Whether the caller holds a copy from it (always `false` on the admin API).
    pub claimed: bool,
}

impl CouponEventResponse {
    /// Renders `event`; `claimed` is the caller's.
    pub fn new(event: &cercat_coupon::first_come::FirstComeEvent, claimed: bool) -> Self {
        Self {
            event_id: event.id,
            coupon_id: event.coupon_id,
            quantity: event.quantity,
            remaining: event.remaining(),
            opens_at: event.opens_at,
            closes_at: event.closes_at,
            claimed,
        }
    }
}

//! Wire shapes of the caller's coupons, voucher redemption and price previews.

use cercat_coupon::{CouponSource, ListedState, Purchase, Quote, UserCoupon};
use cercat_http::dto::coupon::CouponTermsResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `GET /coupons/me` filter.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct CouponQuery {
    /// `USABLE` (neither spent, reserved nor expired), `USED` (spent, or reserved by a checkout
    /// awaiting payment) or `EXPIRED`; all when absent.
    #[param(value_type = Option<String>, example = "USABLE", pattern = "^(USABLE|USED|EXPIRED)$")]
    pub state: Option<ListedState>,
}

/// A coupon the caller holds.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserCouponResponse {
    /// The caller's copy: what a checkout names in `couponIds`.
    pub user_coupon_id: i64,
    /// The coupon it is a copy of.
    pub coupon_id: i64,
    /// Its terms.
    #[serde(flatten)]
    pub terms: CouponTermsResponse,
    /// `USABLE`, `USED` or `EXPIRED`, as of now.
    #[schema(example = "USABLE")]
    pub state: &'static str,
    /// `GRANT`, `VOUCHER` or `EVENT`: how the caller got it.
    #[schema(example = "VOUCHER")]
    pub source: &'static str,
    /// When the caller got it.
    pub acquired_at: DateTime<Utc>,
}

fn listed(state: ListedState) -> &'static str {
    match state {
        ListedState::Usable => "USABLE",
        ListedState::Used => "USED",
        ListedState::Expired => "EXPIRED",
    }
}

impl UserCouponResponse {
    /// Renders a held coupon as it stands.
    pub fn new(c: &UserCoupon, state: ListedState) -> Self {
        Self {
            user_coupon_id: c.coupon.id,
            coupon_id: c.coupon_id,
            terms: CouponTermsResponse::from(&c.coupon.terms),
            state: listed(state),
            source: match c.source {
                CouponSource::Grant => "GRANT",
                CouponSource::Voucher(_) => "VOUCHER",
                CouponSource::Event(_) => "EVENT",
            },
            acquired_at: c.acquired_at,
        }
    }
}

/// `POST /vouchers/redeem`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RedeemRequest {
    /// The voucher code (4–32 letters, digits or `-`; case does not matter).
    #[schema(example = "WINTER-2026", pattern = "^\\s*[A-Za-z0-9-]{4,32}\\s*$")]
    pub code: String,
}

/// `POST /price-preview`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PricePreviewRequest {
    /// `COURSE` or `PRODUCT`.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "COURSE", pattern = "^(COURSE|PRODUCT)$")]
    pub purchase: Purchase,
    /// The course or product.
    #[schema(minimum = 1)]
    pub id: i64,
    /// The caller's coupons to apply (`userCouponId`s, at most 10), in the order to apply the
    /// percentage ones.
    #[serde(default)]
    #[schema(schema_with = cercat_http::openapi::checkout_coupons)]
    pub coupon_ids: Vec<i64>,
}

/// What one coupon takes off.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiscountResponse {
    /// The caller's coupon.
    pub coupon_id: i64,
    /// Won off.
    pub amount: i64,
}

/// A price with coupons applied.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PricePreviewResponse {
    /// The price before coupons, in won.
    pub price: i64,
    /// What each coupon takes off, in the order applied (fixed ones first).
    pub discounts: Vec<DiscountResponse>,
    /// What the caller would pay, in won.
    pub amount: i64,
}

impl From<Quote> for PricePreviewResponse {
    fn from(q: Quote) -> Self {
        Self {
            price: q.price.as_won(),
            discounts: q
                .discounts
                .iter()
                .map(|d| DiscountResponse { coupon_id: d.coupon_id, amount: d.amount.as_won() })
                .collect(),
            amount: q.amount.as_won(),
        }
    }
}

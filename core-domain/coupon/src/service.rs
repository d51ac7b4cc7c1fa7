//! Coupon use cases: admins define coupons, grant them and make vouchers; users redeem
//! vouchers, list what they hold, and have checkouts priced with their coupons.

use std::sync::Arc;

use cercat_common::{
    PortError,
    clock::Clock,
    money::{Money, Percent},
};
use chrono::{DateTime, Utc};

use crate::{
    Coupon, CouponDefinition, CouponError, CouponKind, CouponScope, CouponTerms, HoldState, ListedState, Purchase,
    UserCoupon, Voucher, VoucherKind,
    ports::{CouponRepository, GrantReport, PriceCatalog, RedeemOutcome},
    pricing::{Quote, quote},
};

/// Most users one grant call names.
pub const MAX_GRANT_USERS: usize = 1_000;
/// Most coupons one checkout takes.
pub const MAX_CHECKOUT_COUPONS: usize = 10;
/// The largest amount a coupon's terms may name (a fixed discount, a cap, a minimum).
pub const MAX_COUPON_WON: i64 = 100_000_000;
/// The most redemptions a public voucher may allow.
pub const MAX_REDEMPTIONS: u32 = 1_000_000;

/// A coupon definition as an admin sends it, before it is checked.
#[derive(Debug, Clone)]
pub struct CouponDraft {
    /// 1–100 characters.
    pub name: String,
    /// `FIXED` (with `amount`) or `PERCENT` (with `percent`, optionally `max_discount`).
    pub kind: DraftKind,
    /// Fixed coupons: won off, 1–100,000,000.
    pub amount: Option<i64>,
    /// Percent coupons: 1–100.
    pub percent: Option<i64>,
    /// Percent coupons: the most it takes off, 1–100,000,000.
    pub max_discount: Option<i64>,
    /// Cannot be combined with other coupons.
    pub exclusive: bool,
    /// The least price (before discounts) it applies to, 0–100,000,000.
    pub min_order_amount: i64,
    /// Valid from (inclusive).
    pub valid_from: DateTime<Utc>,
    /// Valid until (exclusive), after `valid_from`.
    pub valid_until: DateTime<Utc>,
    /// What it may be spent on.
    pub scope: CouponScope,
}

/// The two kinds of coupon, as named on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DraftKind {
    /// A fixed amount off.
    Fixed,
    /// A percentage off.
    Percent,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> CouponError {
    CouponError::Invalid { field, reason: reason.into() }
}

fn won(field: &'static str, value: i64, min: i64) -> Result<Money, CouponError> {
    if !(min..=MAX_COUPON_WON).contains(&value) {
        return Err(invalid(field, format!("must be between {min} and {MAX_COUPON_WON} won")));
    }
    Money::won(value).map_err(|e| invalid(field, e.to_string()))
}

impl CouponDraft {
    /// The terms, or the first field that is wrong.
    pub fn into_terms(self) -> Result<CouponTerms, CouponError> {
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(invalid("name", "must be 1 to 100 characters"));
        }
        let kind = match self.kind {
            DraftKind::Fixed => {
                if self.percent.is_some() || self.max_discount.is_some() {
                    return Err(invalid("percent", "is for PERCENT coupons; a FIXED coupon has an amount"));
                }
                let amount = self.amount.ok_or_else(|| invalid("amount", "is required for a FIXED coupon"))?;
                CouponKind::Fixed { amount: won("amount", amount, 1)? }
            }
            DraftKind::Percent => {
                if self.amount.is_some() {
                    return Err(invalid("amount", "is for FIXED coupons; a PERCENT coupon has a percent"));
                }
                let percent = self.percent.ok_or_else(|| invalid("percent", "is required for a PERCENT coupon"))?;
                let percent = u32::try_from(percent)
                    .ok()
                    .filter(|p| (1..=100).contains(p))
                    .and_then(|p| Percent::new(p).ok())
                    .ok_or_else(|| invalid("percent", "must be between 1 and 100"))?;
                let max_discount = self.max_discount.map(|m| won("maxDiscount", m, 1)).transpose()?;
                CouponKind::Percent { percent, max_discount }
            }
        };
        let min_order_amount = won("minOrderAmount", self.min_order_amount, 0)?;
        if self.valid_until <= self.valid_from {
            return Err(invalid("validUntil", "must be after validFrom"));
        }
        Ok(CouponTerms {
            name,
            kind,
            exclusive: self.exclusive,
            min_order_amount,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            scope: self.scope,
        })
    }
}

/// A voucher's kind from its wire parts: `PRIVATE` (no limit given: redeemed once) or
/// `PUBLIC` with `max_redemptions`.
pub fn voucher_kind(kind: &str, max_redemptions: Option<u32>) -> Result<VoucherKind, CouponError> {
    match (kind, max_redemptions) {
        ("PRIVATE", None) => Ok(VoucherKind::Private),
        ("PUBLIC", Some(max_redemptions)) => Ok(VoucherKind::Public { max_redemptions }),
        ("PRIVATE", Some(_)) => {
            Err(invalid("maxRedemptions", "is for PUBLIC vouchers; a PRIVATE one is redeemed once"))
        }
        ("PUBLIC", None) => Err(invalid("maxRedemptions", "is required for a PUBLIC voucher")),
        _ => Err(invalid("kind", "must be PRIVATE or PUBLIC")),
    }
}

/// A voucher code as users type it: trimmed, upper-cased, 4–32 of A–Z, 0–9 and `-`.
pub fn normalize_code(raw: &str) -> Result<String, CouponError> {
    let code = raw.trim().to_ascii_uppercase();
    let ok = (4..=32).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    if ok { Ok(code) } else { Err(invalid("code", "must be 4 to 32 letters, digits or '-'")) }
}

/// A fresh voucher code: `XXXX-XXXX-XXXX` of upper-case hexadecimal digits (48 random bits).
fn generate_code() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string().to_ascii_uppercase();
    format!("{}-{}-{}", &hex[0..4], &hex[4..8], &hex[8..12])
}

/// Coupon use cases.
pub struct CouponService {
    coupons: Arc<dyn CouponRepository>,
    prices: Arc<dyn PriceCatalog>,
    clock: Arc<dyn Clock>,
}

impl CouponService {
    /// Over its store, the catalogue of prices and the clock.
    pub fn new(coupons: Arc<dyn CouponRepository>, prices: Arc<dyn PriceCatalog>, clock: Arc<dyn Clock>) -> Self {
        Self { coupons, prices, clock }
    }

    /// What the caller would pay for `purchase` number `id` with `coupon_ids` now, without
    /// reserving anything (the checkout prices again, and locks the coupons, when it happens).
    pub async fn preview(
        &self,
        user_id: i64,
        purchase: Purchase,
        id: i64,
        coupon_ids: &[i64],
    ) -> Result<Quote, CouponError> {
        let price = self.prices.price(purchase, id).await?.ok_or(CouponError::NothingToPrice { purchase, id })?;
        self.quote(user_id, purchase, price, coupon_ids).await
    }

    /// Defines a coupon (ADMIN).
    pub async fn define(&self, draft: CouponDraft) -> Result<CouponDefinition, CouponError> {
        let terms = draft.into_terms()?;
        let id = self.coupons.create(&terms, self.clock.now()).await?;
        Ok(CouponDefinition { id, terms })
    }

    /// Every definition, newest first (ADMIN).
    pub async fn definitions(&self) -> Result<Vec<CouponDefinition>, CouponError> {
        Ok(self.coupons.list().await?)
    }

    /// One definition.
    pub async fn definition(&self, id: i64) -> Result<CouponDefinition, CouponError> {
        self.coupons.find(id).await?.ok_or(CouponError::NotFound(id))
    }

    /// Grants a coupon to users, once each (ADMIN).
    pub async fn grant(&self, coupon_id: i64, user_ids: &[i64]) -> Result<GrantReport, CouponError> {
        if user_ids.is_empty() || user_ids.len() > MAX_GRANT_USERS {
            return Err(invalid("userIds", format!("must name 1 to {MAX_GRANT_USERS} users")));
        }
        if let Some(bad) = user_ids.iter().find(|id| **id <= 0) {
            return Err(invalid("userIds", format!("{bad} is not a user id")));
        }
        let mut ids = user_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        self.definition(coupon_id).await?;
        Ok(self.coupons.grant(coupon_id, &ids, self.clock.now()).await?)
    }

    /// Makes a voucher for a coupon (ADMIN); without a code one is generated.
    pub async fn create_voucher(
        &self,
        coupon_id: i64,
        code: Option<&str>,
        kind: VoucherKind,
    ) -> Result<Voucher, CouponError> {
        if let VoucherKind::Public { max_redemptions } = kind
            && !(1..=MAX_REDEMPTIONS).contains(&max_redemptions)
        {
            return Err(invalid("maxRedemptions", format!("must be between 1 and {MAX_REDEMPTIONS}")));
        }
        let code = code.map(normalize_code).transpose()?;
        self.definition(coupon_id).await?;
        let now = self.clock.now();
        match code {
            Some(code) => match self.coupons.create_voucher(coupon_id, &code, kind, now).await {
                Err(PortError::Duplicate(_)) => Err(CouponError::CodeTaken(code)),
                other => Ok(other?),
            },
            // A generated code that collides (48 random bits) is drawn again.
            None => {
                for _ in 0..3 {
                    match self.coupons.create_voucher(coupon_id, &generate_code(), kind, now).await {
                        Err(PortError::Duplicate(_)) => continue,
                        other => return Ok(other?),
                    }
                }
                Err(PortError::Corrupt("three generated voucher codes in a row were taken".into()).into())
            }
        }
    }

    /// Redeems a voucher: the caller holds its coupon (once per voucher).
    pub async fn redeem(&self, user_id: i64, code: &str) -> Result<UserCoupon, CouponError> {
        let code = normalize_code(code)?;
        let voucher = self.coupons.voucher(&code).await?.ok_or_else(|| CouponError::UnknownCode(code.clone()))?;
        let coupon = self.definition(voucher.coupon_id).await?;
        let now = self.clock.now();
        if now >= coupon.terms.valid_until {
            return Err(CouponError::VoucherSpent { code, reason: "its coupon has expired" });
        }
        match self.coupons.redeem(&code, user_id, now).await? {
            RedeemOutcome::Redeemed(id) => self
                .coupons
                .held_among(user_id, &[id])
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| PortError::Corrupt(format!("redeemed coupon {id} is not held")).into()),
            RedeemOutcome::UnknownCode => Err(CouponError::UnknownCode(code)),
            RedeemOutcome::AlreadyRedeemed => Err(CouponError::AlreadyRedeemed(code)),
            RedeemOutcome::Exhausted => {
                Err(CouponError::VoucherSpent { code, reason: "it has been redeemed as often as it may" })
            }
        }
    }

    /// The caller's coupons with how they stand now, newest first; only those in `state` when
    /// given.
    pub async fn mine(
        &self,
        user_id: i64,
        state: Option<ListedState>,
    ) -> Result<Vec<(UserCoupon, ListedState)>, CouponError> {
        let now = self.clock.now();
        let held = self.coupons.held(user_id).await?;
        Ok(held
            .into_iter()
            .map(|c| {
                let s = c.listed_state(now);
                (c, s)
            })
            .filter(|(_, s)| state.is_none_or(|want| *s == want))
            .collect())
    }

    /// Prices a purchase of `price` with the caller's coupons `coupon_ids` now: each must be
    /// the caller's and usable, then [`quote`] applies the pricing rule.
    pub async fn quote(
        &self,
        user_id: i64,
        purchase: Purchase,
        price: Money,
        coupon_ids: &[i64],
    ) -> Result<Quote, CouponError> {
        if coupon_ids.is_empty() {
            return Ok(Quote::full(price));
        }
        if coupon_ids.len() > MAX_CHECKOUT_COUPONS {
            return Err(invalid("couponIds", format!("at most {MAX_CHECKOUT_COUPONS} coupons per checkout")));
        }
        let held = self.coupons.held_among(user_id, coupon_ids).await?;
        let missing: Vec<i64> =
            coupon_ids.iter().copied().filter(|id| !held.iter().any(|h| h.coupon.id == *id)).collect();
        if !missing.is_empty() {
            return Err(CouponError::NotHeld(missing));
        }
        // In the order the caller gave them (the pricing rule applies percentages in order).
        let mut coupons: Vec<Coupon> = Vec::with_capacity(coupon_ids.len());
        for id in coupon_ids {
            let Some(h) = held.iter().find(|h| h.coupon.id == *id) else { continue };
            if h.state != HoldState::Usable {
                return Err(CouponError::NotUsable(*id));
            }
            coupons.push(h.coupon.clone());
        }
        Ok(quote(price, purchase, &coupons, self.clock.now())?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;

#[async_trait::async_trait]
impl crate::ports::CouponPricing for CouponService {
    async fn quote(
        &self,
        user_id: i64,
        purchase: Purchase,
        price: Money,
        coupon_ids: &[i64],
    ) -> Result<Quote, CouponError> {
        CouponService::quote(self, user_id, purchase, price, coupon_ids).await
    }
}

//! Coupons for operators: define them, grant them to users, and make voucher codes.

use actix_web::{HttpRequest, get, post, web};
use cercat_common::audit::AuditTarget;
use cercat_common::id::{CouponEventId, CouponId};
use cercat_coupon::{
    CouponDefinition, CouponScope, Voucher, VoucherKind,
    ports::GrantReport,
    service::{CouponDraft, DraftKind, voucher_kind},
};
use cercat_error::ApiResponse;
use cercat_http::{
    AppError, IdPath,
    auth::Admin,
    dto::coupon::{CouponEventResponse, CouponTermsResponse},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::AdminState;

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(define).service(list).service(grant).service(voucher).service(define_event).service(coupon_event);
}

/// A coupon definition to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CouponRequest {
    /// 1–100 characters, shown to buyers.
    #[schema(example = "겨울 특강 3,000원 할인", min_length = 1, max_length = 100)]
    pub name: String,
    /// `FIXED` (needs `amount`) or `PERCENT` (needs `percent`, optionally `maxDiscount`).
    #[schema(value_type = String, example = "FIXED", pattern = "^(FIXED|PERCENT)$")]
    pub kind: DraftKind,
    /// FIXED: won off, 1–100,000,000.
    #[schema(example = 3000, minimum = 1, maximum = 100000000)]
    pub amount: Option<i64>,
    /// PERCENT: 1–100.
    #[schema(minimum = 1, maximum = 100)]
    pub percent: Option<i64>,
    /// PERCENT: the most it takes off, 1–100,000,000 won.
    #[schema(minimum = 1, maximum = 100000000)]
    pub max_discount: Option<i64>,
    /// Cannot be combined with other coupons (default false).
    #[serde(default)]
    pub exclusive: bool,
    /// The least price (before discounts) it applies to, 0–100,000,000 won (default 0).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100000000)]
    pub min_order_amount: i64,
    /// RFC 3339, inclusive.
    #[schema(example = "2026-12-01T00:00:00+09:00", format = DateTime)]
    pub valid_from: String,
    /// RFC 3339, exclusive; after `validFrom`.
    #[schema(example = "2027-01-01T00:00:00+09:00", format = DateTime)]
    pub valid_until: String,
    /// `COURSE`, `MARKET` or `ANY`.
    #[schema(value_type = String, example = "ANY", pattern = "^(COURSE|MARKET|ANY)$")]
    pub scope: CouponScope,
}

fn instant(raw: &str, field: &'static str) -> Result<DateTime<Utc>, cercat_coupon::CouponError> {
    DateTime::parse_from_rfc3339(raw.trim()).map(|t| t.with_timezone(&Utc)).map_err(|_| {
        cercat_coupon::CouponError::Invalid {
            field,
            reason: "must be an RFC 3339 date-time like 2026-12-01T00:00:00+09:00".into(),
        }
    })
}

impl CouponRequest {
    fn into_draft(self) -> Result<CouponDraft, cercat_coupon::CouponError> {
        Ok(CouponDraft {
            valid_from: instant(&self.valid_from, "validFrom")?,
            valid_until: instant(&self.valid_until, "validUntil")?,
            name: self.name,
            kind: self.kind,
            amount: self.amount,
            percent: self.percent,
            max_discount: self.max_discount,
            exclusive: self.exclusive,
            min_order_amount: self.min_order_amount,
            scope: self.scope,
        })
    }
}

/// A coupon definition.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CouponResponse {
    /// What grants, vouchers and coupon events name.
    pub coupon_id: i64,
    /// Its terms.
    #[serde(flatten)]
    pub terms: CouponTermsResponse,
}

impl From<&CouponDefinition> for CouponResponse {
    fn from(c: &CouponDefinition) -> Self {
        Self { coupon_id: c.id, terms: CouponTermsResponse::from(&c.terms) }
    }
}

/// Defines a coupon.
#[utoipa::path(tag = "coupons", security(("access_token" = [])), request_body = CouponRequest, extensions(("x-errors" = json!(["USR_009", "CPN_009", "GLB_002"]))), responses(
    (status = 201, description = "The coupon", body = ApiResponse<CouponResponse>),
))]
#[post("/coupons")]
pub async fn define(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    body: web::Json<cercat_error::Strict<CouponRequest>>,
) -> Result<ApiResponse<CouponResponse>, AppError> {
    let coupon = CouponResponse::from(&state.coupons.define(body.into_inner().0.into_draft()?).await?);
    let target = target("coupon", coupon.coupon_id);
    crate::routes::audit_after(&state, &admin, &req, "coupon.define", target, &coupon).await;
    Ok(ApiResponse::created(coupon))
}

fn target(kind: &str, id: i64) -> AuditTarget {
    AuditTarget { kind: kind.to_owned(), id: id.to_string() }
}

/// Every coupon definition, newest first.
#[utoipa::path(tag = "coupons", security(("access_token" = [])), extensions(("x-errors" = json!(["USR_009"]))), responses(
    (status = 200, description = "The coupons", body = ApiResponse<Vec<CouponResponse>>),
))]
#[get("/coupons")]
pub async fn list(state: web::Data<AdminState>, _admin: Admin) -> Result<ApiResponse<Vec<CouponResponse>>, AppError> {
    Ok(ApiResponse::ok(state.coupons.definitions().await?.iter().map(CouponResponse::from).collect()))
}

/// Users to grant a coupon to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrantRequest {
    /// 1–1,000 user ids (repeats count once).
    #[schema(schema_with = grant_user_ids)]
    pub user_ids: Vec<i64>,
}

/// 1–1,000 positive user ids.
fn grant_user_ids() -> utoipa::openapi::schema::Array {
    let mut ids = cercat_http::openapi::positive_ids();
    ids.min_items = Some(1);
    ids.max_items = Some(1000);
    ids
}

/// How a grant went.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrantResponse {
    /// Who got the coupon now.
    pub granted: Vec<i64>,
    /// Who already held it from a grant (unchanged: a grant gives a user the coupon once).
    pub already: Vec<i64>,
    /// Ids that name no account.
    pub unknown: Vec<i64>,
}

impl From<GrantReport> for GrantResponse {
    fn from(r: GrantReport) -> Self {
        Self { granted: r.granted, already: r.already, unknown: r.unknown }
    }
}

/// Grants a coupon to users, once each.
#[utoipa::path(tag = "coupons", security(("access_token" = [])), params(("couponId" = i64, Path)), request_body = GrantRequest, extensions(("x-errors" = json!(["USR_009", "CPN_008", "CPN_009", "GLB_002"]))), responses(
    (status = 200, description = "Who got it, who had it, which ids are no account", body = ApiResponse<GrantResponse>),
))]
#[post("/coupons/{couponId}/grants")]
pub async fn grant(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    path: IdPath<CouponId>,
    body: web::Json<cercat_error::Strict<GrantRequest>>,
) -> Result<ApiResponse<GrantResponse>, AppError> {
    let report: GrantResponse = state.coupons.grant(path.0.get(), &body.user_ids).await?.into();
    crate::routes::audit_after(&state, &admin, &req, "coupon.grant", target("coupon", path.0.get()), &report).await;
    Ok(ApiResponse::ok(report))
}

/// A voucher to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VoucherRequest {
    /// The coupon it gives.
    #[schema(minimum = 1)]
    pub coupon_id: i64,
    /// 4–32 letters, digits or `-` (stored upper-case); generated (`XXXX-XXXX-XXXX`) when absent.
    #[schema(example = "WINTER-2026", pattern = "^\\s*[A-Za-z0-9-]{4,32}\\s*$")]
    pub code: Option<String>,
    /// `PRIVATE` (redeemed once) or `PUBLIC` (up to `maxRedemptions`, once per user).
    #[schema(example = "PUBLIC", pattern = "^(PRIVATE|PUBLIC)$")]
    pub kind: String,
    /// PUBLIC: 1–1,000,000.
    #[schema(minimum = 1, maximum = 1000000)]
    pub max_redemptions: Option<u32>,
}

/// A voucher.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VoucherResponse {
    /// Its id.
    pub voucher_id: i64,
    /// The coupon it gives.
    pub coupon_id: i64,
    /// What users type.
    pub code: String,
    /// `PRIVATE` or `PUBLIC`.
    pub kind: &'static str,
    /// How often it may be redeemed.
    pub max_redemptions: u32,
    /// How often it has been.
    pub redemptions: u32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl From<Voucher> for VoucherResponse {
    fn from(v: Voucher) -> Self {
        Self {
            voucher_id: v.id,
            coupon_id: v.coupon_id,
            kind: match v.kind {
                VoucherKind::Private => "PRIVATE",
                VoucherKind::Public { .. } => "PUBLIC",
            },
            max_redemptions: v.kind.max_redemptions(),
            redemptions: v.redemptions,
            code: v.code,
            created_at: v.created_at,
        }
    }
}

/// Makes a voucher code for a coupon.
#[utoipa::path(tag = "coupons", security(("access_token" = [])), request_body = VoucherRequest, extensions(("x-errors" = json!(["USR_009", "CPN_008", "CPN_009", "CPN_013", "GLB_002"]))), responses(
    (status = 201, description = "The voucher", body = ApiResponse<VoucherResponse>),
))]
#[post("/vouchers")]
pub async fn voucher(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    body: web::Json<cercat_error::Strict<VoucherRequest>>,
) -> Result<ApiResponse<VoucherResponse>, AppError> {
    let kind = voucher_kind(&body.kind, body.max_redemptions)?;
    let v: VoucherResponse = state.coupons.create_voucher(body.coupon_id, body.code.as_deref(), kind).await?.into();
    crate::routes::audit_after(&state, &admin, &req, "coupon.voucher.create", target("coupon", body.coupon_id), &v)
        .await;
    Ok(ApiResponse::created(v))
}

/// A first-come coupon event to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CouponEventRequest {
    /// The coupon it gives copies of.
    #[schema(minimum = 1)]
    pub coupon_id: i64,
    /// How many copies, 1–1,000,000.
    #[schema(example = 1000, minimum = 1, maximum = 1000000)]
    pub quantity: u32,
    /// RFC 3339; claims are taken from (inclusive).
    #[schema(example = "2026-12-24T10:00:00+09:00", format = DateTime)]
    pub opens_at: String,
    /// RFC 3339; claims are taken until (exclusive), no later than the coupon's `validUntil`.
    #[schema(example = "2026-12-24T11:00:00+09:00", format = DateTime)]
    pub closes_at: String,
}

/// Defines a first-come coupon event.
#[utoipa::path(tag = "coupons", security(("access_token" = [])), request_body = CouponEventRequest, extensions(("x-errors" = json!(["USR_009", "CPN_008", "CPN_009", "GLB_002"]))), responses(
    (status = 201, description = "The event", body = ApiResponse<CouponEventResponse>),
))]
#[post("/coupon-events")]
pub async fn define_event(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    body: web::Json<cercat_error::Strict<CouponEventRequest>>,
) -> Result<ApiResponse<CouponEventResponse>, AppError> {
    let opens = instant(&body.opens_at, "opensAt")?;
    let closes = instant(&body.closes_at, "closesAt")?;
    let event = state.first_come.define(body.coupon_id, body.quantity, opens, closes).await?;
    let response = CouponEventResponse::new(&event, false);
    let target = target("coupon-event", event.id);
    crate::routes::audit_after(&state, &admin, &req, "coupon.event.define", target, &response).await;
    Ok(ApiResponse::created(response))
}

/// A first-come coupon event with its live count.
#[utoipa::path(tag = "coupons", security(("access_token" = [])), params(("eventId" = i64, Path)), extensions(("x-errors" = json!(["USR_009", "CPN_015", "GLB_004"]))), responses(
    (status = 200, description = "The event", body = ApiResponse<CouponEventResponse>),
))]
#[get("/coupon-events/{eventId}")]
pub async fn coupon_event(
    state: web::Data<AdminState>,
    _admin: Admin,
    path: IdPath<CouponEventId>,
) -> Result<ApiResponse<CouponEventResponse>, AppError> {
    let (event, _) = state.first_come.event(path.0.get(), None).await?;
    Ok(ApiResponse::ok(CouponEventResponse::new(&event, false)))
}

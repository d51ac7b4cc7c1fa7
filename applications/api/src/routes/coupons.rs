//! The caller's coupons: list them, redeem a voucher, and preview a price with them.

use actix_web::{get, post, web};
use cercat_error::ApiResponse;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    AppState,
    dto::coupon::{CouponQuery, PricePreviewRequest, PricePreviewResponse, RedeemRequest, UserCouponResponse},
};
use cercat_common::id::CouponEventId;
use cercat_http::{
    AppError, IdPath,
    auth::{Authenticated, Member},
    dto::coupon::CouponEventResponse,
};

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(mine).service(redeem).service(preview).service(coupon_event).service(claim);
}

/// The caller's coupons, newest first, optionally only those in one state.
#[utoipa::path(tag = "coupons", security(("access_token" = [])), params(CouponQuery), extensions(("x-errors" = json!(["USR_007", "GLB_003"]))), responses(
    (status = 200, description = "The caller's coupons", body = ApiResponse<Vec<UserCouponResponse>>),
))]
#[get("/coupons/me")]
pub async fn mine(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<CouponQuery>,
) -> Result<ApiResponse<Vec<UserCouponResponse>>, AppError> {
    let held = state.coupons.mine(caller.user_id(), query.state).await?;
    Ok(ApiResponse::ok(held.iter().map(|(c, s)| UserCouponResponse::new(c, *s)).collect()))
}

/// Redeems a voucher code: the caller holds its coupon (once per voucher; a private voucher
/// once at all, a public one up to its limit).
#[utoipa::path(tag = "coupons", security(("access_token" = ["USER"])), request_body = RedeemRequest, extensions(("x-errors" = json!(["USR_007", "USR_009", "CPN_009", "CPN_010", "CPN_011", "CPN_012", "GLB_002"]))), responses(
    (status = 201, description = "The coupon now held", body = ApiResponse<UserCouponResponse>),
))]
#[post("/vouchers/redeem")]
pub async fn redeem(
    state: web::Data<AppState>,
    caller: Member,
    body: web::Json<cercat_error::Strict<RedeemRequest>>,
) -> Result<ApiResponse<UserCouponResponse>, AppError> {
    let coupon = state.coupons.redeem(caller.user_id(), &body.code).await?;
    Ok(ApiResponse::created(UserCouponResponse::new(&coupon, cercat_coupon::ListedState::Usable)))
}

/// What the caller would pay for a course or product with these coupons now: fixed coupons
/// first, then percentages of the running total (rounded down to the won, capped), never
/// below 0. Nothing is reserved; the checkout prices again.
#[utoipa::path(tag = "coupons", security(("access_token" = ["USER"])), request_body = PricePreviewRequest, extensions(("x-errors" = json!(["USR_007", "USR_009", "CPN_001", "CPN_002", "CPN_003", "CPN_004", "CPN_005", "CPN_006", "CPN_007", "CPN_009", "CPN_014", "GLB_002"]))), responses(
    (status = 200, description = "The price, each coupon's discount and the amount to pay", body = ApiResponse<PricePreviewResponse>),
))]
#[post("/price-preview")]
pub async fn preview(
    state: web::Data<AppState>,
    caller: Member,
    body: web::Json<cercat_error::Strict<PricePreviewRequest>>,
) -> Result<ApiResponse<PricePreviewResponse>, AppError> {
    let body = body.into_inner().0;
    let quote = state.coupons.preview(caller.user_id(), body.purchase, body.id, &body.coupon_ids).await?;
    Ok(ApiResponse::ok(quote.into()))
}

/// A first-come coupon event: copies left, its window, and whether the caller has one.
#[utoipa::path(tag = "coupons", security(("access_token" = [])), params(("eventId" = i64, Path)), extensions(("x-errors" = json!(["USR_007", "CPN_015", "GLB_004"]))), responses(
    (status = 200, description = "The event", body = ApiResponse<CouponEventResponse>),
))]
#[get("/coupon-events/{eventId}")]
pub async fn coupon_event(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CouponEventId>,
) -> Result<ApiResponse<CouponEventResponse>, AppError> {
    let (event, claimed) = state.first_come.event(path.0.get(), Some(caller.user_id())).await?;
    Ok(ApiResponse::ok(CouponEventResponse::new(&event, claimed)))
}

/// Claims a copy of the event's coupon: 201 only once the copy is committed; 409 `CPN_017` when
/// every copy is given, `CPN_018` when the caller has one; 403 `CPN_016` outside the window.
#[utoipa::path(tag = "coupons", security(("access_token" = ["USER"])), params(("eventId" = i64, Path)), extensions(("x-errors" = json!(["USR_007", "USR_009", "CPN_015", "CPN_016", "CPN_017", "CPN_018", "GLB_004"]))), responses(
    (status = 201, description = "The copy now held", body = ApiResponse<UserCouponResponse>),
))]
#[post("/coupon-events/{eventId}/claims")]
pub async fn claim(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<CouponEventId>,
) -> Result<ApiResponse<UserCouponResponse>, AppError> {
    let copy = state.first_come.claim(caller.user_id(), path.0.get()).await?;
    Ok(ApiResponse::created(UserCouponResponse::new(&copy, cercat_coupon::ListedState::Usable)))
}

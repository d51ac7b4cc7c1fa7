//! Onboarding preferences, recommendations for the caller and items similar to an item.

use actix_web::{get, put, web};
use cercat_common::id::ItemId;
use cercat_error::ApiResponse;
use cercat_http::{AppError, IdPath, auth::Authenticated};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    AppState,
    dto::recommendation::{KindPath, PreferencesRequest, PreferencesResponse, RecommendationsResponse, SizeQuery},
};

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(preferences).service(replace_preferences).service(recommended).service(similar);
}

/// The caller's onboarding keyword preferences (empty until given).
#[utoipa::path(tag = "recommendations", security(("access_token" = [])), extensions(("x-errors" = json!(["USR_007"]))), responses(
    (status = 200, description = "The caller's preferences", body = ApiResponse<PreferencesResponse>),
))]
#[get("/users/me/preferences")]
pub async fn preferences(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<ApiResponse<PreferencesResponse>, AppError> {
    Ok(ApiResponse::ok(state.recommendations.preferences(caller.user_id()).await?.into()))
}

/// Replaces the caller's keyword preferences (Claco's onboarding: each keyword weighted 0–1).
/// They steer content-based recommendations at once, blended with the keywords of what the
/// caller does.
#[utoipa::path(tag = "recommendations", security(("access_token" = [])), request_body = PreferencesRequest, extensions(("x-errors" = json!(["USR_007", "REC_001", "GLB_002"]))), responses(
    (status = 200, description = "The preferences now", body = ApiResponse<PreferencesResponse>),
))]
#[put("/users/me/preferences")]
pub async fn replace_preferences(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<cercat_error::Strict<PreferencesRequest>>,
) -> Result<ApiResponse<PreferencesResponse>, AppError> {
    let saved = state.recommendations.replace_preferences(caller.user_id(), &body.pairs()).await?;
    Ok(ApiResponse::ok(saved.into()))
}

/// Certificates, courses, posts or products for the caller, best first, each with why: what
/// users with the caller's items also chose (read now, so a like counts at once), keyword
/// matches with the caller's preferences and activity, and what is popular for the caller's
/// certificates. Never what the caller already has. A new user gets the popular items.
#[utoipa::path(tag = "recommendations", security(("access_token" = [])), params(("kind" = inline(KindPath), Path), SizeQuery), extensions(("x-errors" = json!(["USR_007", "REC_003", "GLB_004"]))), responses(
    (status = 200, description = "Recommendations", body = ApiResponse<RecommendationsResponse>),
))]
#[get("/recommendations/{kind}")]
pub async fn recommended(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<KindPath>,
    query: web::Query<SizeQuery>,
) -> Result<ApiResponse<RecommendationsResponse>, AppError> {
    let kind = path.into_inner().kind();
    Ok(ApiResponse::ok(state.recommendations.recommend(caller.user_id(), kind, query.size).await?.into()))
}

/// Items of the same kind most like item `itemId`: its neighbours by users' choices, then
/// keyword matches, then what is popular for its certificate. Public.
#[utoipa::path(tag = "recommendations", params(("kind" = inline(KindPath), Path), ("itemId" = i64, Path, minimum = 1), SizeQuery), extensions(("x-errors" = json!(["REC_002", "REC_003", "GLB_004"]))), responses(
    (status = 200, description = "Similar items", body = ApiResponse<RecommendationsResponse>),
))]
#[get("/recommendations/{kind}/{itemId}/similar")]
pub async fn similar(
    state: web::Data<AppState>,
    path: IdPath<(KindPath, ItemId)>,
    query: web::Query<SizeQuery>,
) -> Result<ApiResponse<RecommendationsResponse>, AppError> {
    let (kind, id) = path.into_inner();
    let kind = kind.kind();
    Ok(ApiResponse::ok(state.recommendations.similar(kind, id.get(), kind, query.size).await?.into()))
}

//! `/api/v2/interest-certificates`: the caller's (up to three) interest certificates.

use actix_web::{get, post, put, web};
use cercat_error::ApiResponse;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    AppState,
    dto::certificate::{InterestRequest, InterestResponse},
};
use cercat_http::{AppError, Valid, auth::Authenticated};

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(replace_post).service(replace_put);
}

/// The caller's interest certificates, highest priority first (the client treats the first as
/// the current certificate).
#[utoipa::path(tag = "certificates", security(("access_token" = [])), extensions(("x-errors" = json!(["USR_007"]))), responses(
    (status = 200, description = "Interest certificates", body = ApiResponse<Vec<InterestResponse>>),
))]
#[get("/interest-certificates")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<ApiResponse<Vec<InterestResponse>>, AppError> {
    let interests = state.certificates.interests(caller.user_id()).await?;
    Ok(ApiResponse::ok(interests.into_iter().map(InterestResponse::from).collect()))
}

async fn replace(
    state: &AppState,
    caller: &Authenticated,
    body: InterestRequest,
) -> Result<Vec<InterestResponse>, AppError> {
    let targets: Vec<_> =
        body.interest_target_list.iter().map(|t| (t.certificate_id.get(), t.interest_priority)).collect();
    let interests = state.certificates.replace_interests(caller.user_id(), &targets).await?;
    Ok(interests.into_iter().map(InterestResponse::from).collect())
}

/// Replaces the caller's interest certificates (onboarding and the my-page editor use it).
#[utoipa::path(tag = "certificates", security(("access_token" = [])), request_body = InterestRequest, extensions(("x-errors" = json!(["GLB_005", "CRT_010", "CRT_007"]))), responses(
    (status = 200, description = "The new list", body = ApiResponse<Vec<InterestResponse>>),
))]
#[post("/interest-certificates")]
pub async fn replace_post(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: Valid<InterestRequest>,
) -> Result<ApiResponse<Vec<InterestResponse>>, AppError> {
    Ok(ApiResponse::ok(replace(&state, &caller, body.0).await?))
}

/// Same as `POST` (replace-all).
#[utoipa::path(tag = "certificates", security(("access_token" = [])), request_body = InterestRequest, extensions(("x-errors" = json!(["GLB_005", "CRT_010", "CRT_007"]))), responses(
    (status = 200, description = "The new list", body = ApiResponse<Vec<InterestResponse>>),
))]
#[put("/interest-certificates")]
pub async fn replace_put(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: Valid<InterestRequest>,
) -> Result<ApiResponse<Vec<InterestResponse>>, AppError> {
    Ok(ApiResponse::ok(replace(&state, &caller, body.0).await?))
}

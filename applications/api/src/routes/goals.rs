//! Goals, study time and the achievement dashboard.

use actix_web::{get, post, put, web};
use cercat_error::ApiResponse;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    AppState,
    dto::learning::{AchievementResponse, GoalPeriodResponse, GoalRequest, GoalResponse, StudyTimeQuery},
};
use cercat_common::id::CertificateId;
use cercat_http::{AppError, IdPath, auth::Authenticated};

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(achievement)
        .service(create)
        .service(status)
        .service(get_goal)
        .service(update)
        .service(study_time);
}

/// The caller's goals for a certificate, oldest first (the client uses the last).
#[utoipa::path(tag = "goals", security(("access_token" = [])), params(("certificateId" = i64, Path)), extensions(("x-errors" = json!(["CRT_001"]))), responses(
    (status = 200, description = "Goals", body = ApiResponse<Vec<GoalPeriodResponse>>),
))]
#[get("/certificates/{certificateId}/goals")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<Vec<GoalPeriodResponse>>, AppError> {
    let id = path.0.get();
    let goals = state.learning.goals(caller.user_id(), id).await?;
    Ok(ApiResponse::ok(goals.into_iter().map(GoalPeriodResponse::from).collect()))
}

/// Sets a goal for a certificate.
#[utoipa::path(tag = "goals", security(("access_token" = [])), params(("certificateId" = i64, Path)), request_body = GoalRequest, extensions(("x-errors" = json!(["LRN_002", "CRT_001"]))), responses(
    (status = 201, description = "Created", body = ApiResponse<GoalResponse>),
))]
#[post("/certificates/{certificateId}/goals")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
    body: web::Json<cercat_error::Strict<GoalRequest>>,
) -> Result<ApiResponse<GoalResponse>, AppError> {
    let id = path.0.get();
    let goal = state.learning.create(caller.user_id(), id, body.into_inner().0.into_draft()?).await?;
    let certificate = state.certificates.get(id).await?;
    Ok(ApiResponse::created(GoalResponse::new(goal, &certificate)))
}

/// One of the caller's goals. The client asks for goal 0 when the user has none: that is a
/// 404 `LRN_001`, which it tolerates.
#[utoipa::path(tag = "goals", security(("access_token" = [])), params(("goalId" = i64, Path)), extensions(("x-errors" = json!(["LRN_001"]))), responses(
    (status = 200, description = "Goal", body = ApiResponse<GoalResponse>),
))]
#[get("/goals/{goalId}")]
pub async fn get_goal(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<ApiResponse<GoalResponse>, AppError> {
    let goal = state.learning.goal(caller.user_id(), path.into_inner()).await?;
    let certificate = state.certificates.get(goal.certificate_id).await?;
    Ok(ApiResponse::ok(GoalResponse::new(goal, &certificate)))
}

/// Replaces one of the caller's goals.
#[utoipa::path(tag = "goals", security(("access_token" = [])), params(("goalId" = i64, Path)), request_body = GoalRequest, extensions(("x-errors" = json!(["LRN_002", "LRN_001"]))), responses(
    (status = 200, description = "Updated", body = ApiResponse<GoalResponse>),
))]
#[put("/goals/{goalId}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: web::Json<cercat_error::Strict<GoalRequest>>,
) -> Result<ApiResponse<GoalResponse>, AppError> {
    let goal = state.learning.update(caller.user_id(), path.into_inner(), body.into_inner().0.into_draft()?).await?;
    let certificate = state.certificates.get(goal.certificate_id).await?;
    Ok(ApiResponse::ok(GoalResponse::new(goal, &certificate)))
}

/// Whether the caller has a goal for the certificate that has not ended (false → the client
/// asks them to set one).
#[utoipa::path(tag = "goals", security(("access_token" = [])), params(("certificateId" = i64, Path)), extensions(("x-errors" = json!(["CRT_001"]))), responses(
    (status = 200, description = "Status", body = ApiResponse<bool>),
))]
#[get("/certificates/{certificateId}/goal-status")]
pub async fn status(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<bool>, AppError> {
    let id = path.0.get();
    Ok(ApiResponse::ok(state.learning.has_active_goal(caller.user_id(), id).await?))
}

/// The dashboard of the current goal: best score in the period against the target, exams and
/// study time today and in total against their targets, days left.
#[utoipa::path(tag = "goals", security(("access_token" = [])), params(("certificateId" = i64, Path)), extensions(("x-errors" = json!(["CRT_001", "LRN_004"]))), responses(
    (status = 200, description = "Dashboard", body = ApiResponse<AchievementResponse>),
))]
#[get("/certificates/{certificateId}/goals/achievement")]
pub async fn achievement(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<AchievementResponse>, AppError> {
    let id = path.0.get();
    Ok(ApiResponse::ok(state.learning.achievement(caller.user_id(), id).await?.into()))
}

/// Logs stopwatch time (`studyTime`, milliseconds) against one of the caller's goals.
#[utoipa::path(tag = "goals", security(("access_token" = [])), params(("goalId" = i64, Path), StudyTimeQuery), extensions(("x-errors" = json!(["LRN_003", "LRN_001"]))), responses(
    (status = 201, description = "Logged", body = ApiResponse<bool>),
))]
#[post("/goals/{goalId}/study-times")]
pub async fn study_time(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<i64>,
    query: web::Query<StudyTimeQuery>,
) -> Result<ApiResponse<bool>, AppError> {
    state.learning.log_study_time(caller.user_id(), path.into_inner(), query.study_time).await?;
    Ok(ApiResponse::created(true))
}

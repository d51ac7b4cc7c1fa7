//! Exam reviews: open during the two weeks after a certificate's latest exam, for users who had
//! the certificate as a goal or an interest, once per exam.

use actix_web::{get, post, web};
use cercat_certificate::CertificateError;
use cercat_community::reviews::{Difficulty, Eligibility, ReviewFilter, ReviewedExam, prepare_months};
use cercat_error::ApiResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{AppState, dto::paging::PageQuery};
use cercat_common::id::CertificateId;
use cercat_http::{
    AppError, IdPath,
    auth::{Authenticated, Member},
    extract::optional_number,
};

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(check_period).service(check_reviews).service(list).service(create);
}

async fn latest_exam(state: &AppState, certificate_id: i64) -> Result<Option<ReviewedExam>, AppError> {
    match state.certificates.previous_exam(certificate_id).await {
        Ok((_, schedule)) => Ok(Some(ReviewedExam { schedule_id: schedule.id, exam_date: schedule.draft.exam_date })),
        Err(CertificateError::NoPreviousExam(_)) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// Whether the user studied for the certificate (goal or interest), and when their current
/// goal's preparation began.
async fn studied(
    state: &AppState,
    user_id: i64,
    certificate_id: i64,
) -> Result<(bool, Option<DateTime<Utc>>), AppError> {
    let goal = state.learning.current_goal(user_id, certificate_id).await?;
    let interest = state.certificates.interests(user_id).await?.iter().any(|i| i.certificate.id == certificate_id);
    Ok((goal.is_some() || interest, goal.map(|g| g.draft.prepare_start)))
}

/// Whether reviews of the certificate's latest exam are open now (the two weeks after it).
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificate_id" = i64, Path)), extensions(("x-errors" = json!(["CRT_001"]))), responses(
    (status = 200, description = "Open or not", body = ApiResponse<bool>),
))]
#[get("/certificates/{certificate_id}/check-review-period")]
pub async fn check_period(
    state: web::Data<AppState>,
    _caller: Authenticated,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<bool>, AppError> {
    let id = path.0.get();
    state.certificates.get(id).await?;
    Ok(ApiResponse::ok(state.community.review_period_open(latest_exam(&state, id).await?)))
}

/// Whether the caller may review the latest exam now (true → the client offers the form).
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificate_id" = i64, Path)), extensions(("x-errors" = json!(["CRT_001"]))), responses(
    (status = 200, description = "May review or not", body = ApiResponse<bool>),
))]
#[get("/certificates/{certificate_id}/check-reviews")]
pub async fn check_reviews(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<bool>, AppError> {
    let id = path.0.get();
    state.certificates.get(id).await?;
    let exam = latest_exam(&state, id).await?;
    let (studied, _) = studied(&state, caller.user_id(), id).await?;
    Ok(ApiResponse::ok(state.community.review_refusal(caller.user_id(), exam, studied).await?.is_none()))
}

/// A review as listed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewResponse {
    /// Id.
    pub exam_review_id: i64,
    /// `TOO_EASY` … `TOO_DIFFICULT`.
    pub exam_difficulty: &'static str,
    /// Months of preparation (from the reviewer's goal; 0 without one).
    pub prepare_months: i32,
    /// Text.
    pub content: String,
    /// `{nickname}`.
    pub user: ReviewerRef,
    /// Written at.
    pub created_at: DateTime<Utc>,
}

/// The reviewer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewerRef {
    /// Nickname.
    pub nickname: String,
}

/// A page of reviews.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewSlice {
    /// Items.
    pub content: Vec<ReviewResponse>,
    /// Whether another page has items.
    pub has_next: bool,
}

/// Review filters (blank values are ignored).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct ReviewQuery {
    /// At least this many months of preparation.
    pub start_months: Option<String>,
    /// At most this many.
    pub end_pre_months: Option<String>,
    /// `TOO_EASY`, `EASY`, `NORMAL`, `LITTLE_DIFFICULT` or `TOO_DIFFICULT`.
    pub exam_difficulty: Option<String>,
}

/// The certificate's reviews, newest first, by preparation months and difficulty.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificate_id" = i64, Path), ReviewQuery, PageQuery), extensions(("x-errors" = json!(["GLB_003"]))), responses(
    (status = 200, description = "Reviews", body = ApiResponse<ReviewSlice>),
))]
#[get("/certificates/{certificate_id}/exam-reviews")]
pub async fn list(
    state: web::Data<AppState>,
    _caller: Authenticated,
    path: IdPath<CertificateId>,
    query: web::Query<ReviewQuery>,
    page: web::Query<PageQuery>,
) -> Result<ApiResponse<ReviewSlice>, AppError> {
    let id = path.0.get();
    let difficulty = match query.exam_difficulty.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(Difficulty::parse(v).ok_or_else(|| {
            AppError::invalid_query(
                "examDifficulty",
                "must be TOO_EASY, EASY, NORMAL, LITTLE_DIFFICULT or TOO_DIFFICULT",
            )
        })?),
    };
    let filter = ReviewFilter {
        min_months: optional_number(query.start_months.as_deref(), "startMonths")?,
        max_months: optional_number(query.end_pre_months.as_deref(), "endPreMonths")?,
        difficulty,
    };
    let page = page.request(&[])?;
    let reviews = state.community.reviews(id, filter, &page).await?;
    Ok(ApiResponse::ok(ReviewSlice {
        has_next: reviews.has_next,
        content: reviews
            .content
            .into_iter()
            .map(|r| ReviewResponse {
                exam_review_id: r.id,
                exam_difficulty: r.difficulty.as_str(),
                prepare_months: r.prepare_months,
                content: r.content,
                user: ReviewerRef { nickname: r.nickname },
                created_at: r.created_at,
            })
            .collect(),
    }))
}

/// `POST …/exam-reviews`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewRequest {
    /// `TOO_EASY` … `TOO_DIFFICULT`.
    #[schema(value_type = String, example = "NORMAL")]
    pub exam_difficulty: Difficulty,
    /// Text (1–1000 characters).
    pub content: String,
}

/// Reviews the certificate's latest exam: only in the two weeks after it (CRT_003), only by
/// users who had the certificate as a goal or interest (CRT_004), once (CRT_012).
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificate_id" = i64, Path)), request_body = ReviewRequest, extensions(("x-errors" = json!(["CRT_003", "CRT_004", "CRT_013", "CRT_012"]))), responses(
    (status = 201, description = "The review id", body = ApiResponse<i64>),
))]
#[post("/certificates/{certificate_id}/exam-reviews")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<CertificateId>,
    body: web::Json<ReviewRequest>,
) -> Result<ApiResponse<i64>, AppError> {
    let id = path.0.get();
    state.certificates.get(id).await?;
    let exam = latest_exam(&state, id).await?;
    let (studied, goal_start) = studied(&state, caller.user_id(), id).await?;
    let months = match (goal_start, exam) {
        (Some(start), Some(e)) => prepare_months(start, e.exam_date),
        _ => 0,
    };
    let body = body.into_inner();
    let review = state
        .community
        .create_review(
            caller.user_id(),
            id,
            Eligibility { exam, studied, prepare_months: months },
            body.exam_difficulty,
            &body.content,
        )
        .await?;
    Ok(ApiResponse::created(review))
}

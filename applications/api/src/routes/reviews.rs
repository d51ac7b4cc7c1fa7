//! Exam reviews: open during the two weeks after a certificate's latest exam, for users who had
//! the certificate as a goal or an interest, once per exam.

use actix_web::{get, post, web};
use cercat_community::reviews::{Difficulty, ReviewFilter};
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

/// Whether reviews of the certificate's latest exam are open now (the two weeks after it).
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificateId" = i64, Path)), extensions(("x-errors" = json!(["CRT_001"]))), responses(
    (status = 200, description = "Open or not", body = ApiResponse<bool>),
))]
#[get("/certificates/{certificateId}/check-review-period")]
pub async fn check_period(
    state: web::Data<AppState>,
    _caller: Authenticated,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<bool>, AppError> {
    let id = path.0.get();
    Ok(ApiResponse::ok(state.community.review_period_open(id).await?))
}

/// Whether the caller may review the latest exam now (true → the client offers the form).
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificateId" = i64, Path)), extensions(("x-errors" = json!(["CRT_001"]))), responses(
    (status = 200, description = "May review or not", body = ApiResponse<bool>),
))]
#[get("/certificates/{certificateId}/check-reviews")]
pub async fn check_reviews(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<bool>, AppError> {
    let id = path.0.get();
    Ok(ApiResponse::ok(state.community.may_review(caller.user_id(), id).await?))
}

/// A review as listed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewResponse {
    /// The review's id, as `POST …/exam-reviews` answered it; it breaks ties in the newest-first order.
    pub exam_review_id: i64,
    /// `TOO_EASY` … `TOO_DIFFICULT`.
    pub exam_difficulty: &'static str,
    /// Months of preparation (from the reviewer's goal; 0 without one).
    pub prepare_months: i32,
    /// The review, 1 to 1,000 characters.
    pub content: String,
    /// `{nickname}`.
    pub user: ReviewerRef,
    /// Written at.
    pub created_at: DateTime<Utc>,
}

/// The reviewer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewerRef {
    /// The reviewer's nickname (`탈퇴한 회원` once the account is withdrawn).
    pub nickname: String,
}

/// A page of reviews.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewSlice {
    /// The reviews on this page, newest first (empty past the end).
    pub content: Vec<ReviewResponse>,
    /// Whether another page has items.
    pub has_next: bool,
}

/// Review filters (blank values are ignored).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct ReviewQuery {
    /// At least this many months of preparation (blank or `전체`: any).
    #[param(pattern = "^[ \\t\\n\\r]*(전체|[0-9]{1,9})?[ \\t\\n\\r]*$")]
    pub start_months: Option<String>,
    /// At most this many (blank or `전체`: any).
    #[param(pattern = "^[ \\t\\n\\r]*(전체|[0-9]{1,9})?[ \\t\\n\\r]*$")]
    pub end_pre_months: Option<String>,
    /// `TOO_EASY`, `EASY`, `NORMAL`, `LITTLE_DIFFICULT` or `TOO_DIFFICULT` (blank: any).
    #[param(pattern = "^(TOO_EASY|EASY|NORMAL|LITTLE_DIFFICULT|TOO_DIFFICULT)?$")]
    pub exam_difficulty: Option<String>,
}

/// The certificate's reviews, newest first, by preparation months and difficulty.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificateId" = i64, Path), ReviewQuery, PageQuery), extensions(("x-errors" = json!(["GLB_003"]))), responses(
    (status = 200, description = "Reviews", body = ApiResponse<ReviewSlice>),
))]
#[get("/certificates/{certificateId}/exam-reviews")]
pub async fn list(
    state: web::Data<AppState>,
    _caller: Authenticated,
    path: IdPath<CertificateId>,
    query: web::Query<ReviewQuery>,
    page: web::Query<PageQuery>,
) -> Result<ApiResponse<ReviewSlice>, AppError> {
    let id = path.0.get();
    let difficulty = match query.exam_difficulty.as_deref().filter(|v| !v.is_empty()) {
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
    let page = page.request()?;
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
    #[schema(value_type = String, example = "NORMAL", pattern = "^(TOO_EASY|EASY|NORMAL|LITTLE_DIFFICULT|TOO_DIFFICULT)$")]
    pub exam_difficulty: Difficulty,
    /// Text (1–1000 characters, not blank).
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub content: String,
}

/// Reviews the certificate's latest exam: only in the two weeks after it (CRT_003), only by
/// users who had the certificate as a goal or interest (CRT_004), once (CRT_012).
#[utoipa::path(tag = "community", security(("access_token" = ["USER"])), params(("certificateId" = i64, Path)), request_body = ReviewRequest, extensions(("x-errors" = json!(["CRT_003", "CRT_004", "CRT_013", "CRT_012", "CRT_001"]))), responses(
    (status = 201, description = "The review id", body = ApiResponse<i64>),
))]
#[post("/certificates/{certificateId}/exam-reviews")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<CertificateId>,
    body: web::Json<cercat_error::Strict<ReviewRequest>>,
) -> Result<ApiResponse<i64>, AppError> {
    let id = path.0.get();
    let body = body.into_inner().0;
    let review = state.community.create_review(caller.user_id(), id, body.exam_difficulty, &body.content).await?;
    Ok(ApiResponse::created(review))
}

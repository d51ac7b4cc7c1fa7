//! Courses for operators: every course with its owner, and a course's live status.

use actix_web::{get, web};
use cercat_common::id::CourseId;
use cercat_course::{CourseSearch, SearchField};
use cercat_error::ApiResponse;
use cercat_http::{AppError, IdPath, auth::Admin};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::AdminState;

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(course_status);
}

/// Which courses to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct CourseListQuery {
    /// Words in the title or description, or the instructor's nickname with `byInstructor=true`.
    pub keyword: Option<String>,
    /// Search the instructor's nickname instead of the title and description.
    #[serde(default)]
    pub by_instructor: bool,
    /// 0-based page (default 0).
    #[param(minimum = 0, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 10).
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<i64>,
}

/// A course as operators list it: who owns it and how it sells.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseRowResponse {
    /// The course.
    pub course_id: i64,
    /// Its title.
    pub title: String,
    /// The instructor who owns it (creates and edits it through the api).
    pub instructor_id: i64,
    /// The instructor's nickname (empty if the account is gone).
    pub instructor_nickname: String,
    /// Its certificate.
    pub certificate_id: i64,
    /// Seats for sale.
    pub capacity: u32,
    /// Seats held or paid.
    pub seats_taken: u32,
    /// Price, won.
    pub price: i64,
    /// Enrollment opens.
    pub enrollment_opens_at: chrono::DateTime<chrono::Utc>,
    /// Enrollment closes.
    pub enrollment_closes_at: chrono::DateTime<chrono::Utc>,
}

/// A page of courses.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseRows {
    /// The courses, newest first.
    pub content: Vec<CourseRowResponse>,
    /// Whether another page exists.
    pub has_next: bool,
}

/// Every course with its owner, newest first (search by title/description, or by the
/// instructor's nickname).
#[utoipa::path(tag = "courses", security(("access_token" = [])), params(CourseListQuery), extensions(("x-errors" = json!(["USR_009", "GLB_003"]))), responses(
    (status = 200, description = "A page of courses", body = ApiResponse<CourseRows>),
))]
#[get("/courses")]
pub async fn list(
    state: web::Data<AdminState>,
    _admin: Admin,
    query: web::Query<CourseListQuery>,
) -> Result<ApiResponse<CourseRows>, AppError> {
    let page = cercat_common::paging::PageRequest::parse(query.page, query.size, None, None, &["createdAt"])
        .map_err(|e| AppError::invalid_query(e.field, &e.reason))?;
    let field = if query.by_instructor { SearchField::Instructor } else { SearchField::TitleOrContent };
    let keyword = query.keyword.as_deref().map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned);
    let search = CourseSearch { keyword, field, certificate_id: None };
    let found = state.courses.search(&search, &page).await?;
    let content = found
        .content
        .into_iter()
        .map(|c| CourseRowResponse {
            course_id: c.id,
            seats_taken: c.seats_taken,
            title: c.draft.title,
            instructor_id: c.instructor_id,
            instructor_nickname: c.instructor_nickname,
            certificate_id: c.draft.certificate_id,
            capacity: c.draft.capacity,
            price: c.draft.price,
            enrollment_opens_at: c.draft.opens_at,
            enrollment_closes_at: c.draft.closes_at,
        })
        .collect();
    Ok(ApiResponse::ok(CourseRows { content, has_next: found.has_next }))
}

/// The invariant check of a course.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvariantResponse {
    /// Whether every rule holds.
    pub holds: bool,
    /// PENDING_PAYMENT enrollments.
    pub pending: u32,
    /// … of which past their deadline (the sweep has not reached them yet).
    pub overdue: u32,
    /// COMPLETED enrollments.
    pub completed: u32,
    /// Enrollments whose seat went back.
    pub released: u32,
    /// The course's seat counter (must equal pending + completed).
    pub seat_counter: u32,
    /// Each broken rule, in words.
    pub violations: Vec<String>,
}

/// A course's live status.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseStatusResponse {
    /// The course.
    pub course_id: i64,
    /// Its title.
    pub title: String,
    /// Seats for sale; `seatsLeft` of them are free.
    pub capacity: u32,
    /// Seats still free.
    pub seats_left: u32,
    /// Whether enrollment is open now.
    pub window_open: bool,
    /// Whether the waiting room is on.
    pub waiting_room_enabled: bool,
    /// People in the waiting room.
    pub queue_length: u64,
    /// People admitted so far.
    pub admitted: u64,
    /// People waiting for admission.
    pub waiting: u64,
    /// The admission rate in force, per second.
    pub admission_rate_per_second: u32,
    /// The invariant check.
    pub invariant: InvariantResponse,
}

/// A course's live status: seats left, waiting room (length, admitted, rate), holds pending
/// and the invariant check. The admission *rate observed* is on `/metrics`
/// (`cercat_course_admitted_per_second`).
#[utoipa::path(
    tag = "courses",
    security(("access_token" = [])),
    params(("courseId" = i64, Path)),
    extensions(("x-errors" = json!(["USR_009", "CRS_001"]))),
    responses(
        (status = 200, description = "Status", body = ApiResponse<CourseStatusResponse>),
    )
)]
#[get("/courses/{courseId}/status")]
pub async fn course_status(
    state: web::Data<AdminState>,
    _admin: Admin,
    path: IdPath<CourseId>,
) -> Result<ApiResponse<CourseStatusResponse>, AppError> {
    let id = path.0.get();
    let s = state.courses.live_status(id).await?;
    Ok(ApiResponse::ok(CourseStatusResponse {
        course_id: s.course.id,
        title: s.course.draft.title.clone(),
        capacity: s.course.draft.capacity,
        seats_left: s.seats_left,
        window_open: s.window_open,
        waiting_room_enabled: s.course.draft.waiting_room,
        queue_length: s.queue_length,
        admitted: s.admitted,
        waiting: s.waiting,
        admission_rate_per_second: s.admission_rate,
        invariant: InvariantResponse {
            holds: s.invariant.holds(),
            pending: s.invariant.pending,
            overdue: s.invariant.overdue,
            completed: s.invariant.completed,
            released: s.invariant.released,
            seat_counter: s.invariant.seats_taken,
            violations: s.invariant.violations,
        },
    }))
}

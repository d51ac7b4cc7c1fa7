//! A course's live status for operators.

use actix_web::{get, web};
use cercat_common::id::CourseId;
use cercat_error::ApiResponse;
use cercat_http::{AppError, IdPath, auth::Admin};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::AdminState;

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(course_status);
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
    params(("course_id" = i64, Path)),
    extensions(("x-errors" = json!(["USR_009", "CRS_001"]))),
    responses(
        (status = 200, description = "Status", body = ApiResponse<CourseStatusResponse>),
    )
)]
#[get("/courses/{course_id}/status")]
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

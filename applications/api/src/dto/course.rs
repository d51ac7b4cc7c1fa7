//! Course, waiting-room and enrollment wire types.

use cercat_common::id::CertificateId;
use cercat_course::{Course, CourseDraft, CourseError, Enrollment, QueueStatus, SearchField};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `POST /courses` and `PUT /courses/{id}`. Date-times are ISO-8601 with an offset
/// (`2026-12-01T10:00:00+09:00`) or without one (read as Asia/Seoul).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseRequest {
    /// Title, 1–200 characters.
    #[schema(example = "정보처리기사 실기 2주 완성")]
    pub title: String,
    /// Description, 1–10,000 characters.
    pub description: String,
    /// The certificate it prepares for.
    #[schema(value_type = i64, minimum = 1, example = 1)]
    pub certificate_id: CertificateId,
    /// Seats, 1–100,000.
    #[schema(example = 50)]
    pub capacity: u32,
    /// Price in won, 0–100,000,000.
    #[schema(example = 99000)]
    pub price: i64,
    /// Enrollment opens (inclusive).
    #[schema(example = "2026-12-01T10:00:00+09:00")]
    pub enrollment_opens_at: String,
    /// Enrollment closes (exclusive).
    #[schema(example = "2026-12-08T10:00:00+09:00")]
    pub enrollment_closes_at: String,
    /// Whether students pass a waiting room (and need an admission token) to enroll.
    pub waiting_room_enabled: bool,
    /// People the waiting room admits per second (the deployment default when absent).
    pub admission_rate_per_second: Option<u32>,
}

fn time(raw: &str, field: &'static str) -> Result<DateTime<Utc>, CourseError> {
    super::learning::parse_client_time(raw, field).map_err(|_| CourseError::Invalid {
        field,
        reason: "must be an ISO-8601 date-time like 2026-12-01T10:00:00+09:00".into(),
    })
}

impl CourseRequest {
    /// The domain draft (validated further by the service).
    pub fn into_draft(self) -> Result<CourseDraft, CourseError> {
        Ok(CourseDraft {
            title: self.title,
            description: self.description,
            certificate_id: self.certificate_id.get(),
            capacity: self.capacity,
            price: self.price,
            opens_at: time(&self.enrollment_opens_at, "enrollmentOpensAt")?,
            closes_at: time(&self.enrollment_closes_at, "enrollmentClosesAt")?,
            waiting_room: self.waiting_room_enabled,
            admission_rate: self.admission_rate_per_second,
        })
    }
}

/// A course.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseResponse {
    /// The course's id, for `/courses/{courseId}/…`.
    pub id: i64,
    /// 1 to 200 characters.
    pub title: String,
    /// 1 to 10,000 characters.
    pub description: String,
    /// The certificate it prepares for.
    pub certificate_id: i64,
    /// The instructor's id.
    pub instructor_id: i64,
    /// The instructor's nickname.
    pub instructor_nickname: String,
    /// Seats for sale; `seatsLeft` of them are free.
    pub capacity: u32,
    /// Seats still free.
    pub seats_left: u32,
    /// Price in won.
    pub price: i64,
    /// Enrollment opens.
    pub enrollment_opens_at: DateTime<Utc>,
    /// Enrollment closes.
    pub enrollment_closes_at: DateTime<Utc>,
    /// Whether enrollment is open now.
    pub enrollment_open: bool,
    /// Whether enrolling goes through the waiting room.
    pub waiting_room_enabled: bool,
    /// The course's own admission rate, if it set one.
    pub admission_rate_per_second: Option<u32>,
    /// When the instructor created it.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl CourseResponse {
    /// The course as seen at `now`.
    pub fn new(c: Course, now: DateTime<Utc>) -> Self {
        Self {
            seats_left: c.seats_left(),
            enrollment_open: c.window_open(now),
            id: c.id,
            title: c.draft.title,
            description: c.draft.description,
            certificate_id: c.draft.certificate_id,
            instructor_id: c.instructor_id,
            instructor_nickname: c.instructor_nickname,
            capacity: c.draft.capacity,
            price: c.draft.price,
            enrollment_opens_at: c.draft.opens_at,
            enrollment_closes_at: c.draft.closes_at,
            waiting_room_enabled: c.draft.waiting_room,
            admission_rate_per_second: c.draft.admission_rate,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// A page of courses.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseSlice {
    /// Items (empty past the end).
    pub content: Vec<CourseResponse>,
    /// Whether another page has items.
    pub has_next: bool,
}

/// `GET /courses` filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct CourseSearchQuery {
    /// Words to find.
    pub keyword: Option<String>,
    /// Where to look: `title`, `content`, `instructor`, or `all` (title or content; default).
    #[param(pattern = "^(title|content|instructor|all)?$")]
    pub search_type: Option<String>,
    /// Only courses for this certificate.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub certificate_id: Option<CertificateId>,
}

impl CourseSearchQuery {
    /// The field to search.
    pub fn field(&self) -> Result<SearchField, &'static str> {
        match self.search_type.as_deref().map(str::trim).map(str::to_ascii_lowercase).as_deref() {
            None | Some("" | "all") => Ok(SearchField::TitleOrContent),
            Some("title") => Ok(SearchField::Title),
            Some("content") => Ok(SearchField::Content),
            Some("instructor") => Ok(SearchField::Instructor),
            Some(_) => Err("must be one of title, content, instructor, all"),
        }
    }
}

/// A place in a waiting room.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueResponse {
    /// The course.
    pub course_id: i64,
    /// 1-based place in arrival order.
    pub position: u64,
    /// People before the caller not admitted yet.
    pub ahead: u64,
    /// Whether the caller has been let in.
    pub admitted: bool,
    /// Seconds until the caller is likely let in (0 once admitted).
    pub estimated_wait_seconds: u64,
    /// When to poll again, seconds (also sent as `Retry-After`; 0 once admitted).
    pub retry_after_seconds: u64,
    /// Send this in the `Admission-Token` header to enroll (present once admitted).
    pub admission_token: Option<String>,
    /// When the token stops being accepted (poll again for a fresh one).
    pub admission_token_expires_at: Option<DateTime<Utc>>,
    /// People in the room.
    pub queue_length: u64,
}

impl QueueResponse {
    /// The wire form of `s`.
    pub fn new(course_id: i64, s: QueueStatus) -> Self {
        Self {
            course_id,
            position: s.position,
            ahead: s.ahead,
            admitted: s.admitted,
            estimated_wait_seconds: s.estimated_wait_secs,
            retry_after_seconds: s.retry_after_secs,
            admission_token: s.admission_token,
            admission_token_expires_at: s.token_expires_at,
            queue_length: s.queue_length,
        }
    }
}

/// An enrollment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentResponse {
    /// The enrollment's id, for `/enrollments/{enrollmentId}/…`.
    pub id: i64,
    /// The course.
    pub course_id: i64,
    /// `PENDING_PAYMENT`, `COMPLETED`, `EXPIRED`, `CANCELLED` or `REFUNDED`.
    #[schema(example = "PENDING_PAYMENT")]
    pub status: String,
    /// Amount due or paid, won (computed by the server).
    pub amount: i64,
    /// The order id to give the payment widget.
    pub order_id: String,
    /// Pay by then, or the seat goes back.
    pub hold_deadline: DateTime<Utc>,
    /// Whether it occupies a seat now.
    pub holds_seat: bool,
    /// When the seat was held.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Enrollment> for EnrollmentResponse {
    fn from(e: Enrollment) -> Self {
        Self {
            id: e.id,
            course_id: e.course_id,
            status: e.status.as_str().to_owned(),
            holds_seat: e.status.is_live(),
            amount: e.amount,
            order_id: e.order_id,
            hold_deadline: e.hold_deadline,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// `POST /courses/{id}/enrollments`, optional: the caller's coupons to spend on the seat.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnrollRequest {
    /// The caller's coupons (`userCouponId`s from `GET /coupons/me`, at most 10), in the order
    /// to apply the percentage ones. Reserved with the seat, spent with the payment, given
    /// back if the enrollment is cancelled, refunded or expires.
    #[serde(default)]
    #[schema(schema_with = cercat_http::openapi::checkout_coupons)]
    pub coupon_ids: Vec<i64>,
}

/// `POST /enrollments/{id}/payments`: the payment key the gateway's widget returned.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequest {
    /// The gateway's payment key (1–200 characters, not blank).
    #[schema(
        example = "tgen_20261201abcdef",
        min_length = 1,
        max_length = 200,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub payment_key: String,
}

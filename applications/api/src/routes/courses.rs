//! Prep courses: CRUD and search, the waiting room, enrollment, payment, cancel, webhook.

use actix_web::{HttpRequest, HttpResponse, delete, get, http::header, post, put, web};
use cercat_course::{CourseError, CourseSearch, service::Actor};
use cercat_error::ApiResponse;
use cercat_user::Role;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    AppState,
    dto::{
        course::{
            CourseRequest, CourseResponse, CourseSearchQuery, CourseSlice, EnrollRequest, EnrollmentResponse,
            PaymentRequest, QueueResponse,
        },
        paging::{CourseSorting, PageQuery},
    },
    idempotency,
};
use cercat_common::id::{CourseId, EnrollmentId, Id};
use cercat_http::{
    AppError, IdPath,
    auth::{Instructor, Member},
};

/// The header carrying the waiting room's admission token.
pub const ADMISSION_TOKEN: &str = "admission-token";

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(search)
        .service(my_enrollments)
        .service(get_course)
        .service(update)
        .service(remove)
        .service(join_queue)
        .service(queue_me)
        .service(queue_stream)
        .service(enroll)
        .service(get_enrollment)
        .service(pay)
        .service(cancel)
        .service(webhook);
}

fn actor(claims: &cercat_user::AccessClaims) -> Actor {
    Actor { user_id: claims.sub.get(), admin: claims.role == Role::Admin }
}

/// Creates a course (INSTRUCTOR or ADMIN; the caller owns it).
#[utoipa::path(tag = "courses", security(("access_token" = ["INSTRUCTOR"])), request_body = CourseRequest, extensions(("x-errors" = json!(["CRS_002", "USR_009", "CRT_001"]))), responses(
    (status = 201, description = "Created", body = ApiResponse<CourseResponse>),
))]
#[post("/courses")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Instructor,
    body: web::Json<cercat_error::Strict<CourseRequest>>,
) -> Result<ApiResponse<CourseResponse>, AppError> {
    let course = state.courses.create(caller.user_id(), body.into_inner().0.into_draft()?).await?;
    Ok(ApiResponse::created(CourseResponse::new(course, state.services.clock.now())))
}

/// Searches courses (public): by `keyword` in the title, description (`searchType=content`),
/// both (`all`, default) or the instructor's nickname (`instructor`); newest first.
#[utoipa::path(tag = "courses", params(CourseSearchQuery, PageQuery<CourseSorting>), extensions(("x-errors" = json!(["GLB_003"]))), responses(
    (status = 200, description = "A page of courses", body = ApiResponse<CourseSlice>),
))]
#[get("/courses")]
pub async fn search(
    state: web::Data<AppState>,
    query: web::Query<CourseSearchQuery>,
    paging: web::Query<PageQuery<CourseSorting>>,
) -> Result<ApiResponse<CourseSlice>, AppError> {
    let page = paging.request()?;
    let field = query.field().map_err(|reason| AppError::invalid_query("searchType", reason))?;
    if query.keyword.as_deref().is_some_and(|k| k.chars().count() > 100) {
        return Err(AppError::invalid_query("keyword", "must be at most 100 characters"));
    }
    let search =
        CourseSearch { keyword: query.keyword.clone(), field, certificate_id: query.certificate_id.map(Id::get) };
    let now = state.services.clock.now();
    let slice = state.courses.search(&search, &page).await?;
    let slice = slice.map(|c| CourseResponse::new(c, now));
    Ok(ApiResponse::ok(CourseSlice { content: slice.content, has_next: slice.has_next }))
}

/// One course, with its seats left and whether enrollment is open (public).
#[utoipa::path(tag = "courses", params(("courseId" = i64, Path)), extensions(("x-errors" = json!(["CRS_001"]))), responses(
    (status = 200, description = "The course", body = ApiResponse<CourseResponse>),
))]
#[get("/courses/{courseId}")]
pub async fn get_course(
    state: web::Data<AppState>,
    path: IdPath<CourseId>,
) -> Result<ApiResponse<CourseResponse>, AppError> {
    let id = path.0.get();
    let course = state.courses.get(id).await?;
    Ok(ApiResponse::ok(CourseResponse::new(course, state.services.clock.now())))
}

/// Replaces a course's fields (its instructor or an admin). The capacity cannot go below
/// the seats taken.
#[utoipa::path(tag = "courses", security(("access_token" = ["INSTRUCTOR"])), params(("courseId" = i64, Path)), request_body = CourseRequest, extensions(("x-errors" = json!(["CRS_002", "CRS_003", "CRS_001", "CRS_013"]))), responses(
    (status = 200, description = "Updated", body = ApiResponse<CourseResponse>),
))]
#[put("/courses/{courseId}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Instructor,
    path: IdPath<CourseId>,
    body: web::Json<cercat_error::Strict<CourseRequest>>,
) -> Result<ApiResponse<CourseResponse>, AppError> {
    let id = path.0.get();
    let course = state.courses.update(actor(&caller.0), id, body.into_inner().0.into_draft()?).await?;
    Ok(ApiResponse::ok(CourseResponse::new(course, state.services.clock.now())))
}

/// Deletes a course nobody has enrolled in (its instructor or an admin).
#[utoipa::path(tag = "courses", security(("access_token" = ["INSTRUCTOR"])), params(("courseId" = i64, Path)), extensions(("x-errors" = json!(["CRS_003", "CRS_001", "CRS_013"]))), responses(
    (status = 200, description = "Deleted", body = ApiResponse<bool>),
))]
#[delete("/courses/{courseId}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Instructor,
    path: IdPath<CourseId>,
) -> Result<ApiResponse<bool>, AppError> {
    let id = path.0.get();
    state.courses.delete(actor(&caller.0), id).await?;
    Ok(ApiResponse::ok(true))
}

fn queue_response(course_id: i64, status: cercat_course::QueueStatus) -> HttpResponse {
    let retry = status.retry_after_secs;
    let mut res = HttpResponse::Ok();
    if retry > 0 {
        res.insert_header((header::RETRY_AFTER, retry.to_string()));
    }
    res.insert_header((header::CACHE_CONTROL, "no-store")).json(ApiResponse::ok(QueueResponse::new(course_id, status)))
}

/// Joins the course's waiting room. Joining again returns the same place. Poll
/// `GET …/queue/me` after `Retry-After` seconds; once admitted the answer carries the
/// admission token.
#[utoipa::path(tag = "courses", security(("access_token" = ["USER"])), params(("courseId" = i64, Path)), extensions(("x-errors" = json!(["CRS_004", "CRS_001", "CRS_016"]))), responses(
    (status = 200, description = "The caller's place (Retry-After: when to poll)", body = ApiResponse<QueueResponse>),
))]
#[post("/courses/{courseId}/queue")]
pub async fn join_queue(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<CourseId>,
) -> Result<HttpResponse, AppError> {
    let id = path.0.get();
    let status = state.courses.join_queue(caller.user_id(), id).await?;
    Ok(queue_response(id, status))
}

/// The caller's place in the waiting room: position, people ahead, estimated wait, and —
/// once admitted — a short-lived admission token bound to the caller and the course.
#[utoipa::path(tag = "courses", security(("access_token" = ["USER"])), params(("courseId" = i64, Path)), extensions(("x-errors" = json!(["CRS_007", "CRS_001", "CRS_016"]))), responses(
    (status = 200, description = "The caller's place (Retry-After: when to poll)", body = ApiResponse<QueueResponse>),
))]
#[get("/courses/{courseId}/queue/me")]
pub async fn queue_me(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<CourseId>,
) -> Result<HttpResponse, AppError> {
    let id = path.0.get();
    let status = state.courses.queue_status(caller.user_id(), id).await?;
    Ok(queue_response(id, status))
}

/// The caller's place in the waiting room as server-sent events: `event: position` frames
/// (QueueResponse JSON) whenever the place or the estimated wait changes — read once a second —
/// then `event: admitted` with the admission token, and the stream ends. It also ends with
/// `event: end` when the session ends or the access token expires (reconnect with a fresh one),
/// and with `event: error` (the envelope's `responseCode`) if the room cannot be read; polling
/// `GET …/queue/me` keeps working throughout. At most `sse.max_per_user` streams per user and
/// `sse.max_connections` in all per instance (then 503 `GLB_008` with `Retry-After`). Join the
/// room first (`POST …/queue`).
#[utoipa::path(tag = "courses", security(("access_token" = ["USER"])), params(("courseId" = i64, Path)), extensions(("x-errors" = json!(["CRS_007", "CRS_001", "CRS_016", "GLB_008"]))), responses(
    (status = 200, description = "A `text/event-stream` of `position` frames, then `admitted` with the token", content_type = "text/event-stream", body = crate::sse::SseEvent),
))]
#[get("/courses/{courseId}/queue/me/stream")]
pub async fn queue_stream(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<CourseId>,
) -> Result<HttpResponse, AppError> {
    let id = path.0.get();
    let slot = state
        .queue_streams
        .take(caller.user_id())
        .map_err(|_| AppError::busy("too many open waiting-room streams for you or on this instance", 5))?;
    // The first read answers errors (not in the room, no course) as a normal response.
    let first = state.courses.queue_status(caller.user_id(), id).await?;
    let lifetime = u64::try_from(caller.0.exp - chrono::Utc::now().timestamp()).unwrap_or(0);
    let stream = crate::queue_stream::position_stream(
        state.get_ref().clone(),
        caller.0,
        id,
        first,
        std::time::Duration::from_secs(lifetime),
        slot,
    );
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream))
}

/// Holds a seat: `PENDING_PAYMENT` until `holdDeadline`, or 409 `CRS_005` when sold out.
/// With the waiting room on, send the admission token in `Admission-Token`. The body is
/// optional: `{"couponIds": [...]}` spends the caller's coupons (the `amount` due is the
/// server's price after them; fully discounted, the seat is `COMPLETED` at once). Honors
/// `Idempotency-Key`.
#[utoipa::path(tag = "courses", security(("access_token" = ["USER"])),
    params(
        ("courseId" = i64, Path),
        ("Admission-Token" = Option<String>, Header, description = "From the waiting room, when the course has one"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Retries with the same key get the first response (1–255 visible ASCII characters)"),
    ),
    request_body(content = Option<EnrollRequest>, description = "Optional: the coupons to spend"),
    extensions(("x-errors" = json!(["CRS_004", "CRS_006", "CRS_001", "CRS_005", "CRS_014", "IDM_002", "IDM_001", "GLB_002", "CPN_001", "CPN_002", "CPN_003", "CPN_004", "CPN_005", "CPN_006", "CPN_007", "CPN_009"]))),
    responses(
        (status = 201, description = "Seat held", body = ApiResponse<EnrollmentResponse>),
    )
)]
#[post("/courses/{courseId}/enrollments")]
pub async fn enroll(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Member,
    path: IdPath<CourseId>,
    body: web::Bytes,
) -> HttpResponse {
    let user = caller.user_id();
    let id = path.into_inner();
    let token = req.headers().get(ADMISSION_TOKEN).and_then(|v| v.to_str().ok()).map(str::to_owned);
    idempotency::run(&state, &req, user, &body, || async {
        let id = id.get();
        // No body (what Cercat's client sends) is no coupons.
        let request: EnrollRequest =
            idempotency::optional_json_body(&body, "the body is optional, or JSON like {\"couponIds\": [12]}")?;
        let e = state.courses.enroll(user, id, token.as_deref(), &request.coupon_ids).await?;
        Ok(idempotency::respond(&req, ApiResponse::created(EnrollmentResponse::from(e))))
    })
    .await
}

/// The caller's enrollments, newest first.
#[utoipa::path(tag = "courses", security(("access_token" = ["USER"])), responses(
    (status = 200, description = "Enrollments", body = ApiResponse<Vec<EnrollmentResponse>>),
))]
#[get("/enrollments")]
pub async fn my_enrollments(
    state: web::Data<AppState>,
    caller: Member,
) -> Result<ApiResponse<Vec<EnrollmentResponse>>, AppError> {
    let list = state.courses.my_enrollments(caller.user_id()).await?;
    Ok(ApiResponse::ok(list.into_iter().map(EnrollmentResponse::from).collect()))
}

/// One of the caller's enrollments.
#[utoipa::path(tag = "courses", security(("access_token" = ["USER"])), params(("enrollmentId" = i64, Path)), extensions(("x-errors" = json!(["CRS_008"]))), responses(
    (status = 200, description = "The enrollment", body = ApiResponse<EnrollmentResponse>),
))]
#[get("/enrollments/{enrollmentId}")]
pub async fn get_enrollment(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<EnrollmentId>,
) -> Result<ApiResponse<EnrollmentResponse>, AppError> {
    let id = path.0.get();
    Ok(ApiResponse::ok(state.courses.enrollment(caller.user_id(), id).await?.into()))
}

/// Confirms the payment of a held seat with the gateway (the amount is the server's) →
/// `COMPLETED`. Honors `Idempotency-Key`.
#[utoipa::path(tag = "courses", security(("access_token" = ["USER"])),
    params(
        ("enrollmentId" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Retries with the same key get the first response (1–255 visible ASCII characters)"),
    ),
    request_body = PaymentRequest,
    extensions(("x-errors" = json!(["CRS_002", "GLB_002", "CRS_011", "CRS_008", "CRS_009", "CRS_010", "IDM_002", "IDM_001", "GLB_008"]))),
    responses(
        (status = 200, description = "Paid", body = ApiResponse<EnrollmentResponse>),
    )
)]
#[post("/enrollments/{enrollmentId}/payments")]
pub async fn pay(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Member,
    path: IdPath<EnrollmentId>,
    body: web::Bytes,
) -> HttpResponse {
    let user = caller.user_id();
    let id = path.into_inner();
    idempotency::run(&state, &req, user, &body, || async {
        let id = id.get();
        let payment: PaymentRequest =
            idempotency::json_body(&body, "the body must be JSON like {\"paymentKey\": \"…\"}")?;
        let e = state.courses.pay(user, id, &payment.payment_key).await?;
        Ok(idempotency::respond(&req, ApiResponse::ok(EnrollmentResponse::from(e))))
    })
    .await
}

/// Cancels an enrollment: before payment the seat goes back (`CANCELLED`); after payment
/// the gateway refunds first, then the seat goes back (`REFUNDED`). Honors `Idempotency-Key`.
#[utoipa::path(tag = "courses", security(("access_token" = ["USER"])),
    params(
        ("enrollmentId" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Retries with the same key get the first response (1–255 visible ASCII characters)"),
    ),
    extensions(("x-errors" = json!(["CRS_008", "CRS_015", "GLB_008"]))),
    responses(
        (status = 200, description = "Cancelled or refunded", body = ApiResponse<EnrollmentResponse>),
    )
)]
#[post("/enrollments/{enrollmentId}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Member,
    path: IdPath<EnrollmentId>,
) -> HttpResponse {
    let user = caller.user_id();
    let id = path.into_inner();
    idempotency::run(&state, &req, user, b"", || async {
        let id = id.get();
        let e = state.courses.cancel(user, id).await?;
        Ok(idempotency::respond(&req, ApiResponse::ok(EnrollmentResponse::from(e))))
    })
    .await
}

/// The payment gateway's webhook (Toss `PAYMENT_STATUS_CHANGED`), signed with
/// `tosspayments-webhook-signature` over the body and `tosspayments-webhook-transmission-time`.
/// A payment done at the gateway completes its hold (or is refunded when the seat went
/// back); one cancelled at the gateway releases the seat. Webhooks of market orders apply to
/// the order the same way (paid, refunded when it was released, refunded when cancelled at the
/// gateway).
#[utoipa::path(tag = "courses", request_body = serde_json::Value, params(
    ("tosspayments-webhook-signature" = String, Header, description = "`v1:<base64 HMAC-SHA256>` of `<body>:<transmission time>`, comma-separated when several keys sign"),
    ("tosspayments-webhook-transmission-time" = String, Header, description = "When the gateway sent it, Unix seconds; more than 300 s from now is refused"),
), extensions(("x-errors" = json!(["CRS_012", "MKT_015"]))), responses(
    (status = 200, description = "Applied (or about an unknown order, ignored)", body = ApiResponse<bool>),
))]
#[post("/payments/webhook")]
pub async fn webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<ApiResponse<bool>, AppError> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let signature = header("tosspayments-webhook-signature");
    let time = header("tosspayments-webhook-transmission-time");
    match state.courses.webhook(&signature, &time, &body).await {
        Ok(Some(_)) => Ok(ApiResponse::ok(true)),
        // Not an enrollment's order: perhaps a market order's (the signature already verified).
        Ok(None) => Ok(ApiResponse::ok(state.market.webhook(&signature, &time, &body).await?.is_some())),
        Err(err @ CourseError::BadSignature(_)) => {
            tracing::warn!(%err, "rejected a payment webhook");
            Err(err.into())
        }
        Err(err) => Err(err.into()),
    }
}

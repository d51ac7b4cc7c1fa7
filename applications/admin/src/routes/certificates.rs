//! Certificate, subject and exam-schedule management.

use actix_web::{HttpRequest, delete, get, post, put, web};
use cercat_certificate::CertificateDraft;
use cercat_common::audit::AuditTarget;
use cercat_common::id::{CertificateId, ExamScheduleId};
use cercat_error::ApiResponse;
use cercat_http::{
    AppError, IdPath, Valid,
    auth::Admin,
    dto::certificate::{CertificateDetail, CertificateItem},
};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    AdminState,
    dto::{CertificateRequest, ScheduleRequest, ScheduleResponse},
    routes::audit_after,
};

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(replace)
        .service(remove)
        .service(schedules)
        .service(create_schedule)
        .service(replace_schedule)
        .service(remove_schedule);
}

/// Every certificate.
#[utoipa::path(tag = "certificates", security(("access_token" = [])), extensions(("x-errors" = json!(["USR_007", "USR_009"]))), responses(
    (status = 200, description = "Certificates", body = ApiResponse<Vec<CertificateItem>>),
))]
#[get("/certificates")]
pub async fn list(state: web::Data<AdminState>, _admin: Admin) -> Result<ApiResponse<Vec<CertificateItem>>, AppError> {
    Ok(ApiResponse::ok(state.certificates.list().await?.into_iter().map(CertificateItem::from).collect()))
}

/// Creates a certificate with its subjects.
#[utoipa::path(tag = "certificates", security(("access_token" = [])), request_body = CertificateRequest, extensions(("x-errors" = json!(["GLB_005", "CRT_006", "USR_009", "CRT_008"]))), responses(
    (status = 201, description = "Created", body = ApiResponse<CertificateDetail>),
))]
#[post("/certificates")]
pub async fn create(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    body: Valid<CertificateRequest>,
) -> Result<ApiResponse<CertificateDetail>, AppError> {
    let created: CertificateDetail =
        state.certificates.create_certificate(&CertificateDraft::from(body.0)).await?.into();
    audit_after(&state, &admin, &req, "certificate.create", certificate(created.certificate_id), &created).await;
    Ok(ApiResponse::created(created))
}

/// Replaces a certificate's fields and subjects.
#[utoipa::path(tag = "certificates", security(("access_token" = [])), request_body = CertificateRequest,
    params(("certificateId" = i64, Path, minimum = 1)), extensions(("x-errors" = json!(["CRT_007", "CRT_008"]))), responses(
    (status = 200, description = "Replaced", body = ApiResponse<CertificateDetail>),
))]
#[put("/certificates/{certificateId}")]
pub async fn replace(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    path: IdPath<CertificateId>,
    body: Valid<CertificateRequest>,
) -> Result<ApiResponse<CertificateDetail>, AppError> {
    let id = path.0.get();
    let replaced: CertificateDetail =
        state.certificates.replace_certificate(id, &CertificateDraft::from(body.0)).await?.into();
    audit_after(&state, &admin, &req, "certificate.replace", certificate(id), &replaced).await;
    // Rendered question sets name the subjects: drop those of this certificate's exams.
    for exam in state.mockexams.mock_exams(id, None).await? {
        state.mockexams.invalidate(exam.id).await;
    }
    Ok(ApiResponse::ok(replaced))
}

/// Deletes a certificate with its subjects and schedules.
#[utoipa::path(tag = "certificates", security(("access_token" = [])), params(("certificateId" = i64, Path, minimum = 1)), extensions(("x-errors" = json!(["CRT_007", "CRT_011"]))), responses(
    (status = 200, description = "Deleted", body = ApiResponse<String>),
))]
#[delete("/certificates/{certificateId}")]
pub async fn remove(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<&'static str>, AppError> {
    let id = path.0.get();
    state.certificates.delete_certificate(id).await?;
    audit_after(&state, &admin, &req, "certificate.delete", certificate(id), &serde_json::Value::Null).await;
    Ok(ApiResponse::ok("DELETED"))
}

/// The certificate's exam schedules, newest first.
#[utoipa::path(tag = "certificates", security(("access_token" = [])), params(("certificateId" = i64, Path, minimum = 1)), extensions(("x-errors" = json!(["CRT_007"]))), responses(
    (status = 200, description = "Schedules", body = ApiResponse<Vec<ScheduleResponse>>),
))]
#[get("/certificates/{certificateId}/exam-schedules")]
pub async fn schedules(
    state: web::Data<AdminState>,
    _admin: Admin,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<Vec<ScheduleResponse>>, AppError> {
    let id = path.0.get();
    Ok(ApiResponse::ok(state.certificates.schedules(id).await?.into_iter().map(ScheduleResponse::from).collect()))
}

/// Adds an exam schedule (recorded in the outbox as `ExamScheduleChanged`).
#[utoipa::path(tag = "certificates", security(("access_token" = [])), request_body = ScheduleRequest,
    params(("certificateId" = i64, Path, minimum = 1)), extensions(("x-errors" = json!(["GLB_005", "CRT_006", "CRT_007", "CRT_008"]))), responses(
    (status = 201, description = "Created", body = ApiResponse<ScheduleResponse>),
))]
#[post("/certificates/{certificateId}/exam-schedules")]
pub async fn create_schedule(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    path: IdPath<CertificateId>,
    body: Valid<ScheduleRequest>,
) -> Result<ApiResponse<ScheduleResponse>, AppError> {
    let id = path.0.get();
    let created: ScheduleResponse = state.certificates.create_schedule(&body.0.into_draft(id)).await?.into();
    audit_after(&state, &admin, &req, "exam-schedule.create", schedule(created.exam_schedule_id), &created).await;
    Ok(ApiResponse::created(created))
}

/// Replaces an exam schedule.
#[utoipa::path(tag = "certificates", security(("access_token" = [])), request_body = ScheduleRequest,
    params(("examScheduleId" = i64, Path, minimum = 1)), extensions(("x-errors" = json!(["CRT_009", "CRT_008"]))), responses(
    (status = 200, description = "Replaced", body = ApiResponse<ScheduleResponse>),
))]
#[put("/exam-schedules/{examScheduleId}")]
pub async fn replace_schedule(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    path: IdPath<ExamScheduleId>,
    body: Valid<ScheduleRequest>,
) -> Result<ApiResponse<ScheduleResponse>, AppError> {
    let id = path.0.get();
    let certificate_id = state.certificates.schedule(id).await?;
    let replaced: ScheduleResponse =
        state.certificates.replace_schedule(id, &body.0.into_draft(certificate_id)).await?.into();
    audit_after(&state, &admin, &req, "exam-schedule.replace", schedule(id), &replaced).await;
    Ok(ApiResponse::ok(replaced))
}

/// Deletes an exam schedule.
#[utoipa::path(tag = "certificates", security(("access_token" = [])), params(("examScheduleId" = i64, Path, minimum = 1)), extensions(("x-errors" = json!(["CRT_009"]))), responses(
    (status = 200, description = "Deleted", body = ApiResponse<String>),
))]
#[delete("/exam-schedules/{examScheduleId}")]
pub async fn remove_schedule(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    path: IdPath<ExamScheduleId>,
) -> Result<ApiResponse<&'static str>, AppError> {
    let id = path.0.get();
    state.certificates.delete_schedule(id).await?;
    audit_after(&state, &admin, &req, "exam-schedule.delete", schedule(id), &serde_json::Value::Null).await;
    Ok(ApiResponse::ok("DELETED"))
}

/// A certificate as an audit target.
fn certificate(id: i64) -> AuditTarget {
    AuditTarget { kind: "certificate".into(), id: id.to_string() }
}

/// An exam schedule as an audit target.
fn schedule(id: i64) -> AuditTarget {
    AuditTarget { kind: "exam-schedule".into(), id: id.to_string() }
}

//! `/api/v2/certificates…`: the certificate list, details, and next/previous exams.

use actix_web::{HttpResponse, get, http::header, web};
use cercat_error::ApiResponse;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{AppState, dto::certificate::CertificateExamResponse};
use cercat_common::id::CertificateId;
use cercat_http::dto::certificate::{CertificateDetail, CertificateItem};
use cercat_http::{AppError, IdPath};

/// Registers the certificate endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_certificates).service(get_certificate).service(next_exam).service(previous_exam);
}

/// All certificates.
#[utoipa::path(
    tag = "certificates",
    extensions(("x-errors" = json!(["GLB_008"]))),
    responses(
        (status = 200, description = "Every certificate, by id", body = ApiResponse<Vec<CertificateItem>>),
    )
)]
#[get("/certificates")]
pub async fn list_certificates(state: web::Data<AppState>) -> Result<ApiResponse<Vec<CertificateItem>>, AppError> {
    let list = state.certificates.list().await?;
    Ok(ApiResponse::ok(list.into_iter().map(CertificateItem::from).collect()))
}

/// One certificate with its subjects, maximum score and pass criteria.
#[utoipa::path(
    tag = "certificates",
    params(("certificateId" = i64, Path, description = "Certificate id", minimum = 1)),
    extensions(("x-errors" = json!(["GLB_004", "CRT_001", "GLB_008"]))),
    responses(
        (status = 200, description = "The certificate", body = ApiResponse<CertificateDetail>),
    )
)]
#[get("/certificates/{certificateId}")]
pub async fn get_certificate(
    state: web::Data<AppState>,
    path: IdPath<CertificateId>,
) -> Result<HttpResponse, AppError> {
    let id = path.0.get();
    let json = |body: Vec<u8>| HttpResponse::Ok().insert_header((header::CONTENT_TYPE, "application/json")).body(body);
    // The body is the same for every caller: keep it rendered, so a hit is one cache read.
    if let Some(body) = state.certificates.cached_rendering(id).await {
        return Ok(json(body));
    }
    let detail: CertificateDetail = state.certificates.get(id).await?.into();
    let body = serde_json::to_vec(&ApiResponse::ok(detail))
        .map_err(|e| AppError(cercat_error::ApiError::internal(format!("serializing a certificate failed: {e}"))))?;
    state.certificates.keep_rendering(id, &body).await;
    Ok(json(body))
}

/// The certificate's next exam: the scheduled exam with the earliest date from now on.
/// Dates are UTC ISO-8601; fees in won; time limits in minutes.
#[utoipa::path(
    tag = "certificates",
    params(("certificateId" = i64, Path, description = "Certificate id", minimum = 1)),
    extensions(("x-errors" = json!(["GLB_004", "CRT_001", "CRT_002", "GLB_008"]))),
    responses(
        (status = 200, description = "The certificate and its next exam", body = ApiResponse<CertificateExamResponse>),
    )
)]
#[get("/certificates/{certificateId}/certificate-exams")]
pub async fn next_exam(
    state: web::Data<AppState>,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<CertificateExamResponse>, AppError> {
    let id = path.0.get();
    let (certificate, schedule) = state.certificates.next_exam(id).await?;
    Ok(ApiResponse::ok(CertificateExamResponse::new(certificate, schedule)))
}

/// The certificate's most recent past exam.
#[utoipa::path(
    tag = "certificates",
    params(("certificateId" = i64, Path, description = "Certificate id", minimum = 1)),
    extensions(("x-errors" = json!(["GLB_004", "CRT_001", "CRT_005", "GLB_008"]))),
    responses(
        (status = 200, description = "The certificate and its latest past exam", body = ApiResponse<CertificateExamResponse>),
    )
)]
#[get("/certificates/{certificateId}/certificate-exams/previous")]
pub async fn previous_exam(
    state: web::Data<AppState>,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<CertificateExamResponse>, AppError> {
    let id = path.0.get();
    let (certificate, schedule) = state.certificates.previous_exam(id).await?;
    Ok(ApiResponse::ok(CertificateExamResponse::new(certificate, schedule)))
}

//! Mock-exam management: import from Cercat's JSON format, view, edit a question, upload
//! question/option images, delete. Every change drops the cached question set at once.

use actix_web::{HttpRequest, delete, get, post, put, web};
use cercat_common::id::{CertificateId, MockExamId};
use cercat_error::ApiResponse;
use cercat_http::{
    AppError, IdPath, Valid,
    auth::Admin,
    dto::mockexam::{MockExamResponse, QuestionResponse},
};
use cercat_mockexam::{MockExamError, import::MockExamImport, service::QuestionEdit};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::AdminState;

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(import)
        .service(show)
        .service(edit_question)
        .service(question_image)
        .service(option_image)
        .service(remove);
}

/// A mock exam with its questions.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MockExamDetail {
    /// The exam.
    pub mock_exam: MockExamResponse,
    /// Its questions by number.
    pub questions: Vec<QuestionResponse>,
}

async fn detail(state: &AdminState, id: i64) -> Result<MockExamDetail, AppError> {
    let set = state.mockexams.question_set(id).await?;
    let subjects = state.mockexams.subjects_of(&set.exam).await?;
    Ok(MockExamDetail {
        mock_exam: (&set.exam).into(),
        questions: set.questions.into_iter().map(|q| QuestionResponse::new(q, &set.exam, &subjects)).collect(),
    })
}

/// Imports a mock exam from Cercat's JSON format:
/// `{examYear, round, timeLimit (minutes), score (total), questions:[{subjectSeq, questionNumber,
/// question, choices[], answer, score?, image?}]}`. Unknown fields are ignored; every problem is
/// reported with the question it is in.
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("certificateId" = i64, Path)),
    request_body(content = Object, content_type = "application/json", description = "The import document (Cercat's format, above)"),
    extensions(("x-errors" = json!(["MEX_005", "CRT_001", "MEX_006"]))),
    responses(
    (status = 201, description = "Created", body = ApiResponse<MockExamDetail>),
))]
#[post("/certificates/{certificateId}/mock-exams")]
pub async fn import(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    path: IdPath<CertificateId>,
    body: web::Bytes,
) -> Result<ApiResponse<MockExamDetail>, AppError> {
    let id = path.0.get();
    let document = MockExamImport::from_json(&body)?;
    let set = state.mockexams.import(id, document).await?;
    let after = json!({ "certificateId": id, "questions": set.questions.len() });
    crate::routes::audit_after(&state, &admin, &req, "mock-exam.import", exam(set.exam.id), &after).await;
    Ok(ApiResponse::created(detail(&state, set.exam.id).await?))
}

/// A mock exam with its questions and correct answers.
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("mockExamId" = i64, Path)), extensions(("x-errors" = json!(["MEX_001"]))), responses(
    (status = 200, description = "The exam", body = ApiResponse<MockExamDetail>),
))]
#[get("/mock-exams/{mockExamId}")]
pub async fn show(
    state: web::Data<AdminState>,
    _admin: Admin,
    path: IdPath<MockExamId>,
) -> Result<ApiResponse<MockExamDetail>, AppError> {
    let id = path.0.get();
    Ok(ApiResponse::ok(detail(&state, id).await?))
}

/// A question's new text, options, answer and score.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionEditRequest {
    /// The new question text, 1 to 5,000 characters after trimming.
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub question_text: String,
    /// Option texts in order (4 or 5); option images stay with their position.
    #[schema(min_items = 4, max_items = 5)]
    pub options: Vec<String>,
    /// The correct option (1-based, at most the number of options).
    #[schema(minimum = 1, maximum = 5)]
    pub correct_option: i32,
    /// Points for a correct answer, 1 to 1000; the exam's maximum score follows.
    #[schema(minimum = 1, maximum = 1000)]
    pub score: i32,
}

/// Edits question `number` (results already graded keep their grades).
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("mockExamId" = i64, Path), ("number" = i32, Path)),
    request_body = QuestionEditRequest, extensions(("x-errors" = json!(["MEX_012", "MEX_001", "MEX_011"]))), responses(
    (status = 200, description = "The exam after the edit", body = ApiResponse<MockExamDetail>),
))]
#[put("/mock-exams/{mockExamId}/questions/{number}")]
pub async fn edit_question(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    path: IdPath<(MockExamId, i32)>,
    body: Valid<QuestionEditRequest>,
) -> Result<ApiResponse<MockExamDetail>, AppError> {
    let (id, number) = path.into_inner();
    let id = id.get();
    let b = body.0;
    let after = json!({ "number": number, "correctOption": b.correct_option, "score": b.score });
    let edit =
        QuestionEdit { text: b.question_text, options: b.options, correct_option: b.correct_option, score: b.score };
    state.mockexams.edit_question(id, number, edit).await?;
    crate::routes::audit_after(&state, &admin, &req, "mock-exam.question.edit", exam(id), &after).await;
    Ok(ApiResponse::ok(detail(&state, id).await?))
}

/// The stored image's URL.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImageResponse {
    /// Where clients load it from.
    pub url: String,
}

fn image_bytes(req: &HttpRequest, body: web::Bytes) -> Result<Vec<u8>, AppError> {
    if body.is_empty() {
        let kind = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("none");
        return Err(MockExamError::InvalidImage(format!(
            "the body is empty (content-type {kind}); send the image bytes"
        ))
        .into());
    }
    Ok(body.to_vec())
}

/// Sets question `number`'s image: the raw image bytes are the body (PNG, JPEG, GIF or WebP,
/// checked by content, at most 5 MiB).
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("mockExamId" = i64, Path), ("number" = i32, Path)),
    request_body(description = "The image bytes", content(
        (crate::dto::ImageBody = "image/png"), (crate::dto::ImageBody = "image/jpeg"),
        (crate::dto::ImageBody = "image/gif"), (crate::dto::ImageBody = "image/webp"),
    )), extensions(("x-errors" = json!(["MEX_010", "MEX_001", "MEX_011"]))), responses(
    (status = 200, description = "Stored", body = ApiResponse<ImageResponse>),
))]
#[put("/mock-exams/{mockExamId}/questions/{number}/image")]
pub async fn question_image(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    path: IdPath<(MockExamId, i32)>,
    body: web::Bytes,
) -> Result<ApiResponse<ImageResponse>, AppError> {
    let (id, number) = path.into_inner();
    let url = state.mockexams.upload_image(id.get(), number, None, image_bytes(&req, body)?).await?;
    let after = json!({ "number": number, "url": url });
    crate::routes::audit_after(&state, &admin, &req, "mock-exam.image.upload", exam(id.get()), &after).await;
    Ok(ApiResponse::ok(ImageResponse { url }))
}

/// Sets option `option` of question `number`'s image (same rules).
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])),
    params(("mockExamId" = i64, Path), ("number" = i32, Path), ("option" = i32, Path)),
    request_body(description = "The image bytes", content(
        (crate::dto::ImageBody = "image/png"), (crate::dto::ImageBody = "image/jpeg"),
        (crate::dto::ImageBody = "image/gif"), (crate::dto::ImageBody = "image/webp"),
    )), extensions(("x-errors" = json!(["MEX_010", "MEX_001", "MEX_011"]))), responses(
    (status = 200, description = "Stored", body = ApiResponse<ImageResponse>),
))]
#[put("/mock-exams/{mockExamId}/questions/{number}/options/{option}/image")]
pub async fn option_image(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    path: IdPath<(MockExamId, i32, i32)>,
    body: web::Bytes,
) -> Result<ApiResponse<ImageResponse>, AppError> {
    let (id, number, option) = path.into_inner();
    let bytes = image_bytes(&req, body)?;
    let url = state.mockexams.upload_image(id.get(), number, Some(option), bytes).await?;
    let after = json!({ "number": number, "option": option, "url": url });
    crate::routes::audit_after(&state, &admin, &req, "mock-exam.image.upload", exam(id.get()), &after).await;
    Ok(ApiResponse::ok(ImageResponse { url }))
}

/// Deletes a mock exam nobody has taken.
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("mockExamId" = i64, Path)), extensions(("x-errors" = json!(["MEX_001", "MEX_009"]))), responses(
    (status = 200, description = "Deleted", body = ApiResponse<bool>),
))]
#[delete("/mock-exams/{mockExamId}")]
pub async fn remove(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    path: IdPath<MockExamId>,
) -> Result<ApiResponse<bool>, AppError> {
    state.mockexams.delete(path.0.get()).await?;
    let after = json!({ "deleted": true });
    crate::routes::audit_after(&state, &admin, &req, "mock-exam.delete", exam(path.0.get()), &after).await;
    Ok(ApiResponse::ok(true))
}

/// A mock exam as an audit target.
fn exam(id: i64) -> cercat_common::audit::AuditTarget {
    cercat_common::audit::AuditTarget { kind: "mock-exam".into(), id: id.to_string() }
}

//! The OpenAPI 3.1 document: a base (info, tags, error codes) plus the paths each route group
//! registers where it is mounted. `docs/openapi.json` is this document, checked for drift.

use actix_web::App;
use cercat_common::ErrorDoc;
use cercat_error::{ErrorBody, FieldError, GLOBAL_CODES};
use utoipa::{
    OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, SecurityScheme},
};
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cercat API",
        description = "Certification-study platform backend.",
        license(name = "MIT")
    ),
    tags(
        (name = "auth", description = "Sign-up, sign-in, tokens, recovery"),
        (name = "users", description = "The caller's account"),
        (name = "certificates", description = "Certificates, subjects, exam schedules and interest certificates"),
        (name = "boards", description = "Community boards (one per certificate) and favourites"),
        (name = "mock-exams", description = "Mock exams, server-graded results, wrong-answer notes and score reports"),
        (name = "goals", description = "Goals, study time and the achievement dashboard"),
        (name = "alarms", description = "The caller's alarms (served under /alarm-api/v2)"),
        (name = "community", description = "Posts, comments, likes and search on the certificate boards"),
        (name = "operations", description = "Health, readiness, metrics and stored objects"),
    ),
    components(schemas(ErrorBody, FieldError))
)]
struct BaseDoc;

/// Every domain context's error table, in the order the document lists the contexts.
fn domain_error_tables() -> [&'static [ErrorDoc]; 8] {
    [
        cercat_certificate::CertificateError::ERRORS,
        cercat_certificate::ScheduleError::ERRORS,
        cercat_user::UserError::ERRORS,
        cercat_mockexam::MockExamError::ERRORS,
        cercat_learning::LearningError::ERRORS,
        cercat_community::CommunityError::ERRORS,
        cercat_alarm::AlarmError::ERRORS,
        cercat_course::CourseError::ERRORS,
    ]
}

/// Every domain error code once, its status decided by its kind: codes grouped by prefix in the
/// order their context first appears (a context may answer another's code, as community answers
/// the review codes `CRT_003`…), sorted within a group.
fn domain_codes() -> Vec<(&'static str, u16, &'static str)> {
    let mut prefixes: Vec<&str> = Vec::new();
    let mut rows: Vec<&ErrorDoc> = Vec::new();
    for doc in domain_error_tables().into_iter().flatten() {
        let prefix = doc.code.split('_').next().unwrap_or(doc.code);
        if !prefixes.contains(&prefix) {
            prefixes.push(prefix);
        }
        if !rows.iter().any(|r| r.code == doc.code) {
            rows.push(doc);
        }
    }
    let group = |code: &str| prefixes.iter().position(|p| code.split('_').next() == Some(*p));
    rows.sort_by(|a, b| (group(a.code), a.code).cmp(&(group(b.code), b.code)));
    rows.into_iter().map(|d| (d.code, crate::error::status(d.kind), d.description)).collect()
}

/// Every error code with its status and meaning, as a Markdown table.
pub fn error_code_table() -> String {
    let mut rows: Vec<(&str, u16, &str)> = GLOBAL_CODES.iter().map(|c| (c.code, c.status, c.meaning)).collect();
    rows.extend(domain_codes());
    for c in [crate::idempotency::MISMATCH, crate::idempotency::IN_FLIGHT, crate::multipart::QUOTA_EXCEEDED] {
        rows.push((c.code, c.status, c.meaning));
    }
    let mut table = String::from("| code | HTTP | meaning |\n|---|---|---|\n");
    for (code, status, meaning) in rows {
        table.push_str(&format!("| `{code}` | {status} | {meaning} |\n"));
    }
    table
}

/// The base document (no paths).
pub fn base() -> utoipa::openapi::OpenApi {
    let mut doc = BaseDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    // Cercat's client sends `Access-Token: Bearer <jwt>`; `Authorization: Bearer` works too.
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "access_token",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "Access-Token",
            "`Bearer <accessToken>` (or send `Authorization: Bearer <accessToken>`)",
        ))),
    );
    doc.info.description = Some(format!(
        "Certification-study platform backend. Every response uses the envelope \
         `{{\"responseCode\":\"SUCCESS\",\"result\":…}}`; errors answer \
         `{{\"responseCode\":\"<CODE>\",\"message\":\"…\",\"errors\":[{{\"field\",\"reason\"}}]}}` with the status below. \
         5xx bodies carry only `GLB_001`/`GLB_008` and a `requestId`.\n\n{}",
        error_code_table()
    ));
    doc
}

/// The full document, built by registering the routes on a throwaway app.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new().into_utoipa_app().openapi(base()).configure(crate::routes::configure).split_for_parts();
    doc
}

/// The document as pretty JSON with a trailing newline (the form kept in `docs/openapi.json`).
pub fn document_json() -> String {
    let mut json = document().to_pretty_json().unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    json.push('\n');
    json
}

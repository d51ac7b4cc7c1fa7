//! The OpenAPI 3.1 document: a base (info, tags, error codes) plus the paths each route group
//! registers where it is mounted. `docs/openapi.json` is this document, checked for drift.

use actix_web::App;
use cercat_error::{ErrorBody, FieldError};
use cercat_http::openapi::{add_access_token_scheme, error_code_table, errors};
use utoipa::OpenApi;
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
        (name = "courses", description = "Prep courses: search, waiting rooms with admission tokens, seat holds, enrollments and payments"),
        (name = "coupons", description = "The caller's coupons, voucher redemption and price previews with coupons"),
        (name = "market", description = "The study-material market: products, likes, orders with coupons, payments and trade history"),
        (name = "recommendations", description = "Onboarding keyword preferences, recommended certificates, courses, posts and products with the reason for each, and similar items"),
        (name = "operations", description = "Health, readiness, metrics and stored objects"),
    ),
    components(schemas(ErrorBody, FieldError))
)]
struct BaseDoc;

/// The base document (no paths).
pub fn base() -> utoipa::openapi::OpenApi {
    let mut doc = BaseDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    add_access_token_scheme(&mut doc);
    doc.info.description = Some(format!(
        "Certification-study platform backend. Every response uses the envelope \
         `{{\"responseCode\":\"SUCCESS\",\"result\":…}}`; errors answer \
         `{{\"responseCode\":\"<CODE>\",\"message\":\"…\",\"errors\":[{{\"field\",\"reason\"}}]}}` with the status below. \
         5xx bodies carry only `GLB_001`/`GLB_008` and a `requestId`.\n\n{}",
        error_code_table()
    ));
    doc
}

/// The document as the routes declare it: each operation's error codes still listed in its
/// `x-errors` extension.
pub fn declared_document() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new().into_utoipa_app().openapi(base()).configure(crate::routes::configure).split_for_parts();
    doc
}

/// The full document, built by registering the routes on a throwaway app, with the error
/// responses generated from the error tables.
pub fn document() -> utoipa::openapi::OpenApi {
    errors::with_error_responses(declared_document())
}

/// The document as pretty JSON with a trailing newline (the form kept in `docs/openapi.json`).
pub fn document_json() -> String {
    let mut json = document().to_pretty_json().unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    json.push('\n');
    json
}

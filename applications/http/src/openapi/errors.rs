//! Error responses built from the error tables. Each context declares its codes once (the
//! `domain_errors!` table: code, kind, meaning); an operation lists only the codes it answers
//! with, as `extensions(("x-errors" = json!(["USR_002", …])))` in its `#[utoipa::path]`, and
//! its error responses — status from the code's kind, meaning from the table, the `ErrorBody`
//! schema — are generated here, so the document cannot drift from what the code answers.

use std::collections::BTreeMap;

use cercat_common::ErrorDoc;
use cercat_error::GLOBAL_CODES;
use utoipa::openapi::{
    ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder,
    path::{Operation, PathItem},
};

/// The extension an operation lists its error codes in (removed from the published document).
pub const ERRORS_EXTENSION: &str = "x-errors";

/// Every domain context's error table, in the order the document lists the contexts.
fn domain_error_tables() -> [&'static [ErrorDoc]; 12] {
    [
        cercat_certificate::CertificateError::ERRORS,
        cercat_certificate::ScheduleError::ERRORS,
        cercat_user::UserError::ERRORS,
        cercat_mockexam::MockExamError::ERRORS,
        cercat_learning::LearningError::ERRORS,
        cercat_community::CommunityError::ERRORS,
        cercat_alarm::AlarmError::ERRORS,
        cercat_course::CourseError::ERRORS,
        cercat_coupon::PricingError::ERRORS,
        cercat_coupon::CouponError::ERRORS,
        cercat_market::MarketError::ERRORS,
        cercat_recommendation::RecommendationError::ERRORS,
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

/// Every code the servers answer with — global, domain, then the HTTP layer's own — with its status and
/// meaning, in the order the document's code table lists them.
pub fn all_codes() -> Vec<(&'static str, u16, &'static str)> {
    let mut rows: Vec<(&str, u16, &str)> = GLOBAL_CODES.iter().map(|c| (c.code, c.status, c.meaning)).collect();
    rows.extend(domain_codes());
    for c in
        [crate::codes::IDEMPOTENCY_MISMATCH, crate::codes::IDEMPOTENCY_IN_FLIGHT, crate::codes::UPLOAD_QUOTA_EXCEEDED]
    {
        rows.push((c.code, c.status, c.meaning));
    }
    rows
}

/// The HTTP methods' operations of a path item.
fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

/// Takes the codes an operation lists out of its extensions.
fn listed_codes(operation: &mut Operation) -> Vec<String> {
    let Some(extensions) = operation.extensions.as_mut() else { return Vec::new() };
    let listed = extensions.remove(ERRORS_EXTENSION);
    if extensions.is_empty() {
        operation.extensions = None;
    }
    match listed {
        Some(serde_json::Value::Array(codes)) => {
            codes.into_iter().filter_map(|c| c.as_str().map(str::to_owned)).collect()
        }
        _ => Vec::new(),
    }
}

/// Replaces every operation's `x-errors` list with its error responses: one per status, its
/// description the listed codes with their meanings, its body the `ErrorBody` schema. Codes
/// no table knows are left out (see [`unknown_error_codes`]).
pub fn with_error_responses(mut doc: OpenApi) -> OpenApi {
    let codes = all_codes();
    for item in doc.paths.paths.values_mut() {
        for operation in operations(item) {
            let mut by_status: BTreeMap<u16, Vec<String>> = BTreeMap::new();
            for code in listed_codes(operation) {
                if let Some((code, status, meaning)) = codes.iter().find(|(c, ..)| *c == code) {
                    by_status.entry(*status).or_default().push(format!("- `{code}`: {meaning}"));
                }
            }
            for (status, lines) in by_status {
                let body = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
                let response = ResponseBuilder::new().description(lines.join("\n")).content("application/json", body);
                operation.responses.responses.insert(status.to_string(), RefOr::T(response.build()));
            }
        }
    }
    doc
}

/// `(operation id, code)` for every listed code that no table knows — a typo in a route.
pub fn unknown_error_codes(mut doc: OpenApi) -> Vec<(String, String)> {
    let codes = all_codes();
    let mut unknown = Vec::new();
    for item in doc.paths.paths.values_mut() {
        for operation in operations(item) {
            let id = operation.operation_id.clone().unwrap_or_default();
            for code in listed_codes(operation) {
                if !codes.iter().any(|(c, ..)| *c == code) {
                    unknown.push((id.clone(), code));
                }
            }
        }
    }
    unknown
}

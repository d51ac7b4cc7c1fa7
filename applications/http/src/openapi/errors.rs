//! Error responses built from the error tables. Each context declares its codes once (the
//! `domain_errors!` table: code, kind, meaning); an operation lists only the codes it answers
//! with, as `extensions(("x-errors" = json!(["USR_002", …])))` in its `#[utoipa::path]`, and
//! its error responses — status from the code's kind, meaning from the table, the `ErrorBody`
//! schema — are generated here, so the document cannot drift from what the code answers.

use std::collections::BTreeMap;

use cercat_common::ErrorDoc;
use cercat_error::{ErrorCode, GLOBAL_CODES};
use utoipa::openapi::{
    ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder,
    path::{Operation, ParameterIn, PathItem},
    security::SecurityRequirement,
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

/// Whether `operation` requires a signed-in caller: a security requirement that names a scheme
/// (an empty `{}` alternative means signing in is optional).
fn requires_sign_in(operation: &Operation) -> bool {
    let Some(requirements) = &operation.security else { return false };
    let named =
        |r: &SecurityRequirement| serde_json::to_value(r).ok().and_then(|v| v.as_object().map(|o| !o.is_empty()));
    !requirements.is_empty() && requirements.iter().all(|r| named(r) == Some(true))
}

/// The roles an operation's `access_token` requirement names (`security(("access_token" =
/// ["USER"]))`): the caller must hold one of them. Empty when any signed-in caller may call it.
fn required_roles(operation: &Operation) -> Vec<String> {
    operation
        .security
        .iter()
        .flatten()
        .filter_map(|r| serde_json::to_value(r).ok())
        .find_map(|v| {
            let roles = v.get("access_token")?.as_array()?.iter().filter_map(|r| r.as_str().map(str::to_owned));
            Some(roles.collect())
        })
        .unwrap_or_default()
}

/// Path parameters that are integers are ids, which the `IdPath` extractor takes only when
/// positive: their schemas say so (`minimum: 1`).
fn constrain_path_ids(operation: &mut Operation) {
    use utoipa::openapi::schema::{Schema, SchemaType, Type};
    for parameter in operation.parameters.iter_mut().flatten() {
        let RefOr::T(parameter) = parameter else { continue };
        if parameter.parameter_in != ParameterIn::Path {
            continue;
        }
        if let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut()
            && matches!(object.schema_type, SchemaType::Type(Type::Integer))
            && object.minimum.is_none()
        {
            object.minimum = Some(1.into());
        }
    }
}

/// The codes every operation of its shape can answer, whatever the route lists: 401 when it
/// needs a token (and 403 when it needs a role: on the admin API, whose every secured operation
/// needs the ADMIN role, and where its requirement names the roles),
/// 400 for a malformed path segment, query parameter or JSON body, 415 and 413 for a body that is
/// not of the declared type or too large.
fn implied_codes(path: &str, operation: &Operation) -> Vec<&'static str> {
    let mut implied = Vec::new();
    if requires_sign_in(operation) {
        implied.push("USR_007");
        if path.starts_with("/admin/") || !required_roles(operation).is_empty() {
            implied.push("USR_009");
        }
    }
    let located = |place: ParameterIn| {
        operation.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
    };
    if located(ParameterIn::Path) {
        implied.push(ErrorCode::INVALID_PATH.code);
    }
    if located(ParameterIn::Query) {
        implied.push(ErrorCode::INVALID_QUERY.code);
    }
    if let Some(RefOr::T(body)) = &operation.request_body {
        if body.content.keys().any(|kind| kind.contains("json")) {
            implied.push(ErrorCode::INVALID_BODY.code);
        }
        implied.extend([ErrorCode::UNSUPPORTED_MEDIA_TYPE.code, ErrorCode::PAYLOAD_TOO_LARGE.code]);
    }
    implied
}

/// Where an operation accepts the `Access-Token` header, says it accepts `Authorization: Bearer`
/// as well (the server reads either).
fn add_bearer_alternative(operation: &mut Operation) {
    let roles = required_roles(operation);
    let Some(requirements) = operation.security.as_mut() else { return };
    let names = |r: &SecurityRequirement| {
        serde_json::to_value(r).ok().and_then(|v| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()))
    };
    let uses_access_token = requirements.iter().any(|r| names(r).is_some_and(|n| n == ["access_token"]));
    let has_bearer = requirements.iter().any(|r| names(r).is_some_and(|n| n == ["bearer"]));
    if uses_access_token && !has_bearer {
        requirements.push(SecurityRequirement::new("bearer", roles));
    }
}

/// Replaces every operation's `x-errors` list with its error responses: one per status, its
/// description the listed codes with their meanings, its body the `ErrorBody` schema. The codes
/// every operation of its shape can answer ([`implied_codes`]) are added to those it lists. Codes
/// no table knows are left out (see [`unknown_error_codes`]).
pub fn with_error_responses(mut doc: OpenApi) -> OpenApi {
    let codes = all_codes();
    for (path, item) in doc.paths.paths.iter_mut() {
        for operation in operations(item) {
            add_bearer_alternative(operation);
            constrain_path_ids(operation);
            let mut by_status: BTreeMap<u16, Vec<String>> = BTreeMap::new();
            let mut listed = listed_codes(operation);
            for implied in implied_codes(path, operation) {
                if !listed.iter().any(|code| code == implied) {
                    listed.push(implied.to_owned());
                }
            }
            for code in listed {
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

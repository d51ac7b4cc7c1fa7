//! What both servers' OpenAPI documents share: the error-code table and the access-token
//! security scheme. Each server keeps its own title, tags and paths.

use cercat_error::GLOBAL_CODES;
use utoipa::openapi::{
    OpenApi,
    security::{ApiKey, ApiKeyValue, SecurityScheme},
};

use crate::codes::{IDEMPOTENCY_IN_FLIGHT, IDEMPOTENCY_MISMATCH, UPLOAD_QUOTA_EXCEEDED};

/// Every error code with its status and meaning, as a Markdown table.
pub fn error_code_table() -> String {
    let mut rows: Vec<(String, u16, String)> =
        GLOBAL_CODES.iter().map(|c| (c.code.to_owned(), c.status, c.meaning.to_owned())).collect();
    for codes in [
        cercat_certificate::error::CODES,
        cercat_user::error::CODES,
        cercat_mockexam::error::CODES,
        cercat_learning::error::CODES,
        cercat_community::error::CODES,
        cercat_alarm::CODES,
        cercat_course::error::CODES,
    ] {
        rows.extend(codes.iter().map(|(c, s, m)| ((*c).to_owned(), *s, (*m).to_owned())));
    }
    for c in [IDEMPOTENCY_MISMATCH, IDEMPOTENCY_IN_FLIGHT, UPLOAD_QUOTA_EXCEEDED] {
        rows.push((c.code.to_owned(), c.status, c.meaning.to_owned()));
    }
    let mut table = String::from("| code | HTTP | meaning |\n|---|---|---|\n");
    for (code, status, meaning) in rows {
        table.push_str(&format!("| `{code}` | {status} | {meaning} |\n"));
    }
    table
}

/// Adds the `access_token` security scheme the routes' `security(("access_token" = []))` name.
pub fn add_access_token_scheme(doc: &mut OpenApi) {
    // Cercat's client sends `Access-Token: Bearer <jwt>`; `Authorization: Bearer` works too.
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "access_token",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "Access-Token",
            "`Bearer <accessToken>` (or send `Authorization: Bearer <accessToken>`)",
        ))),
    );
}

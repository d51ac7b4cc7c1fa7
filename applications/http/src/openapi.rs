//! What both servers' OpenAPI documents share: the error-code table and the access-token
//! security scheme. Each server keeps its own title, tags and paths.

pub mod errors;

use utoipa::openapi::{
    OpenApi,
    security::{ApiKey, ApiKeyValue, SecurityScheme},
};

/// Every error code with its status and meaning, as a Markdown table.
pub fn error_code_table() -> String {
    let mut table = String::from("| code | HTTP | meaning |\n|---|---|---|\n");
    for (code, status, meaning) in errors::all_codes() {
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
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            utoipa::openapi::security::HttpBuilder::new()
                .scheme(utoipa::openapi::security::HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("`Authorization: Bearer <accessToken>`, the same token as `Access-Token`"))
                .build(),
        ),
    );
}

/// The methods each path of `doc` answers, for the `Allow` header of a 405.
pub fn allowed_methods(doc: &OpenApi) -> cercat_error::AllowedMethods {
    cercat_error::AllowedMethods::new(doc.paths.paths.iter().map(|(path, item)| {
        let methods = [
            ("GET", item.get.is_some()),
            ("PUT", item.put.is_some()),
            ("POST", item.post.is_some()),
            ("DELETE", item.delete.is_some()),
            ("PATCH", item.patch.is_some()),
        ];
        (path.clone(), methods.into_iter().filter(|(_, has)| *has).map(|(m, _)| m).collect())
    }))
}

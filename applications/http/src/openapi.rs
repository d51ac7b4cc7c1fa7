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
            "`Bearer <accessToken>` (or send `Authorization: Bearer <accessToken>`). Where an operation's \
             requirement lists roles (`USER`, `INSTRUCTOR`, `ADMIN`), the caller must hold one of them \
             (`USER` is any member who finished onboarding, `INSTRUCTOR` and `ADMIN` included); \
             others get 403 `USR_009`.",
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

/// The schema of a list of ids (`#[schema(schema_with = positive_ids)]`): positive 64-bit
/// integers, as [`cercat_common::Id`] reads them.
pub fn positive_ids() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
    let id = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(1));
    ArrayBuilder::new().items(id).build()
}

/// Every `$ref` of `doc` that names no component (a type a route uses in `params(...)` that
/// is not registered, say): each one breaks every client generator and fuzzer that reads it.
pub fn unresolved_refs(doc: &OpenApi) -> Vec<String> {
    fn walk(value: &serde_json::Value, root: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(target)) = map.get("$ref") {
                    let found = target.strip_prefix('#').is_some_and(|pointer| root.pointer(pointer).is_some());
                    if !found && !out.contains(target) {
                        out.push(target.clone());
                    }
                }
                map.values().for_each(|v| walk(v, root, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, root, out)),
            _ => {}
        }
    }
    let root = serde_json::to_value(doc).unwrap_or_default();
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

/// The schema of an email address a request gives (`#[schema(schema_with = email)]`): what
/// [`cercat_user::Email::parse`] accepts, 3 to 254 characters.
pub fn email() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(3))
        .max_length(Some(254))
        .pattern(Some(cercat_user::EMAIL_PATTERN))
        .examples([serde_json::json!("kim@example.com")])
        .build()
}

/// A body that is a list of ids (`request_body = PositiveIds`), documented as [`positive_ids`].
pub struct PositiveIds;

impl utoipa::PartialSchema for PositiveIds {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        positive_ids().into()
    }
}

impl utoipa::ToSchema for PositiveIds {}

/// Weekdays as goals number them (`#[schema(schema_with = weekdays)]`): 0–7, 0 and 7 both
/// Sunday.
pub fn weekdays() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).maximum(Some(7))).build()
}

/// The coupons a checkout applies (`#[schema(schema_with = checkout_coupons)]`): at most 10
/// `userCouponId`s, each once.
pub fn checkout_coupons() -> utoipa::openapi::schema::Array {
    let mut ids = positive_ids();
    ids.max_items = Some(10);
    ids.unique_items = true;
    ids
}

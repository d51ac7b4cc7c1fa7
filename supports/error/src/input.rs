//! Input-error handlers: malformed JSON, query, path and failed validation answer 4xx in the
//! envelope, and a safety net turns any framework-generated error body into the envelope.

use actix_web::{
    HttpResponse,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    error::{JsonPayloadError, PathError, QueryPayloadError},
    http::header::{self, HeaderValue},
    middleware::Next,
    web,
};
use validator::{ValidationErrors, ValidationErrorsKind};

use crate::{ApiError, ErrorCode, FieldError};

/// JSON bodies up to `limit` bytes; errors answer GLB_002 / GLB_009 / GLB_010.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(|err, _req| {
        let api = match &err {
            JsonPayloadError::Overflow { limit } | JsonPayloadError::OverflowKnownLength { limit, .. } => {
                ApiError::new(ErrorCode::PAYLOAD_TOO_LARGE, format!("the JSON body is larger than {limit} bytes"))
            }
            JsonPayloadError::ContentType => ApiError::new(
                ErrorCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as JSON with `Content-Type: application/json`",
            ),
            JsonPayloadError::Deserialize(e) => {
                ApiError::new(ErrorCode::INVALID_BODY, format!("the JSON body is invalid: {e}"))
            }
            other => ApiError::new(ErrorCode::INVALID_BODY, format!("the JSON body could not be read: {other}")),
        };
        api.into()
    })
}

/// Query strings; errors answer GLB_003 with the parser's reason.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let reason = match &err {
            QueryPayloadError::Deserialize(e) => e.to_string(),
            other => other.to_string(),
        };
        ApiError::new(ErrorCode::INVALID_QUERY, format!("the query string is invalid: {reason}")).into()
    })
}

/// Path parameters; errors answer GLB_004 naming the expected type.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, req| {
        let reason = match &err {
            PathError::Deserialize(e) => e.to_string(),
            other => other.to_string(),
        };
        ApiError::new(ErrorCode::INVALID_PATH, format!("the path `{}` is invalid: {reason}", req.path())).into()
    })
}

/// Turns validator's report into GLB_005 with one entry per bad field (camelCase paths).
pub fn validation_error(errors: &ValidationErrors) -> ApiError {
    let mut fields = Vec::new();
    collect(errors, "", &mut fields);
    fields.sort_by(|a, b| a.field.cmp(&b.field));
    ApiError::new(ErrorCode::VALIDATION_FAILED, ErrorCode::VALIDATION_FAILED.meaning).with_fields(fields)
}

fn collect(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let name = camel_case(field);
        let path = if prefix.is_empty() { name } else { format!("{prefix}.{name}") };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let reason = match &e.message {
                        Some(msg) => msg.to_string(),
                        None => describe(e),
                    };
                    out.push(FieldError { field: path.clone(), reason });
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

fn describe(e: &validator::ValidationError) -> String {
    let params: Vec<String> =
        e.params.iter().filter(|(k, _)| k.as_ref() != "value").map(|(k, v)| format!("{k}={v}")).collect();
    if params.is_empty() {
        format!("failed `{}`", e.code)
    } else {
        format!("failed `{}` ({})", e.code, params.join(", "))
    }
}

fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The methods each route pattern (`/api/v2/posts/{postId}`) answers, for the `Allow` header
/// of a 405 (RFC 9110 § 15.5.6). Registered as app data; built from the OpenAPI document.
#[derive(Debug, Clone, Default)]
pub struct AllowedMethods(std::collections::HashMap<String, String>);

impl AllowedMethods {
    /// The methods of each pattern.
    pub fn new(routes: impl IntoIterator<Item = (String, Vec<&'static str>)>) -> Self {
        Self(routes.into_iter().map(|(pattern, methods)| (pattern, methods.join(", "))).collect())
    }

    /// The `Allow` value of `pattern`. A segment with a custom matcher (`{key:.+}`) is looked
    /// up by its name alone (`{key}`), as the document lists it.
    pub fn of(&self, pattern: &str) -> Option<&str> {
        if let Some(found) = self.0.get(pattern) {
            return Some(found);
        }
        let mut plain = String::with_capacity(pattern.len());
        let mut in_matcher = false;
        for c in pattern.chars() {
            match c {
                ':' if plain.rfind('{') > plain.rfind('}') => in_matcher = true,
                '}' => {
                    in_matcher = false;
                    plain.push(c);
                }
                _ if in_matcher => {}
                _ => plain.push(c),
            }
        }
        self.0.get(&plain).map(String::as_str)
    }
}

/// Middleware: any error response that is not already JSON (actix defaults, CORS rejections,
/// errors raised before a handler ran) is rewritten into the envelope with a global code.
/// 4xx keep the framework's text as the message; 5xx become opaque.
pub async fn ensure_error_envelope(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = match next.call(req).await {
        Ok(res) => res.map_into_boxed_body(),
        // Errors raised by middleware (CORS…) are rendered later by the server from the
        // error value, so replace the value with ours. (The request cannot be kept to build a
        // response here: routing needs it unshared.)
        Err(err) if err.as_error::<ApiError>().is_some() => return Err(err),
        Err(err) => {
            let status = err.as_response_error().status_code();
            return Err(ApiError::from_framework(status, err.to_string()).into());
        }
    };
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(res.headers().get(header::CONTENT_TYPE)) {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    // A path that routes for another method answers 405, not 404.
    let status = if status.as_u16() == 404 && req.match_pattern().is_some() {
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED
    } else {
        status
    };
    let (head, body) = res.into_parts();
    let message = if status.is_server_error() {
        String::new()
    } else {
        let text = actix_web::body::to_bytes_limited(body, 2048)
            .await
            .ok()
            .and_then(Result::ok)
            .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
            .unwrap_or_default();
        match status.as_u16() {
            404 => format!("no endpoint {} {}", req.method(), req.path()),
            405 => format!("{} is not allowed on {}", req.method(), req.path()),
            _ => text,
        }
    };
    let api = ApiError::from_framework(status, message);
    let mut rebuilt = HttpResponse::build(status);
    for (name, value) in head.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rebuilt.append_header((name.clone(), value.clone()));
        }
    }
    if status.as_u16() == 405 {
        let allowed = req.match_pattern().and_then(|p| req.app_data::<AllowedMethods>()?.of(&p).map(str::to_owned));
        if let Some(allowed) = allowed {
            rebuilt.insert_header((header::ALLOW, allowed));
        }
    }
    let rebuilt = rebuilt.json(api.body());
    Ok(ServiceResponse::new(req, rebuilt))
}

fn is_json(value: Option<&HeaderValue>) -> bool {
    value.and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json") || v.contains("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_fields_become_camel_case() {
        assert_eq!(camel_case("interest_priority"), "interestPriority");
        assert_eq!(camel_case("size"), "size");
    }

    #[test]
    fn a_custom_segment_matcher_finds_the_documented_pattern() {
        let allowed = AllowedMethods::new([("/objects/{key}".to_owned(), vec!["GET"])]);
        assert_eq!(allowed.of("/objects/{key:.+}"), Some("GET"));
        assert_eq!(allowed.of("/objects/{key}"), Some("GET"));
        assert_eq!(allowed.of("/other/{key:.+}"), None);
    }

    #[test]
    fn nested_validation_paths_are_reported_per_field() {
        use validator::Validate;
        #[derive(Validate, serde::Serialize)]
        struct Inner {
            #[validate(range(min = 1))]
            certificate_id: i64,
        }
        #[derive(Validate)]
        struct Outer {
            #[validate(length(min = 1, max = 3), nested)]
            targets: Vec<Inner>,
        }
        let outer = Outer { targets: vec![Inner { certificate_id: 5 }, Inner { certificate_id: 0 }] };
        let errors = outer.validate().err();
        let api = validation_error(&errors.unwrap_or_default());
        assert_eq!(api.code(), "GLB_005");
        assert_eq!(api.errors().len(), 1);
        assert_eq!(api.errors()[0].field, "targets[1].certificateId");
        assert!(api.errors()[0].reason.contains("range"), "{}", api.errors()[0].reason);
    }
}

//! Domain errors → the wire envelope. Handlers return `Result<_, AppError>` and use `?` on
//! any domain error; the kind decides the status, the code comes from the domain.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use cercat_common::{DomainError, ErrorKind};
use cercat_error::{ApiError, ErrorCode};

/// An error on its way to the client.
#[derive(Debug)]
pub struct AppError(pub ApiError);

impl AppError {
    /// A 400 on a path parameter.
    pub fn invalid_path(field: &str, reason: &str) -> Self {
        Self(ApiError::new(ErrorCode::INVALID_PATH, format!("{field} {reason}")).with_field(field, reason))
    }

    /// A 503 (GLB_008) saying this instance is at a limit, with `Retry-After`.
    pub fn busy(message: &str, retry_after_secs: u64) -> Self {
        Self(ApiError::new(ErrorCode::UNAVAILABLE, message).with_retry_after(retry_after_secs))
    }

    /// A 400 on a field of a JSON body (GLB_002, as a body serde refuses).
    pub fn invalid_body_field(field: &str, reason: &str) -> Self {
        Self(ApiError::new(ErrorCode::INVALID_BODY, format!("{field} {reason}")).with_field(field, reason))
    }

    /// A 400 on a request header (GLB_012).
    pub fn invalid_header(field: &str, reason: &str) -> Self {
        Self(ApiError::new(ErrorCode::INVALID_HEADER, format!("{field} {reason}")).with_field(field, reason))
    }

    /// A 400 on a query parameter.
    pub fn invalid_query(field: &str, reason: &str) -> Self {
        Self(ApiError::new(ErrorCode::INVALID_QUERY, format!("{field} {reason}")).with_field(field, reason))
    }
}

/// The HTTP status a domain error of this kind answers with (also what the OpenAPI document lists).
pub(crate) fn status(kind: ErrorKind) -> u16 {
    match kind {
        ErrorKind::Invalid => 400,
        ErrorKind::Unauthenticated => 401,
        ErrorKind::Forbidden => 403,
        ErrorKind::NotFound => 404,
        ErrorKind::Conflict => 409,
        ErrorKind::TooManyRequests => 429,
        ErrorKind::PaymentRequired => 402,
        ErrorKind::Unavailable => 503,
        ErrorKind::Internal => 500,
    }
}

impl<E: DomainError> From<E> for AppError {
    fn from(err: E) -> Self {
        let api = match err.kind() {
            // Infrastructure failures are opaque to clients; the cause is logged with the request id.
            ErrorKind::Unavailable => ApiError::unavailable(err.to_string()),
            ErrorKind::Internal => ApiError::internal(err.to_string()),
            kind => {
                let mut api = ApiError::new(ErrorCode::new(err.code(), status(kind), ""), err.to_string());
                if let Some(field) = err.field() {
                    api = api.with_field(field, err.to_string());
                }
                if let Some(secs) = err.retry_after_secs() {
                    api = api.with_retry_after(secs);
                }
                api
            }
        };
        Self(api)
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.error_response()
    }
}

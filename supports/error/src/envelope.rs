//! The success envelope and the wire error type.

use actix_web::{HttpRequest, HttpResponse, Responder, ResponseError, body::BoxBody, http::StatusCode, http::header};
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

use crate::codes::ErrorCode;

/// `{"responseCode":"SUCCESS","result":…}` — the body of every successful response.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiResponse<T> {
    /// Always `SUCCESS`.
    #[schema(example = "SUCCESS")]
    pub response_code: &'static str,
    /// The payload.
    pub result: T,
    #[serde(skip)]
    #[schema(ignore)]
    status: StatusCode,
}

impl<T: Serialize> ApiResponse<T> {
    /// 200 OK with `result`.
    pub fn ok(result: T) -> Self {
        Self { response_code: "SUCCESS", result, status: StatusCode::OK }
    }

    /// 201 Created with `result`.
    pub fn created(result: T) -> Self {
        Self { response_code: "SUCCESS", result, status: StatusCode::CREATED }
    }
}

impl<T: Serialize> Responder for ApiResponse<T> {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse<Self::Body> {
        match serde_json::to_vec(&self) {
            Ok(body) => {
                HttpResponse::build(self.status).insert_header((header::CONTENT_TYPE, "application/json")).body(body)
            }
            Err(err) => ApiError::internal(format!("serializing a response failed: {err}")).error_response(),
        }
    }
}

/// One invalid input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field (JSON name, query or path parameter, or header).
    pub field: String,
    /// Why it was rejected and what is accepted.
    pub reason: String,
}

/// The error body: `{"responseCode","message","errors","requestId"}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// A stable error code, e.g. `GLB_005` or `CRT_001`.
    #[schema(example = "GLB_005")]
    pub response_code: String,
    /// A human-readable message that says how to fix the request.
    pub message: String,
    /// Per-field problems (empty when none apply).
    pub errors: Vec<FieldError>,
    /// The request id, to quote when reporting a server error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// An error answered to the client in the envelope. Build it from an [`ErrorCode`].
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    errors: Vec<FieldError>,
    retry_after_secs: Option<u64>,
    /// The cause, logged for 5xx and never sent.
    internal: Option<String>,
}

impl ApiError {
    /// An error with `code`'s status and the given client-facing message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status: code.http_status(),
            code: code.code,
            message: message.into(),
            errors: Vec::new(),
            retry_after_secs: None,
            internal: None,
        }
    }

    /// A 500 whose body is opaque; `cause` is only logged.
    pub fn internal(cause: impl Into<String>) -> Self {
        let mut err = Self::new(ErrorCode::UNEXPECTED, ErrorCode::UNEXPECTED.meaning);
        err.internal = Some(cause.into());
        err
    }

    /// A 503: a dependency is down; `cause` is only logged.
    pub fn unavailable(cause: impl Into<String>) -> Self {
        let mut err = Self::new(ErrorCode::UNAVAILABLE, ErrorCode::UNAVAILABLE.meaning);
        err.internal = Some(cause.into());
        err
    }

    /// An error the framework raised with `status`: keeps the status, picks the global code
    /// for it, and keeps `message` only for 4xx (5xx stay opaque).
    pub fn from_framework(status: StatusCode, message: impl Into<String>) -> Self {
        let code = ErrorCode::for_status(status);
        let mut err = if status.is_server_error() {
            Self::internal(message)
        } else {
            let message = message.into();
            Self::new(code, if message.trim().is_empty() { code.meaning.to_owned() } else { message })
        };
        err.status = status;
        err.code = code.code;
        err
    }

    /// Adds one field error.
    pub fn with_field(mut self, field: impl Into<String>, reason: impl Into<String>) -> Self {
        self.errors.push(FieldError { field: field.into(), reason: reason.into() });
        self
    }

    /// Replaces the field errors.
    pub fn with_fields(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// Adds a `Retry-After` header (seconds).
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The client-facing message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The field errors.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The wire body for this error, quoting the current request id.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            response_code: self.code.to_owned(),
            message: self.message.clone(),
            errors: self.errors.clone(),
            request_id: cercat_logging::current_request_id(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)?;
        if let Some(cause) = &self.internal {
            write!(f, " (cause: {cause})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, cause = self.internal.as_deref().unwrap_or("-"), "request failed");
        }
        let mut res = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after_secs {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        res.json(self.body())
    }
}

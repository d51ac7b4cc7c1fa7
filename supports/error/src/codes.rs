//! Stable error codes. A code never changes meaning once released; clients match on it.

use actix_web::http::StatusCode;

/// A stable, documented error code with its HTTP status and a default message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    /// The code clients match on, e.g. `GLB_002`.
    pub code: &'static str,
    /// The HTTP status sent with it.
    pub status: u16,
    /// What it means, for the OpenAPI document.
    pub meaning: &'static str,
}

impl ErrorCode {
    /// An unexpected server error; the body carries only the request id.
    pub const UNEXPECTED: Self =
        Self::new("GLB_001", 500, "Unexpected server error (quote the requestId when reporting it)");
    /// The JSON body could not be parsed or has the wrong shape.
    pub const INVALID_BODY: Self =
        Self::new("GLB_002", 400, "The request body is not valid JSON of the expected shape");
    /// A query parameter is missing or malformed.
    pub const INVALID_QUERY: Self = Self::new("GLB_003", 400, "A query parameter is missing or malformed");
    /// A path parameter is malformed.
    pub const INVALID_PATH: Self = Self::new("GLB_004", 400, "A path parameter is malformed");
    /// Field validation failed; `errors` names each bad field.
    pub const VALIDATION_FAILED: Self = Self::new("GLB_005", 400, "One or more fields are invalid; see `errors`");
    /// No route matches the path.
    pub const ROUTE_NOT_FOUND: Self = Self::new("GLB_006", 404, "No such endpoint");
    /// The route exists but not for this method.
    pub const METHOD_NOT_ALLOWED: Self = Self::new("GLB_007", 405, "The endpoint does not accept this HTTP method");
    /// A dependency the request needs is down or timed out.
    pub const UNAVAILABLE: Self =
        Self::new("GLB_008", 503, "A dependency this request needs is unavailable; retry later");
    /// The body is larger than the endpoint accepts.
    pub const PAYLOAD_TOO_LARGE: Self = Self::new("GLB_009", 413, "The request body is too large");
    /// The body's content type is not accepted.
    pub const UNSUPPORTED_MEDIA_TYPE: Self =
        Self::new("GLB_010", 415, "The Content-Type is not accepted by this endpoint");
    /// Too many requests; `Retry-After` says when to retry.
    pub const TOO_MANY_REQUESTS: Self =
        Self::new("GLB_011", 429, "Too many requests; retry after the Retry-After delay");
    /// A request header is missing or malformed.
    pub const INVALID_HEADER: Self = Self::new("GLB_012", 400, "A request header is missing or malformed");
    /// The request conflicts with the current state.
    pub const CONFLICT: Self =
        Self::new("GLB_013", 409, "The request conflicts with the current state of the resource");
    /// Any other 4xx produced by the framework.
    pub const BAD_REQUEST: Self = Self::new("GLB_014", 400, "The request is malformed");
    /// The body arrived too slowly (a pause longer than the idle bound, or longer in total
    /// than the read bound); the connection is closed.
    pub const REQUEST_TIMEOUT: Self =
        Self::new("GLB_015", 408, "The request body arrived too slowly; send it again on a new connection");

    /// Declares a code answered with HTTP `status` (400–599).
    pub const fn new(code: &'static str, status: u16, meaning: &'static str) -> Self {
        Self { code, status, meaning }
    }

    /// The HTTP status as actix's type (500 if the declared number is not a status).
    pub fn http_status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The global code that best describes a framework-generated error status.
    pub fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            404 => Self::ROUTE_NOT_FOUND,
            408 => Self::REQUEST_TIMEOUT,
            405 => Self::METHOD_NOT_ALLOWED,
            409 => Self::CONFLICT,
            413 => Self::PAYLOAD_TOO_LARGE,
            415 => Self::UNSUPPORTED_MEDIA_TYPE,
            429 => Self::TOO_MANY_REQUESTS,
            503 => Self::UNAVAILABLE,
            400..=499 => Self::BAD_REQUEST,
            _ => Self::UNEXPECTED,
        }
    }
}

/// Every global (`GLB_*`) code, for the OpenAPI document and the docs.
pub const GLOBAL_CODES: &[ErrorCode] = &[
    ErrorCode::UNEXPECTED,
    ErrorCode::INVALID_BODY,
    ErrorCode::INVALID_QUERY,
    ErrorCode::INVALID_PATH,
    ErrorCode::VALIDATION_FAILED,
    ErrorCode::ROUTE_NOT_FOUND,
    ErrorCode::METHOD_NOT_ALLOWED,
    ErrorCode::UNAVAILABLE,
    ErrorCode::PAYLOAD_TOO_LARGE,
    ErrorCode::UNSUPPORTED_MEDIA_TYPE,
    ErrorCode::TOO_MANY_REQUESTS,
    ErrorCode::INVALID_HEADER,
    ErrorCode::CONFLICT,
    ErrorCode::BAD_REQUEST,
    ErrorCode::REQUEST_TIMEOUT,
];

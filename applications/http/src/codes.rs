//! The error codes the HTTP layer itself answers, beyond `cercat_error`'s global ones and the
//! domains' (idempotent retries, the upload quota): defined here so that every server's
//! OpenAPI code table lists the same house-wide set.

use cercat_error::ErrorCode;

/// IDM_001: an `Idempotency-Key` reused with another body.
pub const IDEMPOTENCY_MISMATCH: ErrorCode =
    ErrorCode::new("IDM_001", 422, "The Idempotency-Key was already used with a different request body");
/// IDM_002: the first request with this `Idempotency-Key` is still running.
pub const IDEMPOTENCY_IN_FLIGHT: ErrorCode =
    ErrorCode::new("IDM_002", 409, "A request with this Idempotency-Key is still being processed; retry shortly");
/// UPL_001: the user's daily upload quota is used up.
pub const UPLOAD_QUOTA_EXCEEDED: ErrorCode =
    ErrorCode::new("UPL_001", 429, "The daily image upload quota is used up; retry after the Retry-After delay");

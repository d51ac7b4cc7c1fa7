//! Reading `multipart/form-data` parts with limits (a `request` JSON part plus files).

use cercat_error::{ApiError, ErrorCode};
use futures::StreamExt;

use crate::error::AppError;

/// Largest `request` JSON part.
pub const MAX_REQUEST_PART: usize = 64 * 1024;

/// A 400 for a malformed form.
pub fn bad_form(message: impl Into<String>) -> AppError {
    AppError(ApiError::new(ErrorCode::BAD_REQUEST, message))
}

/// Reads a part up to `limit` bytes; `None` if it is longer.
pub async fn read_part(field: &mut actix_multipart::Field, limit: usize) -> Result<Option<Vec<u8>>, AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| bad_form(format!("the multipart body is malformed: {e}")))?;
        if bytes.len() + chunk.len() > limit {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

/// Whether a file part is really empty (Cercat's client may send the string `undefined`).
pub fn is_blank_file(bytes: &[u8]) -> bool {
    let trimmed = bytes.trim_ascii();
    trimmed.is_empty() || trimmed == b"undefined" || trimmed == b"null"
}

/// Reads a part to its end without keeping it (unknown parts).
pub async fn drain_part(field: &mut actix_multipart::Field) -> Result<(), AppError> {
    while let Some(chunk) = field.next().await {
        chunk.map_err(|e| bad_form(format!("the multipart body is malformed: {e}")))?;
    }
    Ok(())
}

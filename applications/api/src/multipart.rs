//! Reading `multipart/form-data` uploads (a `request` JSON part plus image files) within
//! bounds, so that no client can make an instance buffer more than it chose to:
//! - the whole body is capped (`limits.upload_max_body_bytes`, boundaries included): 413
//!   `GLB_009` at once when `Content-Length` says so, or as soon as a streamed body passes it;
//! - reading stops at the first part that is too large or has a name the endpoint does not
//!   take (the rest of the body is never read: the answer closes the connection);
//! - at most `limits.upload_max_concurrent` uploads are read at once per instance (the next
//!   gets 503 `GLB_008` with `Retry-After` rather than a queue that holds its bytes);
//! - one user may upload `limits.upload_daily_files_per_user` images per 24 hours (429
//!   `UPL_001`), counted by the shared rate limiter across instances.

use std::{
    cell::Cell,
    pin::Pin,
    rc::Rc,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use actix_multipart::{Field, Multipart};
use actix_web::{
    FromRequest, HttpRequest,
    dev::Payload,
    error::PayloadError,
    http::header,
    web::{self, Bytes},
};
use cercat_common::ratelimit::{RateDecision, RateLimiter};
use cercat_error::{ApiError, ErrorCode};
use futures::{Stream, StreamExt, future::Ready};
use serde::de::DeserializeOwned;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::AppState;
use cercat_http::{AppError, codes::UPLOAD_QUOTA_EXCEEDED};

/// Largest `request` JSON part.
pub const MAX_REQUEST_PART: usize = 64 * 1024;

/// How long a refused upload is asked to wait before retrying.
const BUSY_RETRY_AFTER_SECS: u64 = 2;
/// The window of the per-user quota.
const QUOTA_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// A 400 for a malformed form.
pub fn bad_form(message: impl Into<String>) -> AppError {
    AppError(ApiError::new(ErrorCode::BAD_REQUEST, message))
}

/// Whether a file part is really empty (Cercat's client may send the string `undefined`).
pub fn is_blank_file(bytes: &[u8]) -> bool {
    let trimmed = bytes.trim_ascii();
    trimmed.is_empty() || trimmed == b"undefined" || trimmed == b"null"
}

/// The instance-wide upload slots (one per upload being read).
#[derive(Debug, Clone)]
pub struct UploadSlots(Arc<Semaphore>);

impl UploadSlots {
    /// `n` uploads at once.
    pub fn new(n: usize) -> Self {
        Self(Arc::new(Semaphore::new(n)))
    }
}

/// Counts the raw bytes of a body and fails the read past `cap` (setting `overflowed`).
struct CappedBody {
    inner: Payload,
    left: usize,
    overflowed: Rc<Cell<bool>>,
}

impl Stream for CappedBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.overflowed.get() {
            return Poll::Ready(None);
        }
        match self.inner.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(chunk))) if chunk.len() > self.left => {
                self.overflowed.set(true);
                Poll::Ready(Some(Err(PayloadError::Overflow)))
            }
            Poll::Ready(Some(Ok(chunk))) => {
                self.left -= chunk.len();
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        }
    }
}

/// A multipart upload being read under the limits above. Extract it instead of
/// [`Multipart`]; it holds an upload slot until the handler returns.
pub struct UploadForm {
    parts: Multipart,
    cap: usize,
    overflowed: Rc<Cell<bool>>,
    limiter: Arc<dyn RateLimiter>,
    daily_files: u32,
    _slot: OwnedSemaphorePermit,
}

fn too_large(cap: usize) -> AppError {
    AppError(ApiError::new(
        ErrorCode::PAYLOAD_TOO_LARGE,
        format!("an upload may be at most {cap} bytes in all (five images of 5 MiB and the `request` part)"),
    ))
}

fn open(req: &HttpRequest, payload: &mut Payload) -> Result<UploadForm, AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError(ApiError::internal("the upload extractor has no app state")))?;
    let limits = &state.services.settings.limits;
    let cap = limits.upload_max_body_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > cap as u64) {
        return Err(too_large(cap));
    }
    let slot = Arc::clone(&state.uploads.0).try_acquire_owned().map_err(|_| {
        AppError::busy(
            "this server is reading as many uploads as it takes at once; retry shortly",
            BUSY_RETRY_AFTER_SECS,
        )
    })?;
    let overflowed = Rc::new(Cell::new(false));
    let body = CappedBody { inner: payload.take(), left: cap, overflowed: Rc::clone(&overflowed) };
    Ok(UploadForm {
        parts: Multipart::new(req.headers(), body),
        cap,
        overflowed,
        limiter: Arc::clone(&state.services.limiter),
        daily_files: limits.upload_daily_files_per_user,
        _slot: slot,
    })
}

impl FromRequest for UploadForm {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        futures::future::ready(open(req, payload))
    }
}

impl UploadForm {
    fn malformed(&self, err: &actix_multipart::MultipartError) -> AppError {
        if self.overflowed.get() {
            too_large(self.cap)
        } else {
            bad_form(format!("the multipart body is malformed: {err}"))
        }
    }

    /// The next part, with its name (`""` when it has none).
    pub async fn next_part(&mut self) -> Result<Option<(String, Field)>, AppError> {
        match self.parts.next().await {
            None => Ok(None),
            Some(Err(err)) => Err(self.malformed(&err)),
            Some(Ok(field)) => Ok(Some((field.name().unwrap_or_default().to_owned(), field))),
        }
    }

    /// Reads a part up to `limit` bytes; `None` as soon as it is longer (the rest is not read).
    pub async fn read(&self, field: &mut Field, limit: usize) -> Result<Option<Vec<u8>>, AppError> {
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| self.malformed(&e))?;
            if bytes.len() + chunk.len() > limit {
                return Ok(None);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Some(bytes))
    }

    /// Reads and parses the `request` JSON part.
    pub async fn read_request<T: DeserializeOwned>(&self, field: &mut Field) -> Result<T, AppError> {
        let bytes =
            self.read(field, MAX_REQUEST_PART).await?.ok_or_else(|| bad_form("the `request` part is too large"))?;
        cercat_error::strict::from_slice(&bytes)
            .map_err(|e| bad_form(format!("the `request` part is not valid JSON: {e}")))
    }

    /// Reads an image part for `user_id` up to `limit` bytes (`too_big` past it), counting it
    /// against the user's daily quota; `None` for a blank part (the client's `undefined`).
    /// Refuses before reading when the quota is already used up.
    pub async fn read_file(
        &self,
        field: &mut Field,
        user_id: i64,
        limit: usize,
        too_big: impl FnOnce() -> AppError,
    ) -> Result<Option<Vec<u8>>, AppError> {
        let key = format!("upload:files:{user_id}");
        self.quota(self.limiter.check(&key, self.daily_files).await)?;
        let bytes = self.read(field, limit).await?.ok_or_else(too_big)?;
        if is_blank_file(&bytes) {
            return Ok(None);
        }
        self.quota(self.limiter.hit(&key, self.daily_files, QUOTA_WINDOW).await)?;
        Ok(Some(bytes))
    }

    /// The quota's verdict; a limiter that cannot answer lets the upload through (logged):
    /// the quota guards storage over a day, and a short outage of the counter store should
    /// not stop members from posting.
    fn quota(&self, decision: Result<RateDecision, cercat_common::PortError>) -> Result<(), AppError> {
        match decision {
            Ok(RateDecision::Allowed) => Ok(()),
            Ok(RateDecision::Limited { retry_after }) => Err(AppError(
                ApiError::new(
                    UPLOAD_QUOTA_EXCEEDED,
                    format!("you may upload {} images per 24 hours; the quota renews later", self.daily_files),
                )
                .with_retry_after(retry_after.as_secs().max(1)),
            )),
            Err(err) => {
                tracing::warn!(%err, "the upload quota cannot be checked; letting the upload through");
                Ok(())
            }
        }
    }
}

/// The 400 for a required part the form did not have.
pub fn missing_part(name: &str) -> AppError {
    bad_form(format!("the `{name}` part is missing"))
}

/// The 400 for a part the endpoint does not take: reading stops there.
pub fn unknown_part(name: &str, accepted: &str) -> AppError {
    bad_form(format!("unknown part `{name}`: this endpoint takes only {accepted}"))
}

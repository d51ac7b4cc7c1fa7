//! `Idempotency-Key` with Stripe's semantics on POSTs that move money or seats: the first
//! request with a key runs and its response (success or error) is kept for at least
//! `course.idempotency_retention_hours`; a retry with the same key and the same body gets that
//! response again (with `Idempotent-Replayed: true`); the same key with another body is a
//! 422 `IDM_001`; a retry while the first still runs is a 409 `IDM_002`. A request that failed
//! because a dependency was down (5xx) keeps nothing, so its retry runs again.

use actix_web::{
    HttpRequest, HttpResponse, ResponseError,
    body::{BoxBody, MessageBody},
    http::{StatusCode, header},
};
use cercat_common::idempotency::{Claim, StoredResponse};
use cercat_error::{ApiError, ErrorCode};
use sha2::{Digest, Sha256};
use std::{future::Future, time::Duration};

use crate::AppState;
use cercat_http::{
    AppError,
    codes::{IDEMPOTENCY_IN_FLIGHT, IDEMPOTENCY_MISMATCH},
};

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// Set on a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";
/// A claim left unfinished this long belongs to a process that died; a retry takes it over.
const STALE_AFTER: Duration = Duration::from_secs(60);

fn key_of(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(raw) = req.headers().get(HEADER) else { return Ok(None) };
    let key = raw.to_str().map(str::trim).unwrap_or_default();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError(
            ApiError::new(ErrorCode::INVALID_HEADER, "Idempotency-Key must be 1 to 255 visible ASCII characters")
                .with_field("Idempotency-Key", "1 to 255 visible ASCII characters"),
        ));
    }
    Ok(Some(key.to_owned()))
}

async fn into_stored(res: HttpResponse) -> (HttpResponse, Option<StoredResponse>) {
    let status = res.status();
    let (head, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
    let stored = StoredResponse { status: status.as_u16(), body: String::from_utf8_lossy(&bytes).into_owned() };
    (head.set_body(BoxBody::new(bytes)), Some(stored))
}

fn replay(stored: StoredResponse) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK))
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((REPLAYED, "true"))
        .body(stored.body)
}

/// Runs `run` under the request's `Idempotency-Key`, if it has one. `user_id` and the
/// request's method and path scope the key; `body` is what must match on a retry.
pub async fn run<F, Fut>(state: &AppState, req: &HttpRequest, user_id: i64, body: &[u8], run: F) -> HttpResponse
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<HttpResponse, AppError>>,
{
    let respond = |r: Result<HttpResponse, AppError>| r.unwrap_or_else(|e| e.error_response());
    let key = match key_of(req) {
        Ok(Some(key)) => key,
        Ok(None) => return respond(run().await),
        Err(e) => return e.error_response(),
    };
    let scope = format!("{user_id}:{} {}", req.method(), req.path());
    let fingerprint = format!("{:x}", Sha256::digest(body));
    let store = &state.services.idempotency;
    let now = state.services.clock.now();
    match store.claim(&scope, &key, &fingerprint, now, STALE_AFTER).await {
        Ok(Claim::Run) => {}
        Ok(Claim::Replay(stored)) => return replay(stored),
        Ok(Claim::Mismatch) => {
            return AppError(ApiError::new(IDEMPOTENCY_MISMATCH, IDEMPOTENCY_MISMATCH.meaning)).error_response();
        }
        Ok(Claim::InFlight) => {
            return AppError(ApiError::new(IDEMPOTENCY_IN_FLIGHT, IDEMPOTENCY_IN_FLIGHT.meaning).with_retry_after(1))
                .error_response();
        }
        Err(e) => return AppError::from(e).error_response(),
    }
    let res = respond(run().await);
    if res.status().is_server_error() {
        if let Err(err) = store.abandon(&scope, &key).await {
            tracing::warn!(%err, "could not release an idempotency key; it frees itself after a minute");
        }
        return res;
    }
    let (res, stored) = into_stored(res).await;
    if let Some(stored) = stored
        && let Err(err) = store.complete(&scope, &key, &stored, state.services.clock.now()).await
    {
        tracing::warn!(%err, "could not store an idempotent response; a retry will run again after a minute");
    }
    res
}

/// Turns a handler's result into a response (for use inside [`run`]).
pub fn respond<B: MessageBody + 'static>(req: &HttpRequest, r: impl actix_web::Responder<Body = B>) -> HttpResponse {
    r.respond_to(req).map_into_boxed_body()
}

/// A body read raw (the idempotency fingerprint needs its bytes) parsed as JSON: a 400
/// `GLB_002` that says what was expected, like the JSON extractor's.
pub fn json_body<T: serde::de::DeserializeOwned>(body: &[u8], expected: &str) -> Result<T, AppError> {
    cercat_error::strict::from_slice(body).map_err(|e| {
        AppError(cercat_error::ApiError::new(cercat_error::ErrorCode::INVALID_BODY, format!("{expected}: {e}")))
    })
}

/// An optional JSON body read raw: no body (only whitespace, or `null`) is `T::default()`.
pub fn optional_json_body<T: serde::de::DeserializeOwned + Default>(
    body: &[u8],
    expected: &str,
) -> Result<T, AppError> {
    // `null` is no body too: the document marks the body optional, and a client (or a
    // generator) may say so with JSON's own word for nothing.
    let text = body.trim_ascii();
    if text.is_empty() || text == b"null" { Ok(T::default()) } else { json_body(body, expected) }
}

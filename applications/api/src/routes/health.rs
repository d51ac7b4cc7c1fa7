//! Liveness, readiness (the kernel's check of every dependency) and Prometheus metrics.

use actix_web::{HttpResponse, get, web};
use cercat_error::ApiResponse;
use cercat_http::{
    auth::Admin,
    health::{Readiness, readiness},
};
use std::time::Duration;

use crate::AppState;

/// Cercat's health check (kept for the original deployment's load balancer).
#[utoipa::path(tag = "operations", responses((status = 200, description = "The process is up", body = ApiResponse<String>)))]
#[get("/health")]
pub async fn health() -> ApiResponse<&'static str> {
    ApiResponse::ok("UP")
}

/// Liveness: the process answers. Never checks dependencies (a restart would not fix them).
#[utoipa::path(tag = "operations", responses((status = 200, description = "The process is up", body = ApiResponse<String>)))]
#[get("/health/live")]
pub async fn live() -> ApiResponse<&'static str> {
    ApiResponse::ok("UP")
}

/// Readiness: every dependency answered within 2 s, and the instance is not shutting down
/// (from SIGTERM on it answers 503 so that the proxy stops sending it traffic). The public answer is only `UP` or 503
/// `GLB_008` "not ready" — which dependency failed, and why, is for operators: an ADMIN token
/// (`Access-Token`) gets each dependency's state, latency and error, and so does the admin
/// port's `/health/ready`.
#[utoipa::path(
    tag = "operations",
    security((), ("access_token" = [])),
    extensions(("x-errors" = json!(["GLB_008"]))),
    responses(
        (status = 200, description = "Every dependency is up (`checks` only for an ADMIN)", body = ApiResponse<Readiness>),
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>, admin: Option<Admin>) -> HttpResponse {
    if state.hub.draining() {
        let err = cercat_error::ApiError::new(cercat_error::ErrorCode::UNAVAILABLE, "shutting down");
        return HttpResponse::ServiceUnavailable().json(err.body());
    }
    readiness(&state.services.health, admin.is_some()).await
}

/// Prometheus metrics: `http_requests_total{method,route,status}`,
/// `http_request_duration_seconds{method,route}`, `cercat_outbox_unsent_events`,
/// `cercat_outbox_lag_seconds` (age of the oldest unsent event), `cercat_consumer_lag{group}`,
/// `cercat_dead_letters` (waiting for replay), `cercat_dead_letters_total{group}`,
/// `cercat_sse_connections`, `cercat_sse_alarms_pushed_total`.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    // Lags are read at scrape time, concurrently; a slow dependency must not stall the scrape
    // (its gauge keeps its last value).
    let bound = Duration::from_secs(2);
    let (unsent, oldest, letters) = futures::join!(
        tokio::time::timeout(bound, state.services.backlog.unsent()),
        tokio::time::timeout(bound, state.services.backlog.oldest_unsent_at()),
        tokio::time::timeout(bound, state.services.backlog.dead_letter_count()),
    );
    if let Ok(Ok(unsent)) = unsent {
        ::metrics::gauge!("cercat_outbox_unsent_events").set(unsent as f64);
    }
    if let Ok(Ok(oldest)) = oldest {
        let age = oldest.map_or(0.0, |at| (chrono::Utc::now() - at).num_milliseconds().max(0) as f64 / 1000.0);
        ::metrics::gauge!("cercat_outbox_lag_seconds").set(age);
    }
    if let Ok(Ok(letters)) = letters {
        ::metrics::gauge!("cercat_dead_letters").set(letters as f64);
    }
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render())
}

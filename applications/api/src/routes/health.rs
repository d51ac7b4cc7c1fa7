//! Liveness, readiness (each dependency checked under a timeout) and Prometheus metrics.

use actix_web::{HttpResponse, get, http::StatusCode, web};
use cercat_error::ApiResponse;
use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use crate::{
    AppState,
    auth::Admin,
    dto::health::{DependencyStatus, Readiness},
};

/// Upper bound on one dependency check.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

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

/// Readiness: every dependency answered within 2 s. The public answer is only `UP` or 503
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
    readiness(&state, admin.is_some()).await
}

/// Checks every dependency; `detailed` answers with each one's state and error (operators
/// only), otherwise with the overall status alone.
pub async fn readiness(state: &AppState, detailed: bool) -> HttpResponse {
    let checks = futures::future::join_all(state.infra.health.iter().map(|check| async move {
        let started = Instant::now();
        let result = match tokio::time::timeout(CHECK_TIMEOUT, check.check()).await {
            Ok(Ok(())) => None,
            Ok(Err(err)) => Some(err.to_string()),
            Err(_) => Some(format!("no answer within {} ms", CHECK_TIMEOUT.as_millis())),
        };
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        (
            check.name(),
            DependencyStatus { status: if result.is_none() { "UP" } else { "DOWN" }, latency_ms, error: result },
        )
    }))
    .await;
    let down: Vec<_> = checks.iter().filter(|(_, s)| s.error.is_some()).map(|(n, s)| (*n, s.error.clone())).collect();
    let checks: BTreeMap<_, _> = checks.into_iter().collect();
    ::metrics::gauge!("cercat_ready").set(if down.is_empty() { 1.0 } else { 0.0 });
    if !down.is_empty() {
        tracing::warn!(down = ?down, "not ready");
    }
    if down.is_empty() {
        let checks = detailed.then_some(checks);
        return HttpResponse::Ok().json(ApiResponse::ok(Readiness { status: "UP", checks }));
    }
    if !detailed {
        let err = cercat_error::ApiError::new(cercat_error::ErrorCode::UNAVAILABLE, "not ready");
        return HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE).json(err.body());
    }
    let names: Vec<&str> = down.iter().map(|(n, _)| *n).collect();
    let mut err = cercat_error::ApiError::new(
        cercat_error::ErrorCode::UNAVAILABLE,
        format!("not ready: {} down", names.join(", ")),
    );
    for (name, reason) in down {
        err = err.with_field(name, reason.unwrap_or_default());
    }
    HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE).json(err.body())
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
        tokio::time::timeout(bound, state.infra.outbox.unsent_count()),
        tokio::time::timeout(bound, state.infra.outbox.oldest_unsent_at()),
        tokio::time::timeout(bound, state.infra.dead_letters.size()),
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

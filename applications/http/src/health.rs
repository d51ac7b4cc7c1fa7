//! Readiness, as both servers answer it: every dependency checked under a timeout, the
//! overall state for anyone and each dependency's details for operators.

use actix_web::{HttpResponse, http::StatusCode};
use cercat_common::health::HealthCheck;
use cercat_error::{ApiError, ApiResponse, ErrorCode};
use serde::Serialize;
use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, Instant},
};
use utoipa::ToSchema;

/// Upper bound on one dependency check.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// One dependency's state.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DependencyStatus {
    /// `UP` or `DOWN`.
    #[schema(example = "UP")]
    pub status: &'static str,
    /// How long the check took.
    pub latency_ms: u64,
    /// Why it is down (absent when up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Readiness: overall state and each dependency's.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Readiness {
    /// `UP` when every dependency is up.
    #[schema(example = "UP")]
    pub status: &'static str,
    /// Per dependency (only for an ADMIN token or on the admin port).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<BTreeMap<&'static str, DependencyStatus>>,
}

/// Checks every dependency; `detailed` answers with each one's state and error (operators
/// only), otherwise with the overall status alone.
pub async fn readiness(health: &[Arc<dyn HealthCheck>], detailed: bool) -> HttpResponse {
    let checks = futures::future::join_all(health.iter().map(|check| async move {
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
        let err = ApiError::new(ErrorCode::UNAVAILABLE, "not ready");
        return HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE).json(err.body());
    }
    let names: Vec<&str> = down.iter().map(|(n, _)| *n).collect();
    let mut err = ApiError::new(ErrorCode::UNAVAILABLE, format!("not ready: {} down", names.join(", ")));
    for (name, reason) in down {
        err = err.with_field(name, reason.unwrap_or_default());
    }
    HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE).json(err.body())
}

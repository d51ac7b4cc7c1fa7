//! Health responses.

use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

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

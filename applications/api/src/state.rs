//! What handlers share.

use cercat_bootstrap::Infrastructure;
use cercat_certificate::CertificateService;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// Shared state, cloned into every worker.
#[derive(Clone)]
pub struct AppState {
    /// Every adapter.
    pub infra: Infrastructure,
    /// Certificate use cases.
    pub certificates: Arc<CertificateService>,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
}

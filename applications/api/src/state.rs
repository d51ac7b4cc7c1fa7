//! What handlers share.

use cercat_bootstrap::Infrastructure;
use cercat_certificate::CertificateService;
use cercat_user::AccountService;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// Shared state, cloned into every worker.
#[derive(Clone)]
pub struct AppState {
    /// Every adapter.
    pub infra: Infrastructure,
    /// Certificate use cases.
    pub certificates: Arc<CertificateService>,
    /// Account use cases.
    pub accounts: Arc<AccountService>,
    /// Signs OAuth login states.
    pub oauth_state: crate::oauth::StateSigner,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
}

impl AppState {
    /// Builds the services over `infra`.
    pub fn new(infra: Infrastructure) -> Self {
        Self {
            certificates: Arc::new(infra.certificate_service()),
            accounts: Arc::new(infra.account_service()),
            oauth_state: crate::oauth::StateSigner::new(infra.jwt_secret.as_bytes()),
            metrics: crate::startup::prometheus(),
            infra,
        }
    }
}

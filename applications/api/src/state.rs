//! What handlers share.

use cercat_alarm::AlarmService;
use cercat_bootstrap::Infrastructure;
use cercat_certificate::{BoardService, CertificateService};
use cercat_community::CommunityService;
use cercat_config::ExposeSecret;
use cercat_course::CourseService;
use cercat_learning::LearningService;
use cercat_mockexam::MockExamService;
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
    /// Boards and favourites.
    pub boards: Arc<BoardService>,
    /// Mock exams, results and reports.
    pub mockexams: Arc<MockExamService>,
    /// Alarms.
    pub alarms: Arc<AlarmService>,
    /// Posts, comments, likes.
    pub community: Arc<CommunityService>,
    /// Goals and study time.
    pub learning: Arc<LearningService>,
    /// Prep courses, waiting rooms, enrollments, payments.
    pub courses: Arc<CourseService>,
    /// Account use cases.
    pub accounts: Arc<AccountService>,
    /// Signs OAuth login states.
    pub oauth_state: crate::oauth::StateSigner,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// The alarm streams this instance holds.
    pub hub: Arc<crate::sse::AlarmHub>,
    /// Whose `X-Forwarded-For` is believed.
    pub proxies: crate::client_ip::ProxyTrust,
    /// The uploads this instance may read at once.
    pub uploads: crate::multipart::UploadSlots,
}

impl AppState {
    /// Builds the services over `infra`.
    pub fn new(infra: Infrastructure) -> Self {
        let certificates = Arc::new(infra.certificate_service());
        Self {
            boards: Arc::new(infra.board_service()),
            mockexams: Arc::new(infra.mockexam_service(certificates.clone())),
            learning: Arc::new(infra.learning_service(certificates.clone())),
            community: Arc::new(infra.community_service()),
            courses: Arc::new(infra.course_service()),
            alarms: Arc::new(infra.alarm_service()),
            certificates,
            accounts: Arc::new(infra.account_service()),
            oauth_state: crate::oauth::StateSigner::new(infra.jwt_secret.expose_secret().as_bytes()),
            metrics: crate::startup::prometheus(),
            hub: crate::sse::AlarmHub::new(
                infra.settings.sse.max_per_user,
                infra.settings.sse.max_connections,
                std::time::Duration::from_secs(infra.settings.sse.heartbeat_secs),
            ),
            proxies: crate::client_ip::ProxyTrust::new(
                infra.settings.server.behind_proxy,
                &infra.settings.server.trusted_proxies,
            ),
            uploads: crate::multipart::UploadSlots::new(infra.settings.limits.upload_max_concurrent),
            infra,
        }
    }
}

//! What handlers share.

use cercat_alarm::AlarmService;
use cercat_bootstrap::Services;
use cercat_certificate::{BoardService, CertificateService};
use cercat_community::CommunityService;
use cercat_coupon::CouponService;
use cercat_course::CourseService;
use cercat_learning::LearningService;
use cercat_mockexam::MockExamService;
use cercat_user::AccountService;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// Shared state, cloned into every worker: the services (also kept one field each, as the
/// handlers call them) and what only the api holds (alarm streams, proxy trust, upload slots).
#[derive(Clone)]
pub struct AppState {
    /// Everything the composition root built, with the cross-cutting handles.
    pub services: Services,
    /// Certificate use cases.
    pub certificates: Arc<CertificateService>,
    /// Boards and favourites.
    pub boards: Arc<BoardService>,
    /// Mock exams, results and reports.
    pub mockexams: Arc<MockExamService>,
    /// Alarms: unread lists and counts, marking read, and the notices the SSE streams push.
    pub alarms: Arc<AlarmService>,
    /// Posts, comments, likes.
    pub community: Arc<CommunityService>,
    /// Goals and study time.
    pub learning: Arc<LearningService>,
    /// Prep courses, waiting rooms, enrollments, payments.
    pub courses: Arc<CourseService>,
    /// Coupons, vouchers and prices with coupons.
    pub coupons: Arc<CouponService>,
    /// The study-material market.
    pub market: Arc<cercat_market::MarketService>,
    /// Preferences and recommendations.
    pub recommendations: Arc<cercat_recommendation::RecommendationService>,
    /// First-come coupon events.
    pub first_come: Arc<cercat_coupon::first_come::FirstComeService>,
    /// Account use cases.
    pub accounts: Arc<AccountService>,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// The alarm streams this instance holds.
    pub hub: Arc<crate::sse::AlarmHub>,
    /// Whose `X-Forwarded-For` is believed.
    pub proxies: crate::client_ip::ProxyTrust,
    /// The waiting-room position streams this instance holds.
    pub queue_streams: Arc<crate::queue_stream::StreamSlots>,
    /// The uploads this instance may read at once.
    pub uploads: crate::multipart::UploadSlots,
}

impl AppState {
    /// The api's state over the built `services`.
    pub fn new(services: Services) -> Self {
        let settings = &services.settings;
        Self {
            certificates: services.certificates.clone(),
            boards: services.boards.clone(),
            mockexams: services.mockexams.clone(),
            learning: services.learning.clone(),
            community: services.community.clone(),
            courses: services.courses.clone(),
            coupons: services.coupons.clone(),
            first_come: services.first_come.clone(),
            market: services.market.clone(),
            recommendations: services.recommendations.clone(),
            alarms: services.alarms.clone(),
            accounts: services.accounts.clone(),
            metrics: crate::startup::prometheus(),
            hub: crate::sse::AlarmHub::new(
                settings.sse.max_per_user,
                settings.sse.max_connections,
                std::time::Duration::from_secs(settings.sse.heartbeat_secs),
            ),
            proxies: crate::client_ip::ProxyTrust::new(settings.server.behind_proxy, &settings.server.trusted_proxies),
            uploads: crate::multipart::UploadSlots::new(settings.limits.upload_max_concurrent),
            queue_streams: crate::queue_stream::StreamSlots::new(
                settings.sse.max_per_user,
                settings.sse.max_connections,
            ),
            services,
        }
    }
}

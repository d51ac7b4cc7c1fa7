//! What the admin handlers share: the services the admin endpoints call —
//! and nothing the admin port does not serve (no alarm streams, no metrics recorder, no
//! OAuth state signer).

use cercat_bootstrap::Services;
use cercat_certificate::CertificateService;
use cercat_coupon::CouponService;
use cercat_course::CourseService;
use cercat_mockexam::MockExamService;
use cercat_user::AccountService;
use std::sync::Arc;

/// Shared state, cloned into every worker.
#[derive(Clone)]
pub struct AdminState {
    /// Everything the composition root built (job history, health checks, settings).
    pub services: Services,
    /// Certificates, subjects and exam schedules.
    pub certificates: Arc<CertificateService>,
    /// Mock exams and their question sets.
    pub mockexams: Arc<MockExamService>,
    /// Prep courses (live status, invariant).
    pub courses: Arc<CourseService>,
    /// Coupons, grants and vouchers.
    pub coupons: Arc<CouponService>,
    /// The study-material market (hiding products, looking up orders).
    pub market: Arc<cercat_market::MarketService>,
    /// First-come coupon events.
    pub first_come: Arc<cercat_coupon::first_come::FirstComeService>,
    /// Verifies the ADMIN access tokens.
    pub accounts: Arc<AccountService>,
}

impl AdminState {
    /// The admin's state over the built `services`.
    pub fn new(services: Services) -> Self {
        Self {
            certificates: services.certificates.clone(),
            mockexams: services.mockexams.clone(),
            courses: services.courses.clone(),
            coupons: services.coupons.clone(),
            first_come: services.first_come.clone(),
            market: services.market.clone(),
            accounts: services.accounts.clone(),
            services,
        }
    }
}

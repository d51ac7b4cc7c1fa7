//! What the admin handlers share: the adapters and the services the admin endpoints call —
//! and nothing the admin port does not serve (no alarm streams, no metrics recorder, no
//! OAuth state signer).

use cercat_bootstrap::Infrastructure;
use cercat_certificate::CertificateService;
use cercat_course::CourseService;
use cercat_mockexam::MockExamService;
use cercat_user::AccountService;
use std::sync::Arc;

/// Shared state, cloned into every worker.
#[derive(Clone)]
pub struct AdminState {
    /// Every adapter (job history, health checks, settings).
    pub infra: Infrastructure,
    /// Certificates, subjects and exam schedules.
    pub certificates: Arc<CertificateService>,
    /// Mock exams and their question sets.
    pub mockexams: Arc<MockExamService>,
    /// Prep courses (live status, invariant).
    pub courses: Arc<CourseService>,
    /// Verifies the ADMIN access tokens.
    pub accounts: Arc<AccountService>,
}

impl AdminState {
    /// Builds the services over `infra`.
    pub fn new(infra: Infrastructure) -> Self {
        let certificates = Arc::new(infra.certificate_service());
        Self {
            mockexams: Arc::new(infra.mockexam_service(certificates.clone())),
            courses: Arc::new(infra.course_service()),
            accounts: Arc::new(infra.account_service()),
            certificates,
            infra,
        }
    }
}

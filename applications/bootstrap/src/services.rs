//! The services the programs use, built once over the adapters, and the few cross-cutting
//! handles a program legitimately holds itself (settings, clock, readiness probes, …).

use std::{sync::Arc, time::Duration};

use cercat_alarm::{AlarmService, exam::ExamReminders};
use cercat_certificate::{
    BoardService, CertificateService, ScheduleImporter,
    ports::{ExamScheduleFeed, QnetScheduleApi},
};
use cercat_common::{
    PortError,
    backlog::EventBacklog,
    clock::Clock,
    events::{EventSource, RetryPolicy},
    health::HealthCheck,
    idempotency::IdempotencyStore,
    jobs::JobRunRepository,
    lease::LeaseLock,
    mail::MailDispatcher,
    outbox::OutboxRelay,
    ratelimit::RateLimiter,
    storage::ImageStorage,
};
use cercat_community::CommunityService;
use cercat_config::{ExposeSecret, Settings};
use cercat_coupon::CouponService;
use cercat_course::{
    CourseService,
    service::{CourseConfig, CoursePorts},
};
use cercat_database::{
    SqlAlarmRepository, SqlCertificateRepository, SqlCouponRepository, SqlCourseRepository, SqlExamScheduleRepository,
    SqlFavoriteBoardRepository, SqlGoalRepository, SqlInterestRepository, SqlMockExamRepository, SqlPostRepository,
    SqlResultRepository, SqlReviewRepository, SqlSeatLedger, SqlUserRepository, seed,
};
use cercat_learning::LearningService;
use cercat_mockexam::{MockExamService, service::MockExamPorts};
use cercat_user::{AccountService, AuthConfig, Role, UserError, service::AccountPorts};

use crate::{BootstrapError, DEMO_ACCOUNTS, adapters::Adapters, community_ports, ms};

/// Everything a program is handed: the domain services, and the cross-cutting handles.
/// Cheap to clone (every field is shared).
#[derive(Clone)]
pub struct Services {
    /// The settings everything was built from.
    pub settings: Arc<Settings>,
    /// The clock every service reads.
    pub clock: Arc<dyn Clock>,
    /// This process, as named in leases and job runs (`host:pid`).
    pub node: String,
    /// Readiness probes, one per dependency.
    pub health: Vec<Arc<dyn HealthCheck>>,
    /// Accounts, sessions, profiles.
    pub accounts: Arc<AccountService>,
    /// The operators' audit log (appended by admin actions, paged by the admin API).
    pub audit: cercat_common::audit::AuditTrail,
    /// Certificates, schedules, interests.
    pub certificates: Arc<CertificateService>,
    /// Boards and favourites.
    pub boards: Arc<BoardService>,
    /// Mock exams, results and reports.
    pub mockexams: Arc<MockExamService>,
    /// Goals and study time.
    pub learning: Arc<LearningService>,
    /// Posts, comments, likes, search keywords.
    pub community: Arc<CommunityService>,
    /// Alarms and their notices.
    pub alarms: Arc<AlarmService>,
    /// The daily exam-date reminders.
    pub exam_reminders: Arc<ExamReminders>,
    /// Prep courses, waiting rooms, enrollments, payments.
    pub courses: Arc<CourseService>,
    /// Coupons, grants, vouchers and checkout prices with coupons.
    pub coupons: Arc<CouponService>,
    /// First-come coupon events.
    pub first_come: Arc<cercat_coupon::first_come::FirstComeService>,
    /// The study-material market: products, likes, views, orders, payments.
    pub market: Arc<cercat_market::MarketService>,
    /// Onboarding preferences, recommendations and similar items, the model rebuild.
    pub recommendations: Arc<cercat_recommendation::RecommendationService>,
    /// Sends what the mail outbox holds.
    pub mail_dispatcher: Arc<MailDispatcher>,
    /// Publishes what the event outbox holds to this deployment's bus.
    pub outbox_relay: Arc<OutboxRelay>,
    /// What consumer groups read from: the bus, the dead-letter queue, the retry policy.
    pub events: EventSource,
    /// The outbox backlog and the dead letters, for metrics and replays.
    pub backlog: Arc<EventBacklog>,
    /// Idempotency keys of money- and seat-moving requests (the api's middleware records
    /// them around any handler; the sweeps purge old ones).
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// Throttling counters (the upload quota is enforced by the api's multipart reader).
    pub limiter: Arc<dyn RateLimiter>,
    /// Stored images, served by the api's `/objects` route when storage has no public URL.
    pub images: Arc<dyn ImageStorage>,
    /// Lease lock shared by every process: a job runner takes one per run or tick.
    pub lease: Arc<dyn LeaseLock>,
    /// The record of job runs.
    pub job_runs: Arc<dyn JobRunRepository>,
    /// The public-data exam-schedule feed the import job reads.
    pub schedule_feed: Arc<dyn ExamScheduleFeed>,
    /// Q-Net's exam-schedule API (when a service key is configured).
    pub qnet: Option<Arc<dyn QnetScheduleApi>>,
    /// Chunked, checkpointed schedule imports and the Q-Net series certificates follow.
    pub schedule_import: Arc<ScheduleImporter>,
    adapters: Arc<Adapters>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services").field("profile", &self.settings.profile).field("node", &self.node).finish()
    }
}

/// `u32` seconds as a `chrono` span: validated settings fit, so no fallback is needed.
fn seconds(value: u32) -> chrono::Duration {
    chrono::Duration::seconds(i64::from(value))
}

impl Services {
    /// Connects the adapters the profile names and builds every service on them.
    pub async fn connect(settings: &Settings) -> Result<Self, BootstrapError> {
        Ok(Self::build(Adapters::connect(settings).await?))
    }

    fn build(a: Adapters) -> Self {
        let s = a.settings.clone();
        let db = &a.db;
        let certificates = Arc::new(
            CertificateService::new(
                Arc::new(SqlCertificateRepository::new(db.clone())),
                Arc::new(SqlExamScheduleRepository::new(db.clone())),
                a.cache.clone(),
                a.clock.clone(),
            )
            .with_interests(Arc::new(SqlInterestRepository::new(db.clone()))),
        );
        let mockexams = Arc::new(MockExamService::new(MockExamPorts {
            exams: Arc::new(SqlMockExamRepository::new(db.clone())),
            results: Arc::new(SqlResultRepository::new(db.clone())),
            certificates: certificates.clone(),
            cache: a.cache.clone(),
            storage: a.storage.clone(),
            clock: a.clock.clone(),
        }));
        let learning = Arc::new(LearningService::new(
            Arc::new(SqlGoalRepository::new(db.clone())),
            Arc::new(SqlResultRepository::new(db.clone())),
            certificates.clone(),
            a.clock.clone(),
        ));
        let users = Arc::new(SqlUserRepository::new(db.clone()));
        let accounts = AccountService::new(
            AccountPorts {
                users: users.clone(),
                codes: users,
                refresh: a.refresh.clone(),
                limiter: a.limiter.clone(),
                revocations: a.revocations.clone(),
                session_ends: a.session_ends.clone(),
                storage: a.storage.clone(),
                identities: a.identity_providers.clone(),
                sign_ins: Arc::new(cercat_database::SqlSignInLog::new(db.clone())),
                clock: a.clock.clone(),
            },
            a.hasher.clone(),
            a.jwt.clone(),
            AuthConfig {
                refresh_ttl: Duration::from_secs(s.auth.refresh_ttl_secs),
                refresh_grace: Duration::from_secs(s.auth.refresh_grace_secs),
                code_ttl: Duration::from_secs(s.auth.code_ttl_secs),
                recovery_window: chrono::Duration::days(i64::from(s.auth.recovery_window_days)),
                // The 5 MiB image cap is the product's rule for every image, not a setting.
                ..AuthConfig::default()
            },
        );
        let course_store: Arc<dyn cercat_course::ports::CourseRepository> =
            Arc::new(SqlCourseRepository::new(db.clone()));
        let products: Arc<dyn cercat_market::ports::ProductRepository> =
            Arc::new(cercat_database::SqlProductRepository::new(db.clone()));
        let coupons = Arc::new(CouponService::new(
            Arc::new(SqlCouponRepository::new(db.clone())),
            Arc::new(crate::coupon_ports::Prices { courses: course_store.clone(), products: products.clone() }),
            a.clock.clone(),
        ));
        let first_come = Arc::new(cercat_coupon::first_come::FirstComeService::new(
            Arc::new(cercat_database::SqlFirstComeRepository::new(db.clone())),
            a.claim_gate.clone(),
            Arc::new(SqlCouponRepository::new(db.clone())),
            a.clock.clone(),
        ));
        let courses = CourseService::new(
            CoursePorts {
                courses: course_store,
                ledger: Arc::new(SqlSeatLedger::new(db.clone())),
                room: a.room.clone(),
                gate: a.seat_gate.clone(),
                gateway: a.gateway.clone(),
                coupons: coupons.clone(),
                clock: a.clock.clone(),
            },
            CourseConfig {
                hold: seconds(s.course.hold_seconds),
                default_admission_rate: s.course.admission_rate_per_sec,
                token_ttl: seconds(s.course.admission_token_ttl_secs),
                max_poll_secs: u64::from(s.course.max_poll_secs),
                ..CourseConfig::default()
            },
            a.jwt_secret.expose_secret().as_bytes(),
        );
        let market = cercat_market::MarketService::new(
            cercat_market::MarketPorts {
                products,
                orders: Arc::new(cercat_database::SqlOrderLedger::new(db.clone())),
                views: a.views.clone(),
                gateway: a.gateway.clone(),
                coupons: coupons.clone(),
                storage: a.storage.clone(),
                clock: a.clock.clone(),
            },
            cercat_market::MarketConfig {
                pay_within: seconds(s.market.pay_within_seconds),
                ..cercat_market::MarketConfig::default()
            },
        );
        let retry = RetryPolicy {
            attempts: s.events.retry_attempts,
            first_backoff: ms(s.events.retry_first_backoff_ms),
            max_backoff: ms(s.events.retry_max_backoff_ms),
        };
        let schedule_import = Arc::new(ScheduleImporter::new(
            certificates.clone(),
            Arc::new(cercat_database::SqlScheduleImportStore::new(db.clone())),
            a.clock.clone(),
        ));
        Self {
            schedule_feed: a.schedule_feed.clone(),
            qnet: a.qnet.clone(),
            schedule_import,
            settings: s.clone(),
            clock: a.clock.clone(),
            node: a.node.clone(),
            health: a.health.clone(),
            accounts: Arc::new(accounts),
            audit: cercat_common::audit::AuditTrail::new(Arc::new(cercat_database::SqlAuditLog::new(db.clone()))),
            boards: Arc::new(BoardService::new(
                Arc::new(SqlCertificateRepository::new(db.clone())),
                Arc::new(SqlFavoriteBoardRepository::new(db.clone())),
                a.clock.clone(),
            )),
            community: Arc::new(CommunityService::new(
                Arc::new(SqlPostRepository::new(db.clone())),
                Arc::new(SqlReviewRepository::new(db.clone())),
                a.keywords.clone(),
                a.storage.clone(),
                a.cache.clone(),
                a.clock.clone(),
                community_ports::community_neighbours(certificates.clone(), mockexams.clone(), learning.clone()),
            )),
            alarms: Arc::new(AlarmService::new(
                Arc::new(SqlAlarmRepository::new(db.clone())),
                a.broadcast.clone(),
                community_ports::certificate_names(certificates.clone()),
                a.clock.clone(),
            )),
            mockexams,
            learning,
            exam_reminders: Arc::new(ExamReminders::new(a.reminder_outbox.clone(), a.clock.clone())),
            certificates,
            courses: Arc::new(courses),
            coupons,
            first_come,
            market: Arc::new(market),
            recommendations: Arc::new(cercat_recommendation::RecommendationService::new(
                cercat_recommendation::RecommendationPorts {
                    source: Arc::new(cercat_database::SqlRecommendationSource::new(db.clone())),
                    preferences: Arc::new(cercat_database::SqlPreferenceStore::new(db.clone())),
                    models: Arc::new(cercat_database::SqlModelStore::new(db.clone())),
                    clock: a.clock.clone(),
                },
                cercat_recommendation::RecommendationConfig::default(),
            )),
            mail_dispatcher: Arc::new(MailDispatcher::new(
                a.mail_queue.clone(),
                a.mailer.clone(),
                a.clock.clone(),
                s.mail.batch_size,
            )),
            outbox_relay: Arc::new(OutboxRelay::new(
                a.outbox.clone(),
                a.publisher.clone(),
                a.lease.clone(),
                a.clock.clone(),
                a.node.clone(),
                s.outbox.batch_size,
            )),
            events: EventSource { consumer: a.consumer.clone(), dead_letters: a.dead_letters.clone(), retry },
            backlog: Arc::new(EventBacklog::new(a.outbox.clone(), a.dead_letters.clone(), a.clock.clone())),
            idempotency: a.idempotency.clone(),
            limiter: a.limiter.clone(),
            images: a.storage.clone(),
            lease: a.lease.clone(),
            job_runs: a.job_runs.clone(),
            adapters: Arc::new(a),
        }
    }

    /// The adapters under the services, for tests and benchmarks that set up or inspect state
    /// the services do not expose.
    #[cfg(feature = "test-support")]
    pub fn adapters(&self) -> &Adapters {
        &self.adapters
    }

    /// Seeds the demo data (idempotent).
    pub async fn seed_demo(&self) -> Result<seed::SeedReport, PortError> {
        seed::demo(&self.adapters.db, self.clock.now()).await
    }

    /// Seeds the demo accounts (`demo@cercat.dev` USER, `admin@cercat.dev` ADMIN) if they do
    /// not exist, and — the first time, when both are new — the demo content they made (posts
    /// with comments and likes on board 1, an open course, a coupon for the student, an open
    /// first-come event). Refused by configuration in production.
    pub async fn seed_demo_accounts(&self) -> Result<u32, UserError> {
        let mut created = 0;
        let (mut student, mut admin) = (None, None);
        for (email, password, nickname, role) in DEMO_ACCOUNTS {
            match self.accounts.create_account(email, password, nickname, *role).await {
                Ok(user) => {
                    created += 1;
                    match role {
                        Role::User => student = Some(user.id),
                        _ => admin = Some(user.id),
                    }
                    if *role == Role::User {
                        // The demo student studies for certificate 1 (the one Cercat's client hard-codes).
                        let interest = [(1, cercat_certificate::InterestPriority::High)];
                        if let Err(err) = self.certificates.replace_interests(user.id, &interest).await {
                            tracing::warn!(%err, "could not give the demo account its interest certificate");
                        }
                    }
                }
                Err(UserError::EmailTaken | UserError::NicknameTaken) => {}
                Err(err) => return Err(err),
            }
        }
        if let (Some(student), Some(admin), true) = (student, admin, self.settings.seed.demo_content) {
            // Content is a courtesy: a failure is logged, the accounts stay.
            if let Err(err) = crate::demo::content(self, student, admin).await {
                tracing::warn!(%err, "could not make the demo content");
            }
        }
        Ok(created)
    }
}

//! The composition root shared by `api`, `batch` and `admin`: given the settings, connect the
//! adapters the profile names (SQLite + in-process + local files when embedded; MySQL +
//! Redis + Kafka + GCS in production) and hand out the domain services built on them.

mod community_ports;
mod secrets;
mod shared;

use secrets::{jwt_secret, payment_gateway};
use shared::SharedAdapters;

use cercat_alarm::AlarmService;
use cercat_certificate::{BoardService, CertificateService};
use cercat_common::{
    PortError,
    broadcast::Broadcast,
    cache::Cache,
    clock::{Clock, SystemClock},
    events::{DeadLetterQueue, EventConsumer, EventPublisher, EventSource, RetryPolicy},
    health::HealthCheck,
    idempotency::IdempotencyStore,
    jobs::JobRunRepository,
    lease::LeaseLock,
    mail::{MailDispatcher, MailQueue, Mailer},
    outbox::{OutboxRelay, OutboxStore},
    ratelimit::RateLimiter,
    storage::ImageStorage,
};
use cercat_community::{CommunityService, ports::KeywordStore};
use cercat_config::{
    ExposeSecret, LogFormatSetting, PaymentGatewaySetting, Profile, SecretString, Settings, redact_url,
};
use cercat_course::{
    CourseService,
    ports::{PaymentGateway, WaitingRoom},
    service::{CourseConfig, CoursePorts},
};
use cercat_database::{
    Db, DbOptions, SqlAlarmRepository, SqlCertificateRepository, SqlCourseRepository, SqlDeadLetterQueue,
    SqlExamScheduleRepository, SqlFavoriteBoardRepository, SqlGoalRepository, SqlIdempotencyStore,
    SqlInterestRepository, SqlJobRunRepository, SqlLeaseLock, SqlMailQueue, SqlMockExamRepository, SqlOutboxStore,
    SqlPostRepository, SqlResultRepository, SqlReviewRepository, SqlSeatLedger, SqlSessionRevocations,
    SqlUserRepository, seed,
};
use cercat_embedded::{
    CachedRevocations, InProcessBus, MemoryBroadcast, MemoryCache, MemoryKeywordStore, MemoryRateLimiter,
    MemoryRefreshStore, MemoryWaitingRoom,
};
use cercat_kafka::{KafkaConsumer, KafkaDeadLetters, KafkaOptions, KafkaPublisher};
use cercat_learning::LearningService;
use cercat_mail::{DevMailbox, SmtpMailer};
use cercat_mockexam::{MockExamService, service::MockExamPorts};
use cercat_payment::{SimulatedGateway, SimulatorOptions, TossGateway, TossOptions};
use cercat_redis::{
    RedisBroadcast, RedisCache, RedisClient, RedisKeywordStore, RedisLeaseLock, RedisOptions, RedisRateLimiter,
    RedisRefreshStore, RedisSessionRevocations, RedisWaitingRoom,
};
use cercat_storage::ObjectImageStorage;
use cercat_user::{
    AccountService, AuthConfig, JwtKeys, Role, UserError,
    password::PasswordHasher,
    ports::{RefreshTokenStore, SessionRevocations},
    service::AccountPorts,
};
use std::{sync::Arc, time::Duration};

/// A dependency that could not be set up at start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start: {what}: {source}")]
pub struct BootstrapError {
    what: String,
    source: PortError,
}

fn fail(what: impl Into<String>) -> impl FnOnce(PortError) -> BootstrapError {
    let what = what.into();
    move |source| BootstrapError { what, source }
}

/// Every adapter, connected.
#[derive(Clone)]
pub struct Infrastructure {
    /// The settings they were built from.
    pub settings: Arc<Settings>,
    /// The relational database.
    pub db: Db,
    /// Shared cache.
    pub cache: Arc<dyn Cache>,
    /// Lease lock shared by every process of the deployment.
    pub lease: Arc<dyn LeaseLock>,
    /// Event bus, publishing side.
    pub publisher: Arc<dyn EventPublisher>,
    /// Event bus, consuming side.
    pub consumer: Arc<dyn EventConsumer>,
    /// Where consumer groups put what they give up on.
    pub dead_letters: Arc<dyn DeadLetterQueue>,
    /// Deployment-wide notices (alarm pushes reach the instance holding the connection).
    pub broadcast: Arc<dyn Broadcast>,
    /// Object storage for images.
    pub storage: Arc<dyn ImageStorage>,
    /// The outbox, as the relay sees it.
    pub outbox: Arc<dyn OutboxStore>,
    /// Job runs.
    pub job_runs: Arc<dyn JobRunRepository>,
    /// Refresh tokens.
    pub refresh: Arc<dyn RefreshTokenStore>,
    /// Ended sessions (never evicted before their tokens expire).
    pub revocations: Arc<dyn SessionRevocations>,
    /// Deployment-wide announcements of ended sessions (their streams close everywhere).
    pub session_ends: Arc<dyn Broadcast>,
    /// Throttling counters.
    pub limiter: Arc<dyn RateLimiter>,
    /// Search keywords (recent, autocomplete, trending).
    pub keywords: Arc<dyn KeywordStore>,
    /// Course waiting rooms.
    pub room: Arc<dyn WaitingRoom>,
    /// The payment gateway.
    pub gateway: Arc<dyn PaymentGateway>,
    /// Idempotency keys of money- and seat-moving requests.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// The mail outbox.
    pub mail_queue: Arc<dyn MailQueue>,
    /// The mail transport.
    pub mailer: Arc<dyn Mailer>,
    /// Access-token keys.
    pub jwt: JwtKeys,
    /// The secret behind them (other signers derive their keys from it).
    pub jwt_secret: SecretString,
    /// Password hashing (bounded; shared by every request of this process).
    pub hasher: PasswordHasher,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Readiness probes, one per dependency.
    pub health: Vec<Arc<dyn HealthCheck>>,
    /// This process, as named in leases and job runs (`host:pid`).
    pub node: String,
}

impl std::fmt::Debug for Infrastructure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Infrastructure").field("profile", &self.settings.profile).field("node", &self.node).finish()
    }
}

fn ms(value: u64) -> Duration {
    Duration::from_millis(value)
}

/// `u32` seconds as a `chrono` span: validated settings fit, so no fallback is needed.
fn seconds(value: u32) -> chrono::Duration {
    chrono::Duration::seconds(i64::from(value))
}

/// Loads the settings; on a bad or missing setting prints `<program>: <one line naming it>`
/// and returns the exit code (2) the program should stop with.
pub fn load_settings(program: &str) -> Result<Settings, std::process::ExitCode> {
    Settings::load().map_err(|err| {
        eprintln!("{program}: {err}");
        std::process::ExitCode::from(2)
    })
}

/// Installs logging as the settings ask: JSON in production (and for `log.format = "json"`),
/// pretty on a terminal otherwise.
pub fn init_logging(settings: &Settings) {
    use cercat_logging::LogFormat;
    let format = match (settings.log.format, settings.profile) {
        (LogFormatSetting::Json, _) | (LogFormatSetting::Auto, Profile::Production) => LogFormat::Json,
        (LogFormatSetting::Pretty, _) => LogFormat::Pretty,
        (LogFormatSetting::Auto, Profile::Embedded) => LogFormat::detect(),
    };
    cercat_logging::init(format, &settings.log.level);
}

/// The demo accounts seeded in embedded mode: (email, password, nickname, role).
pub const DEMO_ACCOUNTS: &[(&str, &str, &str, Role)] = &[
    ("demo@cercat.dev", "demo-pass-1234", "데모학생", Role::User),
    ("admin@cercat.dev", "admin-pass-1234", "데모관리자", Role::Admin),
];

/// `host:pid`, naming this process in leases and job runs.
pub fn node_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".to_owned());
    format!("{host}:{}", std::process::id())
}

impl Infrastructure {
    /// Connects the database (migrating it when `database.migrate_on_start`) and builds
    /// the other adapters. Redis, Kafka and GCS connect lazily: if they are down the program
    /// still starts, readiness reports them, and the features that need them degrade.
    pub async fn connect(settings: &Settings) -> Result<Self, BootstrapError> {
        // `resolve()` always fills the URL; an empty one fails to connect with its own message.
        let url = settings.database.url.as_ref().map(|u| u.expose_secret().to_owned()).unwrap_or_default();
        let db = Db::connect(&DbOptions {
            url: url.clone(),
            max_connections: settings.database.max_connections,
            connect_timeout: ms(settings.database.connect_timeout_ms),
            query_timeout: ms(settings.database.query_timeout_ms),
        })
        .await
        .map_err(fail(format!("database {}", redact_url(&url))))?;
        if settings.database.migrate_on_start {
            db.migrate_up().await.map_err(fail("migrating the database"))?;
        }

        let public_base = settings
            .storage
            .public_base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}/objects", settings.server_address()));
        let storage_url = settings.storage.url.clone().unwrap_or_default();
        let storage = Arc::new(
            ObjectImageStorage::from_url(&storage_url, &public_base, ms(settings.storage.timeout_ms))
                .map_err(fail(format!("object storage {storage_url}")))?,
        );

        let mut health: Vec<Arc<dyn HealthCheck>> = vec![Arc::new(db.clone()), storage.clone()];
        let shared = match settings.profile {
            Profile::Embedded => SharedAdapters::embedded(&db),
            Profile::Production => SharedAdapters::production(settings, &mut health)?,
        };

        let mailer: Arc<dyn Mailer> = match &settings.mail.smtp_url {
            Some(url) => Arc::new(
                SmtpMailer::new(url.expose_secret(), &settings.mail.from, ms(settings.mail.timeout_ms))
                    .map_err(fail("SMTP"))?,
            ),
            None => {
                Arc::new(DevMailbox::new(settings.data_dir.join("mail"), &settings.mail.from).map_err(fail("mailbox"))?)
            }
        };
        let secret = jwt_secret(settings).map_err(fail("the JWT secret"))?;
        let gateway = payment_gateway(settings, &secret).map_err(fail("the payment gateway"))?;
        let jwt = JwtKeys::new(
            secret.expose_secret().as_bytes(),
            &settings.auth.issuer,
            &settings.auth.audience,
            settings.auth.access_ttl_secs,
        );

        Ok(Self {
            settings: Arc::new(settings.clone()),
            mail_queue: Arc::new(SqlMailQueue::new(db.clone())),
            mailer,
            jwt,
            jwt_secret: secret,
            hasher: PasswordHasher::new(settings.auth.hash_concurrency),
            refresh: shared.refresh,
            revocations: shared.revocations,
            session_ends: shared.session_ends,
            limiter: shared.limiter,
            keywords: shared.keywords,
            room: shared.room,
            gateway,
            idempotency: Arc::new(SqlIdempotencyStore::new(db.clone())),
            outbox: Arc::new(SqlOutboxStore::new(db.clone())),
            job_runs: Arc::new(SqlJobRunRepository::new(db.clone())),
            db,
            cache: shared.cache,
            lease: shared.lease,
            publisher: shared.publisher,
            consumer: shared.consumer,
            dead_letters: shared.dead_letters,
            broadcast: shared.broadcast,
            storage,
            clock: Arc::new(SystemClock),
            health,
            node: node_name(),
        })
    }

    /// Seeds the demo data (idempotent).
    pub async fn seed_demo(&self) -> Result<seed::SeedReport, PortError> {
        seed::demo(&self.db, self.clock.now()).await
    }

    /// The certificate service.
    pub fn certificate_service(&self) -> CertificateService {
        CertificateService::new(
            Arc::new(SqlCertificateRepository::new(self.db.clone())),
            Arc::new(SqlExamScheduleRepository::new(self.db.clone())),
            self.cache.clone(),
            self.clock.clone(),
        )
        .with_interests(Arc::new(SqlInterestRepository::new(self.db.clone())))
    }

    /// Boards and favourites.
    pub fn board_service(&self) -> BoardService {
        BoardService::new(
            Arc::new(SqlCertificateRepository::new(self.db.clone())),
            Arc::new(SqlFavoriteBoardRepository::new(self.db.clone())),
            self.clock.clone(),
        )
    }

    /// The mock-exam service, over `certificates` (shared so its cache serves both).
    pub fn mockexam_service(&self, certificates: Arc<CertificateService>) -> MockExamService {
        MockExamService::new(MockExamPorts {
            exams: Arc::new(SqlMockExamRepository::new(self.db.clone())),
            results: Arc::new(SqlResultRepository::new(self.db.clone())),
            certificates,
            cache: self.cache.clone(),
            storage: self.storage.clone(),
            clock: self.clock.clone(),
        })
    }

    /// The community service.
    pub fn community_service(&self) -> CommunityService {
        let certificates = Arc::new(self.certificate_service());
        let mockexams = Arc::new(self.mockexam_service(certificates.clone()));
        let learning = Arc::new(self.learning_service(certificates.clone()));
        CommunityService::new(
            Arc::new(SqlPostRepository::new(self.db.clone())),
            Arc::new(SqlReviewRepository::new(self.db.clone())),
            self.keywords.clone(),
            self.storage.clone(),
            self.cache.clone(),
            self.clock.clone(),
            community_ports::community_neighbours(certificates, mockexams, learning),
        )
    }

    /// The alarm service.
    pub fn alarm_service(&self) -> AlarmService {
        AlarmService::new(
            Arc::new(SqlAlarmRepository::new(self.db.clone())),
            self.broadcast.clone(),
            community_ports::certificate_names(Arc::new(self.certificate_service())),
            self.clock.clone(),
        )
    }

    /// The course service.
    pub fn course_service(&self) -> CourseService {
        let c = &self.settings.course;
        CourseService::new(
            CoursePorts {
                courses: Arc::new(SqlCourseRepository::new(self.db.clone())),
                ledger: Arc::new(SqlSeatLedger::new(self.db.clone())),
                room: self.room.clone(),
                gateway: self.gateway.clone(),
                clock: self.clock.clone(),
            },
            CourseConfig {
                hold: seconds(c.hold_seconds),
                default_admission_rate: c.admission_rate_per_sec,
                token_ttl: seconds(c.admission_token_ttl_secs),
                max_poll_secs: u64::from(c.max_poll_secs),
            },
            self.jwt_secret.expose_secret().as_bytes(),
        )
    }

    /// The learning service.
    pub fn learning_service(&self, certificates: Arc<CertificateService>) -> LearningService {
        LearningService::new(
            Arc::new(SqlGoalRepository::new(self.db.clone())),
            Arc::new(SqlResultRepository::new(self.db.clone())),
            certificates,
            self.clock.clone(),
        )
    }

    /// The account service.
    pub fn account_service(&self) -> AccountService {
        let users = Arc::new(SqlUserRepository::new(self.db.clone()));
        AccountService::new(
            AccountPorts {
                users: users.clone(),
                codes: users,
                refresh: self.refresh.clone(),
                limiter: self.limiter.clone(),
                revocations: self.revocations.clone(),
                session_ends: self.session_ends.clone(),
                storage: self.storage.clone(),
                clock: self.clock.clone(),
            },
            self.hasher.clone(),
            self.jwt.clone(),
            AuthConfig {
                refresh_ttl: Duration::from_secs(self.settings.auth.refresh_ttl_secs),
                refresh_grace: Duration::from_secs(self.settings.auth.refresh_grace_secs),
                code_ttl: Duration::from_secs(self.settings.auth.code_ttl_secs),
                recovery_window: chrono::Duration::days(i64::from(self.settings.auth.recovery_window_days)),
                // The 5 MiB image cap is the product's rule for every image, not a setting.
                ..AuthConfig::default()
            },
        )
    }

    /// The mail dispatcher.
    pub fn mail_dispatcher(&self) -> MailDispatcher {
        MailDispatcher::new(
            self.mail_queue.clone(),
            self.mailer.clone(),
            self.clock.clone(),
            self.settings.mail.batch_size,
        )
    }

    /// Seeds the demo accounts (`demo@cercat.dev` USER, `admin@cercat.dev` ADMIN) if they do
    /// not exist. Refused by configuration in production.
    pub async fn seed_demo_accounts(&self) -> Result<u32, UserError> {
        let accounts = self.account_service();
        let mut created = 0;
        for (email, password, nickname, role) in DEMO_ACCOUNTS {
            match accounts.create_account(email, password, nickname, *role).await {
                Ok(user) => {
                    created += 1;
                    if *role == Role::User {
                        // The demo student studies for certificate 1 (the one Cercat's client hard-codes).
                        let interest = [(1, cercat_certificate::InterestPriority::High)];
                        if let Err(err) = self.certificate_service().replace_interests(user.id, &interest).await {
                            tracing::warn!(%err, "could not give the demo account its interest certificate");
                        }
                    }
                }
                Err(UserError::EmailTaken | UserError::NicknameTaken) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(created)
    }

    /// What consumer groups read from: the bus, the dead-letter queue, the retry policy.
    pub fn event_source(&self) -> EventSource {
        EventSource {
            consumer: self.consumer.clone(),
            dead_letters: self.dead_letters.clone(),
            retry: RetryPolicy {
                attempts: self.settings.events.retry_attempts,
                first_backoff: ms(self.settings.events.retry_first_backoff_ms),
                max_backoff: ms(self.settings.events.retry_max_backoff_ms),
            },
        }
    }

    /// The outbox relay, publishing to this deployment's bus.
    pub fn outbox_relay(&self) -> OutboxRelay {
        OutboxRelay::new(
            self.outbox.clone(),
            self.publisher.clone(),
            self.lease.clone(),
            self.clock.clone(),
            self.node.clone(),
            self.settings.outbox.batch_size,
        )
    }
}

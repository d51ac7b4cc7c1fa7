//! The adapters, connected: the database, storage and mail every profile has, plus the ones
//! the profile picks ([`profile`]). Private to the composition root: programs get the services
//! built on them ([`crate::Services`]); tests and benchmarks may reach them through the
//! `test-support` feature to set up or inspect state below the services.

mod profile;

use std::sync::Arc;

use cercat_alarm::ReminderOutbox;
use cercat_certificate::ports::ExamScheduleFeed;
use cercat_common::{
    broadcast::Broadcast,
    cache::Cache,
    clock::{Clock, SystemClock},
    events::{DeadLetterQueue, EventConsumer, EventPublisher},
    health::HealthCheck,
    idempotency::IdempotencyStore,
    jobs::JobRunRepository,
    lease::LeaseLock,
    mail::{MailQueue, Mailer},
    outbox::OutboxStore,
    ratelimit::RateLimiter,
    storage::ImageStorage,
};
use cercat_community::ports::KeywordStore;
use cercat_config::{ExposeSecret, Profile, SecretString, Settings, redact_url};
use cercat_course::ports::{PaymentGateway, WaitingRoom};
use cercat_database::{Db, DbOptions, SqlIdempotencyStore, SqlJobRunRepository, SqlMailQueue, SqlOutboxStore};
use cercat_mail::{DevMailbox, SmtpMailer};
use cercat_storage::ObjectImageStorage;
use cercat_user::{
    JwtKeys,
    password::PasswordHasher,
    ports::{IdentityProviders, RefreshTokenStore, SessionRevocations},
};

use crate::{
    BootstrapError, fail, ms, node_name, outbound,
    secrets::{jwt_secret, payment_gateway},
};
use profile::ProfileAdapters;

/// Every adapter, connected.
#[derive(Clone)]
pub struct Adapters {
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
    /// Deployment-wide alarm notices (a push reaches the instance holding the connection).
    pub broadcast: Arc<dyn Broadcast>,
    /// Object storage for images.
    pub storage: Arc<dyn ImageStorage>,
    /// The outbox, as the relay sees it.
    pub outbox: Arc<dyn OutboxStore>,
    /// The outbox, for events that belong to no other write (the exam reminders).
    pub reminder_outbox: Arc<dyn ReminderOutbox>,
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
    /// The seat gate in front of the seat ledger.
    pub seat_gate: Arc<dyn cercat_course::gate::SeatGate>,
    /// The gate in front of first-come coupon claims.
    pub claim_gate: Arc<dyn cercat_coupon::first_come::ClaimGate>,
    /// Daily distinct product views, until flushed (Redis in production, in-process embedded).
    pub views: Arc<dyn cercat_market::ports::ViewCounter>,
    /// The payment gateway.
    pub gateway: Arc<dyn PaymentGateway>,
    /// The OAuth2 identity providers.
    pub identity_providers: Arc<dyn IdentityProviders>,
    /// The public-data exam-schedule feed.
    pub schedule_feed: Arc<dyn ExamScheduleFeed>,
    /// Q-Net's exam-schedule API, when `batch.qnet_service_key` is set.
    pub qnet: Option<Arc<dyn cercat_certificate::ports::QnetScheduleApi>>,
    /// Idempotency keys of money- and seat-moving requests.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// The mail outbox.
    pub mail_queue: Arc<dyn MailQueue>,
    /// The mail transport.
    pub mailer: Arc<dyn Mailer>,
    /// Access-token keys.
    pub jwt: JwtKeys,
    /// The secret behind them (other signers — OAuth states, admission tokens, simulated
    /// webhooks — derive their keys from it).
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

impl std::fmt::Debug for Adapters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Adapters").field("profile", &self.settings.profile).field("node", &self.node).finish()
    }
}

impl Adapters {
    /// Connects the database (migrating it when `database.migrate_on_start`) and builds
    /// the other adapters. Redis, Kafka and GCS connect lazily: if they are down the program
    /// still starts, readiness reports them, and the features that need them degrade.
    pub(crate) async fn connect(settings: &Settings) -> Result<Self, BootstrapError> {
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
        let by_profile = match settings.profile {
            Profile::Embedded => ProfileAdapters::embedded(&db),
            Profile::Production => ProfileAdapters::production(settings, &mut health)?,
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
        let identity_providers = outbound::identity_providers(settings).map_err(fail("the OAuth providers"))?;
        let qnet = outbound::qnet(settings, &db).map_err(fail("the Q-Net client"))?;
        let jwt = JwtKeys::new(
            secret.expose_secret().as_bytes(),
            &settings.auth.issuer,
            &settings.auth.audience,
            settings.auth.access_ttl_secs,
        );

        let outbox = Arc::new(SqlOutboxStore::new(db.clone()));
        Ok(Self {
            settings: Arc::new(settings.clone()),
            mail_queue: Arc::new(SqlMailQueue::new(db.clone())),
            mailer,
            jwt,
            jwt_secret: secret,
            hasher: PasswordHasher::new(settings.auth.hash_concurrency),
            refresh: by_profile.refresh,
            revocations: by_profile.revocations,
            session_ends: by_profile.session_ends,
            limiter: by_profile.limiter,
            keywords: by_profile.keywords,
            room: by_profile.room,
            seat_gate: by_profile.seat_gate,
            claim_gate: by_profile.claim_gate,
            views: by_profile.views,
            gateway,
            identity_providers,
            schedule_feed: outbound::schedule_feed(settings),
            qnet,
            idempotency: Arc::new(SqlIdempotencyStore::new(db.clone())),
            outbox: outbox.clone(),
            reminder_outbox: outbox,
            job_runs: Arc::new(SqlJobRunRepository::new(db.clone())),
            db,
            cache: by_profile.cache,
            lease: by_profile.lease,
            publisher: by_profile.publisher,
            consumer: by_profile.consumer,
            dead_letters: by_profile.dead_letters,
            broadcast: by_profile.broadcast,
            storage,
            clock: Arc::new(SystemClock),
            health,
            node: node_name(),
        })
    }
}

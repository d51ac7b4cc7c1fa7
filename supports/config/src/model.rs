//! The settings tree: the root and the profile here, one file per section under `model/`.
//! Every field has a default for each profile (see [`Settings::defaults`]).
//!
//! Secrets (database, Redis and SMTP URLs, the JWT secret, payment and OAuth credentials, the
//! Q-Net service key) are
//! [`SecretString`](secrecy::SecretString)s: every section derives `Debug`, and secrecy prints
//! them as `[REDACTED]`, so no hand-written `Debug` can forget one. They are skipped when
//! settings are serialized (which only happens to seed figment with the defaults, none of which
//! holds a secret).

mod auth;
mod batch;
mod cors;
mod course;
mod database;
mod jobs;
mod kafka;
mod limits;
mod log;
mod mail;
mod market;
mod oauth;
mod outbox;
mod payment;
mod redis;
mod server;
mod sse;
mod storage;

pub use auth::AuthSettings;
pub use batch::{BatchSettings, QNET_SOURCE, QnetFormat, SeedSettings};
pub use cors::CorsSettings;
pub use course::CourseSettings;
pub use database::DatabaseSettings;
pub use jobs::JobsSettings;
pub use kafka::KafkaSettings;
pub use limits::LimitSettings;
pub use log::{LogFormatSetting, LogSettings};
pub use mail::MailSettings;
pub use market::MarketSettings;
pub use oauth::{OAuthProvider, OAuthSettings};
pub use outbox::{EventSettings, OutboxSettings};
pub use payment::{PaymentGatewaySetting, PaymentSettings};
pub use redis::RedisSettings;
pub use server::ServerSettings;
pub use sse::SseSettings;
pub use storage::StorageSettings;

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Which adapters the programs plug in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// No servers: SQLite, in-process cache/locks/bus, local files. The default.
    Embedded,
    /// MySQL/MariaDB, Redis, Kafka and GCS (or any object_store URL).
    Production,
}

impl Profile {
    /// Parses `embedded` / `production` (case-insensitive).
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "embedded" => Some(Self::Embedded),
            "production" => Some(Self::Production),
            _ => None,
        }
    }

    /// The lowercase name, as in `config/<name>.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Embedded => "embedded",
            Self::Production => "production",
        }
    }
}

/// All settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The profile these settings were loaded for.
    pub profile: Profile,
    /// Where embedded mode keeps its database, objects and mail (`CERCAT__DATA_DIR`).
    pub data_dir: PathBuf,
    /// The api's listener (`CERCAT__SERVER__HOST` / `CERCAT__SERVER__PORT`).
    pub server: ServerSettings,
    /// The admin program's listener (default port 8090).
    pub admin: ServerSettings,
    /// The relational database.
    pub database: DatabaseSettings,
    /// Redis (production).
    pub redis: RedisSettings,
    /// Kafka (production).
    pub kafka: KafkaSettings,
    /// Object storage for images.
    pub storage: StorageSettings,
    /// Browser origins allowed to call the API with credentials.
    pub cors: CorsSettings,
    /// How much the programs log, and in which format.
    pub log: LogSettings,
    /// The transactional outbox relay.
    pub outbox: OutboxSettings,
    /// How consumer groups retry failed events before dead-lettering them.
    #[serde(default)]
    pub events: EventSettings,
    /// Batch jobs.
    pub batch: BatchSettings,
    /// Where the scheduled jobs and the continuous workers run.
    pub jobs: JobsSettings,
    /// Demo data.
    pub seed: SeedSettings,
    /// Identity: tokens, hashing, client redirects.
    pub auth: AuthSettings,
    /// Outgoing mail.
    pub mail: MailSettings,
    /// OAuth2 sign-in providers.
    pub oauth: OAuthSettings,
    /// Server-sent alarm streams.
    pub sse: SseSettings,
    /// Prep-course enrollment: holds, the waiting room, the sweep.
    pub course: CourseSettings,
    /// The study-material market: how long an order reserves its product.
    #[serde(default)]
    pub market: MarketSettings,
    /// The payment gateway.
    pub payment: PaymentSettings,
    /// How slowly and how much a client may send: body read bounds and upload caps.
    pub limits: LimitSettings,
}

impl Settings {
    /// Built-in defaults of `profile` (before files and env).
    pub fn defaults(profile: Profile) -> Self {
        Self {
            profile,
            data_dir: PathBuf::from("data"),
            server: ServerSettings::api_defaults(),
            admin: ServerSettings::admin_defaults(),
            database: DatabaseSettings::defaults(profile),
            redis: RedisSettings::default(),
            kafka: KafkaSettings::default(),
            storage: StorageSettings::default(),
            cors: CorsSettings::defaults(profile),
            log: LogSettings::default(),
            outbox: OutboxSettings::default(),
            events: EventSettings::default(),
            batch: BatchSettings::default(),
            jobs: JobsSettings::defaults(profile),
            seed: SeedSettings::defaults(profile),
            auth: AuthSettings::defaults(profile),
            mail: MailSettings::default(),
            oauth: OAuthSettings::default(),
            sse: SseSettings::default(),
            course: CourseSettings::default(),
            market: MarketSettings::default(),
            payment: PaymentSettings::defaults(profile),
            limits: LimitSettings::default(),
        }
    }

    /// `host:port` of the api listener.
    pub fn server_address(&self) -> String {
        format!("{}:{}", self.server.host, self.server.port)
    }
}

/// Hides the password of a `scheme://user:pass@host` URL, for messages that name a server.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

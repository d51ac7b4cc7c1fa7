//! The settings tree. Every field has a default for each profile (see [`Settings::defaults`]).

use serde::{Deserialize, Deserializer, Serialize};
use std::{collections::BTreeMap, fmt, path::PathBuf};

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
#[derive(Clone, Serialize, Deserialize, PartialEq)]
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
    /// Logging.
    pub log: LogSettings,
    /// The transactional outbox relay.
    pub outbox: OutboxSettings,
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
    /// The payment gateway.
    pub payment: PaymentSettings,
    /// How slowly and how much a client may send: body read bounds and upload caps.
    pub limits: LimitSettings,
}

/// Bounds on what one client can make the api hold: slow bodies and image uploads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    /// A request body must arrive within this many seconds of its headers (408 beyond). This
    /// is what stops a trickle of one byte every few seconds; `actix`'s own client timeout only
    /// covers the headers.
    pub body_read_timeout_secs: u64,
    /// Longest pause between two pieces of a body, in seconds (408 beyond).
    pub body_idle_timeout_secs: u64,
    /// Largest multipart (upload) request, in bytes, parts and boundaries included (413 beyond).
    pub upload_max_body_bytes: usize,
    /// Multipart requests read at once by one api instance; more get 503 with `Retry-After`.
    pub upload_max_concurrent: usize,
    /// Images one user may upload in 24 hours (the window starts at the first); beyond, 429
    /// `UPL_001` with `Retry-After`.
    pub upload_daily_files_per_user: u32,
}

/// Prep-course enrollment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CourseSettings {
    /// How long a seat hold waits for its payment, seconds (default 1800: 30 minutes).
    pub hold_seconds: u64,
    /// People a waiting room admits per second when the course sets no rate.
    pub admission_rate_per_sec: u32,
    /// How long an admission token is accepted, seconds.
    pub admission_token_ttl_secs: u64,
    /// Pause between admitter passes (each api instance runs one; the room meters the rate).
    pub admitter_interval_ms: u64,
    /// How long idempotency keys and their responses are kept, hours (at least 24).
    pub idempotency_retention_hours: u64,
}

/// Which payment gateway adapter to use.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PaymentGatewaySetting {
    /// In-process simulator (embedded mode, local runs).
    Simulator,
    /// Toss Payments' HTTP API.
    Toss,
}

/// The payment gateway.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PaymentSettings {
    /// `simulator` or `toss`.
    pub gateway: PaymentGatewaySetting,
    /// Toss API base URL.
    pub toss_base_url: String,
    /// Toss secret key (`test_sk_…`/`live_sk_…`); required with `gateway = "toss"`.
    pub toss_secret_key: Option<String>,
    /// Secret that signs webhooks; required with `gateway = "toss"`.
    pub webhook_secret: Option<String>,
    /// Upper bound on each gateway call.
    pub timeout_ms: u64,
    /// Simulator: delay of each call.
    pub simulator_latency_ms: u64,
    /// Simulator: percentage of confirms declined (0–100).
    pub simulator_failure_percent: u32,
}

impl std::fmt::Debug for PaymentSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentSettings")
            .field("gateway", &self.gateway)
            .field("toss_base_url", &self.toss_base_url)
            .field("timeout_ms", &self.timeout_ms)
            .finish_non_exhaustive()
    }
}

/// Server-sent event streams (`/alarm-api/v2/alarms/subscribe`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SseSettings {
    /// Seconds between heartbeat comments (Cercat's client gives up after 45 s of silence).
    pub heartbeat_secs: u64,
    /// Open streams per user on one instance; a new one beyond it closes that user's oldest.
    pub max_per_user: usize,
    /// Open streams on one instance; beyond it new ones get 503 with `Retry-After`.
    pub max_connections: usize,
}

/// OAuth2 authorization-code sign-in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OAuthSettings {
    /// The api's public base URL; callbacks are `<base>/login/oauth2/code/<provider>`.
    pub redirect_base_url: String,
    /// Upper bound on each call to a provider.
    pub timeout_ms: u64,
    /// `kakao`, `google`, `apple` → endpoints and credentials. Unconfigured providers answer 404.
    pub providers: BTreeMap<String, OAuthProvider>,
}

/// One provider's endpoints and credentials.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OAuthProvider {
    /// Client id.
    pub client_id: String,
    /// Client secret (for Apple: the ES256 client-secret JWT you generate, valid ≤ 6 months).
    pub client_secret: String,
    /// Authorization endpoint.
    pub authorize_url: String,
    /// Token endpoint.
    pub token_url: String,
    /// User-info endpoint; without one the `id_token` from the token response is read.
    pub userinfo_url: Option<String>,
    /// Space-separated scopes.
    pub scope: String,
    /// JSON pointer to the stable user id in the user info / id token (`/id` for Kakao, `/sub` otherwise).
    pub subject_pointer: String,
    /// JSON pointer to the email, if the provider shares one.
    pub email_pointer: String,
    /// JSON pointer to the provider's "this email is verified" flag (`true` or `"true"`), e.g.
    /// `/kakao_account/is_email_verified` (Kakao) or `/email_verified` (Google, Apple). The
    /// email is adopted only when the flag is true; without a pointer it never is.
    #[serde(default)]
    pub email_verified_pointer: Option<String>,
}

impl fmt::Debug for OAuthProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthProvider")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("authorize_url", &self.authorize_url)
            .field("token_url", &self.token_url)
            .field("userinfo_url", &self.userinfo_url)
            .finish()
    }
}

/// Identity settings.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// HMAC secret for access tokens (≥ 32 characters). Required in production; embedded mode
    /// generates one in `data_dir/secrets/jwt.key` on first start.
    pub jwt_secret: Option<String>,
    /// `iss` of access tokens.
    pub issuer: String,
    /// `aud` of access tokens.
    pub audience: String,
    /// Access-token lifetime, at most 900 s.
    pub access_ttl_secs: u64,
    /// Refresh-token lifetime.
    pub refresh_ttl_secs: u64,
    /// How long a spent refresh token still answers with the same successor pair (0..=30 s),
    /// so a page's concurrent 401-retries do not look like a stolen token.
    #[serde(default = "default_refresh_grace")]
    pub refresh_grace_secs: u64,
    /// Password hashes computed at once (each takes ~19 MiB and one core for ~50 ms).
    pub hash_concurrency: usize,
    /// Where OAuth sign-ins land (`<client_url>/home` or `/onboarding`).
    pub client_url: String,
    /// Seed the demo accounts (embedded default; production refuses it).
    pub demo_accounts: bool,
}

/// Outgoing mail.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// `smtp://user:pass@host:587?tls=required` or `smtps://…`; required in production.
    /// Embedded mode writes mails under `data_dir/mail/` instead.
    pub smtp_url: Option<String>,
    /// Sender, e.g. `Cercat <no-reply@cercat.dev>`.
    pub from: String,
    /// Upper bound on one SMTP send.
    pub timeout_ms: u64,
    /// Pause between dispatch passes.
    pub poll_interval_ms: u64,
}

/// A listener address.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Interface to bind, e.g. `127.0.0.1` or `0.0.0.0`.
    pub host: String,
    /// TCP port; 0 picks a free one.
    pub port: u16,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// Largest JSON body accepted, in bytes.
    pub json_limit_bytes: usize,
    /// Behind a reverse proxy: take the client IP from `X-Forwarded-For` — its rightmost hop
    /// that is not one of `trusted_proxies`, and only when the peer itself is trusted.
    pub behind_proxy: bool,
    /// The proxies (CIDRs, e.g. `10.0.0.0/8`, `127.0.0.1/32`) whose `X-Forwarded-For` hops are
    /// believed; required with `behind_proxy`.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

/// The relational database.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `mysql://user:pass@host:3306/db` or `sqlite://path?mode=rwc`; embedded defaults under `data_dir`.
    pub url: Option<String>,
    /// Pool size.
    pub max_connections: u32,
    /// Time to open a connection or wait for a pooled one.
    pub connect_timeout_ms: u64,
    /// Upper bound on any single query or transaction.
    pub query_timeout_ms: u64,
    /// Apply pending migrations at start (always true in embedded mode).
    pub migrate_on_start: bool,
}

/// Redis.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://host:6379/0`; required in production.
    pub url: Option<String>,
    /// Pool size.
    pub pool_size: usize,
    /// Upper bound on getting a connection plus one command.
    pub timeout_ms: u64,
    /// Prefix of every key, so several deployments can share a server.
    pub key_prefix: String,
}

/// Kafka.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KafkaSettings {
    /// `host:9092,host2:9092`; required in production.
    pub brokers: Option<String>,
    /// Prefix of every topic name.
    pub topic_prefix: String,
    /// `client.id` sent to the brokers.
    pub client_id: String,
    /// Upper bound on one publish (until the broker acknowledges) or one metadata call.
    pub timeout_ms: u64,
}

/// Object storage.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    /// `gs://bucket/prefix`, `file:///abs/dir` or `memory://`; embedded defaults to `data_dir/objects`.
    pub url: Option<String>,
    /// Base URL clients load objects from (e.g. `https://storage.googleapis.com/bucket`);
    /// defaults to the api's own `/objects` route.
    pub public_base_url: Option<String>,
    /// Upper bound on one object operation.
    pub timeout_ms: u64,
}

/// CORS.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CorsSettings {
    /// Exact origins (`https://cercat.o-r.kr`, `http://localhost:3000`); a comma-separated string is accepted.
    #[serde(deserialize_with = "list_or_csv")]
    pub allowed_origins: Vec<String>,
}

/// Logging.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `EnvFilter` directive; `RUST_LOG` overrides it.
    pub level: String,
    /// `auto` (pretty on a terminal, JSON otherwise), `pretty` or `json`.
    pub format: LogFormatSetting,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormatSetting {
    /// Pretty on a terminal, JSON otherwise.
    Auto,
    /// Always human-readable.
    Pretty,
    /// Always JSON lines.
    Json,
}

/// The outbox relay.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OutboxSettings {
    /// Longest pause between relay passes when the outbox is empty. Events written by this
    /// process wake its relay at once; the poll finds other processes' events and due retries.
    pub poll_interval_ms: u64,
    /// Events per pass.
    pub batch_size: u32,
}

/// Batch jobs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BatchSettings {
    /// The public-data feed (file path or http(s) URL) `exam-schedule-import` reads when scheduled.
    pub exam_schedule_source: Option<String>,
    /// Upper bound on downloading the feed.
    pub http_timeout_ms: u64,
}

/// Where the jobs run. `cercat-batch serve` always runs both kinds; these settings say whether
/// the api process runs them too (embedded mode, where no `cercat-batch` runs, says yes).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct JobsSettings {
    /// Run the scheduled jobs (trending, course-holds sweep, exam alarms, purges, the feed
    /// import) inside the api on their schedules, under the same leases and with the same
    /// recorded runs as `cercat-batch serve`.
    pub in_process: bool,
    /// Run the continuous workers — the outbox relay and the mail dispatcher — inside the api.
    /// Separate from `in_process` because, unlike cron jobs, a relay in the process that
    /// writes the events is woken by the write itself: production may turn this on for the
    /// lowest alarm latency while the scheduled jobs stay in `cercat-batch`.
    pub workers_in_process: bool,
    /// Per-job cron overrides (seconds field first, Asia/Seoul), e.g.
    /// `course-holds-sweep = "*/15 * * * * *"`; `"off"` unschedules a job. Jobs not named keep
    /// their own schedule.
    #[serde(default)]
    pub schedules: BTreeMap<String, String>,
}

/// Demo data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SeedSettings {
    /// Seed the demo certificates and schedules at api start (idempotent; embedded default).
    pub demo_on_start: bool,
}

fn default_refresh_grace() -> u64 {
    20
}

impl Settings {
    /// Built-in defaults of `profile` (before files and env).
    pub fn defaults(profile: Profile) -> Self {
        let embedded = profile == Profile::Embedded;
        Self {
            profile,
            data_dir: PathBuf::from("data"),
            server: ServerSettings {
                host: "127.0.0.1".into(),
                port: 8080,
                workers: 0,
                json_limit_bytes: 256 * 1024,
                behind_proxy: false,
                trusted_proxies: Vec::new(),
            },
            admin: ServerSettings {
                host: "127.0.0.1".into(),
                port: 8090,
                workers: 1,
                json_limit_bytes: 4 * 1024 * 1024,
                behind_proxy: false,
                trusted_proxies: Vec::new(),
            },
            database: DatabaseSettings {
                url: None,
                max_connections: if embedded { 4 } else { 16 },
                connect_timeout_ms: 3_000,
                query_timeout_ms: 5_000,
                migrate_on_start: embedded,
            },
            redis: RedisSettings { url: None, pool_size: 32, timeout_ms: 500, key_prefix: "cercat:".into() },
            kafka: KafkaSettings {
                brokers: None,
                topic_prefix: "cercat.".into(),
                client_id: "cercat".into(),
                timeout_ms: 5_000,
            },
            storage: StorageSettings { url: None, public_base_url: None, timeout_ms: 10_000 },
            cors: CorsSettings {
                allowed_origins: if embedded { vec!["http://localhost:3000".into()] } else { Vec::new() },
            },
            log: LogSettings { level: "info,sqlx=warn,sea_orm=warn".into(), format: LogFormatSetting::Auto },
            outbox: OutboxSettings { poll_interval_ms: 200, batch_size: 100 },
            jobs: JobsSettings { in_process: embedded, workers_in_process: embedded, schedules: BTreeMap::new() },
            batch: BatchSettings { exam_schedule_source: None, http_timeout_ms: 30_000 },
            sse: SseSettings { heartbeat_secs: 20, max_per_user: 5, max_connections: 10_000 },
            course: CourseSettings {
                hold_seconds: 1800,
                admission_rate_per_sec: 50,
                admission_token_ttl_secs: 120,
                admitter_interval_ms: 200,
                idempotency_retention_hours: 48,
            },
            payment: PaymentSettings {
                gateway: if embedded { PaymentGatewaySetting::Simulator } else { PaymentGatewaySetting::Toss },
                toss_base_url: "https://api.tosspayments.com".into(),
                toss_secret_key: None,
                webhook_secret: None,
                timeout_ms: 10_000,
                simulator_latency_ms: 50,
                simulator_failure_percent: 0,
            },
            seed: SeedSettings { demo_on_start: embedded },
            limits: LimitSettings {
                body_read_timeout_secs: 60,
                body_idle_timeout_secs: 10,
                // Five 5 MiB images plus the JSON part and boundaries.
                upload_max_body_bytes: 26 * 1024 * 1024,
                upload_max_concurrent: 4,
                upload_daily_files_per_user: 200,
            },
            auth: AuthSettings {
                jwt_secret: None,
                issuer: "cercat".into(),
                audience: "cercat-client".into(),
                access_ttl_secs: 900,
                refresh_ttl_secs: 14 * 24 * 3600,
                refresh_grace_secs: default_refresh_grace(),
                hash_concurrency: 2,
                client_url: "http://localhost:3000".into(),
                demo_accounts: embedded,
            },
            mail: MailSettings {
                smtp_url: None,
                from: "Cercat <no-reply@cercat.dev>".into(),
                timeout_ms: 10_000,
                poll_interval_ms: 2_000,
            },
            oauth: OAuthSettings {
                redirect_base_url: "http://127.0.0.1:8080".into(),
                timeout_ms: 5_000,
                providers: BTreeMap::new(),
            },
        }
    }

    /// `host:port` of the api listener.
    pub fn server_address(&self) -> String {
        format!("{}:{}", self.server.host, self.server.port)
    }
}

/// Hides the password of a `scheme://user:pass@host` URL.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &self.url.as_deref().map(redact_url))
            .field("max_connections", &self.max_connections)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("query_timeout_ms", &self.query_timeout_ms)
            .field("migrate_on_start", &self.migrate_on_start)
            .finish()
    }
}

impl fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &self.url.as_deref().map(redact_url))
            .field("pool_size", &self.pool_size)
            .field("timeout_ms", &self.timeout_ms)
            .field("key_prefix", &self.key_prefix)
            .finish()
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("profile", &self.profile)
            .field("data_dir", &self.data_dir)
            .field("server", &self.server)
            .field("admin", &self.admin)
            .field("database", &self.database)
            .field("redis", &self.redis)
            .field("kafka", &self.kafka)
            .field("storage", &self.storage)
            .field("cors", &self.cors)
            .field("log", &self.log)
            .field("outbox", &self.outbox)
            .field("batch", &self.batch)
            .field("jobs", &self.jobs)
            .field("seed", &self.seed)
            .field("auth", &self.auth)
            .field("mail", &self.mail)
            .field("oauth", &self.oauth)
            .field("limits", &self.limits)
            .finish()
    }
}

impl fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSettings")
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "***"))
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("access_ttl_secs", &self.access_ttl_secs)
            .field("refresh_ttl_secs", &self.refresh_ttl_secs)
            .field("refresh_grace_secs", &self.refresh_grace_secs)
            .field("hash_concurrency", &self.hash_concurrency)
            .field("client_url", &self.client_url)
            .field("demo_accounts", &self.demo_accounts)
            .finish()
    }
}

impl fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("from", &self.from)
            .field("timeout_ms", &self.timeout_ms)
            .field("poll_interval_ms", &self.poll_interval_ms)
            .finish()
    }
}

fn list_or_csv<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrCsv {
        List(Vec<String>),
        Csv(String),
    }
    Ok(match ListOrCsv::deserialize(de)? {
        ListOrCsv::List(list) => list,
        ListOrCsv::Csv(csv) => csv.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
    })
}

//! `[batch]` and `[seed]`: scheduled jobs, restartable imports (chunks, skips, heartbeats),
//! the Q-Net exam-schedule API, and demo data.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::Profile;

/// The `exam_schedule_source` (and `--param source=`) naming Q-Net's API rather than a file.
pub const QNET_SOURCE: &str = "qnet";

/// What Q-Net is asked to answer in (both are read either way).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum QnetFormat {
    /// `dataFormat=json`.
    Json,
    /// `dataFormat=xml` (the service's default).
    Xml,
}

impl QnetFormat {
    /// The `dataFormat` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Xml => "xml",
        }
    }
}

/// Batch jobs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchSettings {
    /// What `exam-schedule-import` reads when scheduled: a feed (file path or http(s) URL), or
    /// `qnet` for Q-Net's API.
    pub exam_schedule_source: Option<String>,
    /// Upper bound on downloading a feed, and on each Q-Net call.
    pub http_timeout_ms: u64,
    /// Q-Net's exam-schedule list endpoint.
    pub qnet_base_url: String,
    /// The data.go.kr service key (the decoded one; sent as `serviceKey`, never logged).
    /// Never serialized.
    #[serde(default, skip_serializing)]
    pub qnet_service_key: Option<SecretString>,
    /// `json` or `xml`.
    pub qnet_format: QnetFormat,
    /// Rows asked per page (`numOfRows`); one page is one chunk and one checkpoint.
    pub qnet_page_size: u32,
    /// Calls allowed per day (Asia/Seoul), counted in the database across runs and nodes.
    pub qnet_daily_quota: u32,
    /// Attempts per call when Q-Net answers 429 or 5xx or cannot be reached.
    pub qnet_retry_attempts: u32,
    /// The first pause between attempts; it doubles each time (a `Retry-After` wins).
    pub qnet_backoff_ms: u64,
    /// Rows a file import commits per chunk (with its checkpoint).
    pub chunk_size: u32,
    /// Items an import may skip before the run fails (`--param skip-limit=N` overrides it).
    pub skip_limit: u64,
    /// How often a RUNNING run records a heartbeat.
    pub heartbeat_interval_ms: u64,
    /// A RUNNING run silent this long is marked FAILED (its process died) by the next node
    /// that starts a job, and by `cercat-batch serve` periodically.
    pub heartbeat_timeout_ms: u64,
    /// Where `cercat-batch serve` answers `GET /metrics` (the `cercat_batch_*` metrics) for
    /// Prometheus; empty: nowhere. A port already taken is logged and the node runs on.
    pub metrics_listen: String,
}

impl Default for BatchSettings {
    fn default() -> Self {
        Self {
            exam_schedule_source: None,
            http_timeout_ms: 30_000,
            qnet_base_url: "https://apis.data.go.kr/B490007/qualExamSchd/getQualExamSchdList".into(),
            qnet_service_key: None,
            qnet_format: QnetFormat::Json,
            qnet_page_size: 100,
            qnet_daily_quota: 1000,
            qnet_retry_attempts: 5,
            qnet_backoff_ms: 1000,
            chunk_size: 100,
            skip_limit: 100,
            heartbeat_interval_ms: 15_000,
            heartbeat_timeout_ms: 120_000,
            metrics_listen: "127.0.0.1:9464".into(),
        }
    }
}

/// Demo data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SeedSettings {
    /// Seed the demo certificates and schedules at api start (idempotent; embedded default).
    pub demo_on_start: bool,
    /// When the demo accounts are first created (`auth.demo_accounts`), also make the content
    /// they wrote: posts with comments and likes on board 1, an open course, a coupon for the
    /// demo student and an open first-come coupon event (embedded default).
    #[serde(default)]
    pub demo_content: bool,
}

impl SeedSettings {
    pub(crate) fn defaults(profile: Profile) -> Self {
        let embedded = profile == Profile::Embedded;
        Self { demo_on_start: embedded, demo_content: embedded }
    }
}

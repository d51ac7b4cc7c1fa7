//! `[batch]` and `[seed]`: scheduled jobs and demo data.

use serde::{Deserialize, Serialize};

use crate::Profile;

/// Batch jobs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BatchSettings {
    /// The public-data feed (file path or http(s) URL) `exam-schedule-import` reads when scheduled.
    pub exam_schedule_source: Option<String>,
    /// Upper bound on downloading the feed.
    pub http_timeout_ms: u64,
}

impl Default for BatchSettings {
    fn default() -> Self {
        Self { exam_schedule_source: None, http_timeout_ms: 30_000 }
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

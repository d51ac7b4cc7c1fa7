//! `[jobs]`: where the scheduled jobs and the continuous workers run.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::Profile;

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

impl JobsSettings {
    /// Everything in the api when embedded (no `cercat-batch` runs); nothing in production.
    pub(crate) fn defaults(profile: Profile) -> Self {
        let embedded = profile == Profile::Embedded;
        Self { in_process: embedded, workers_in_process: embedded, schedules: BTreeMap::new() }
    }
}

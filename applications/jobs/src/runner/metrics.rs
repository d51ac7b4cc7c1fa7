//! The `cercat_batch_*` metrics of finished runs: items read, written and skipped (by this
//! attempt), run durations by status, and the time of each job's last success.

use cercat_common::jobs::{Checkpoint, JobCounts, JobStatus};
use std::time::Duration;

/// What this attempt did: the instance's totals less those of the attempts it resumed.
pub(super) fn this_attempt(totals: JobCounts, resumed: Option<&Checkpoint>) -> JobCounts {
    let before = resumed.map(|c| c.counts).unwrap_or_default();
    JobCounts {
        read: totals.read.saturating_sub(before.read),
        written: totals.written.saturating_sub(before.written),
        skipped: totals.skipped.saturating_sub(before.skipped),
    }
}

/// Records a finished run of `job`.
pub(super) fn record(job: &'static str, status: JobStatus, elapsed: Duration, done: JobCounts) {
    ::metrics::counter!("cercat_batch_items_read_total", "job" => job).increment(done.read);
    ::metrics::counter!("cercat_batch_items_written_total", "job" => job).increment(done.written);
    ::metrics::counter!("cercat_batch_items_skipped_total", "job" => job).increment(done.skipped);
    ::metrics::counter!("cercat_batch_runs_total", "job" => job, "status" => status.as_str()).increment(1);
    ::metrics::histogram!("cercat_batch_run_duration_seconds", "job" => job, "status" => status.as_str())
        .record(elapsed.as_secs_f64());
    if status.is_completed() {
        let now = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
        ::metrics::gauge!("cercat_batch_last_success_timestamp_seconds", "job" => job).set(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resumed_attempt_counts_only_what_it_did() {
        let totals = JobCounts { read: 250, written: 240, skipped: 3 };
        let resumed = Checkpoint { position: "2".into(), counts: JobCounts { read: 200, written: 195, skipped: 1 } };
        assert_eq!(this_attempt(totals, Some(&resumed)), JobCounts { read: 50, written: 45, skipped: 2 });
        assert_eq!(this_attempt(totals, None), totals);
    }
}

//! `exam-schedule-import`: reads the public-data feed (file or URL; JSON or CSV) through the
//! [`ExamScheduleFeed`](cercat_certificate::ports::ExamScheduleFeed) port and upserts exam
//! schedules by (certificate, year, round). Bad rows are reported with their line and skipped;
//! a re-run of the same feed changes nothing.

use async_trait::async_trait;
use cercat_certificate::{CertificateService, ScheduleError, UpsertOutcome, ports::FeedRow};
use cercat_common::{PortError, jobs::JobCounts};
use cercat_config::Settings;
use std::time::Duration;

use crate::{Job, JobContext, JobError, Params, job::JobReport, progress::Progress};

/// The import job.
#[derive(Debug)]
pub struct ExamScheduleImport;

enum RowError {
    /// The row itself is wrong: report and skip it.
    Bad(String),
    /// The database failed: stop.
    Store(PortError),
}

fn classify(err: ScheduleError) -> RowError {
    match err {
        ScheduleError::Store(err) => RowError::Store(err),
        other => RowError::Bad(other.to_string()),
    }
}

async fn import_row(service: &CertificateService, row: &FeedRow) -> Result<UpsertOutcome, RowError> {
    let schedule = row.read.as_ref().map_err(|reason| RowError::Bad(reason.clone()))?;
    let mut draft = schedule.draft.clone();
    draft.certificate_id = service
        .resolve_certificate(schedule.certificate_id, schedule.certificate_name.as_deref())
        .await
        .map_err(classify)?;
    service.import_schedule(&draft).await.map_err(classify)
}

#[async_trait]
impl Job for ExamScheduleImport {
    fn name(&self) -> &'static str {
        "exam-schedule-import"
    }

    fn description(&self) -> &'static str {
        "import exam schedules from a public-data feed: --param source=<file|url> (JSON or CSV)"
    }

    fn schedule(&self, settings: &Settings) -> Option<&'static str> {
        // Monthly, 03:00 KST on the 1st — only when a feed is configured.
        settings.batch.exam_schedule_source.as_ref().map(|_| "0 0 3 1 * *")
    }

    fn max_hold(&self) -> Duration {
        Duration::from_secs(1800)
    }

    fn scheduled_params(&self, settings: &Settings) -> Params {
        let mut params = Params::new();
        if let Some(source) = &settings.batch.exam_schedule_source {
            params.insert("source".into(), source.clone());
        }
        params
    }

    async fn run(&self, ctx: &JobContext, params: &Params) -> Result<JobReport, JobError> {
        let source = params.get("source").filter(|s| !s.trim().is_empty()).ok_or_else(|| JobError::Param {
            name: "source".into(),
            reason: "give the feed as --param source=<path or http(s) URL>".into(),
        })?;
        let rows = ctx
            .services
            .schedule_feed
            .rows(source)
            .await
            .map_err(|e| JobError::Failed(format!("cannot read {source}: {e}")))?;
        let service = &ctx.services.certificates;
        let mut counts = JobCounts::default();
        let mut skips = Vec::new();
        let mut progress = Progress::new("exam-schedule-import", rows.len() as u64);
        for row in &rows {
            counts.read += 1;
            match import_row(service, row).await {
                Ok(UpsertOutcome::Inserted | UpsertOutcome::Updated) => counts.written += 1,
                Ok(UpsertOutcome::Unchanged) => {}
                // A store failure aborts: the import is idempotent, so re-running is safe.
                Err(RowError::Store(err)) => {
                    progress.finish();
                    return Err(JobError::Failed(format!("line {}: {err}", row.line)));
                }
                Err(RowError::Bad(reason)) => {
                    counts.skipped += 1;
                    tracing::warn!(line = row.line, %reason, "skipping a bad feed row");
                    skips.push(format!("line {}: {reason}", row.line));
                }
            }
            progress.inc();
        }
        progress.finish();
        Ok(JobReport { counts, skips })
    }
}

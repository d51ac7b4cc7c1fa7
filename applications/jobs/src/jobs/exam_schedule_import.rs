//! `exam-schedule-import`: reads the public-data feed (file or URL; JSON or CSV) and upserts
//! exam schedules by (certificate, year, round). Bad rows are reported with their line and
//! skipped; a re-run of the same feed changes nothing.

use async_trait::async_trait;
use cercat_certificate::{CertificateService, ScheduleError, UpsertOutcome};
use cercat_common::{PortError, jobs::JobCounts};
use cercat_config::Settings;
use std::time::Duration;
use tokio::io::AsyncReadExt;

use crate::{Job, JobContext, JobError, Params, feed, job::JobReport, progress::Progress};

/// Largest feed accepted (the real one is a few hundred KB).
pub const MAX_FEED_BYTES: usize = 20 * 1024 * 1024;

/// The import job.
#[derive(Debug)]
pub struct ExamScheduleImport;

async fn read_source(source: &str, timeout: Duration) -> Result<String, JobError> {
    let failed = |e: String| JobError::Failed(format!("cannot read {source}: {e}"));
    if source.starts_with("http://") || source.starts_with("https://") {
        feed::download::download(source, timeout, MAX_FEED_BYTES).await.map_err(failed)
    } else {
        let path = source.strip_prefix("file://").unwrap_or(source);
        // Read at most one byte past the cap, so a file that grows meanwhile is still bounded.
        let file = tokio::fs::File::open(path).await.map_err(|e| failed(e.to_string()))?;
        let mut bytes = Vec::new();
        file.take(MAX_FEED_BYTES as u64 + 1).read_to_end(&mut bytes).await.map_err(|e| failed(e.to_string()))?;
        if bytes.len() > MAX_FEED_BYTES {
            return Err(failed(format!("larger than {MAX_FEED_BYTES} bytes")));
        }
        String::from_utf8(bytes).map_err(|_| failed("not UTF-8 text".into()))
    }
}

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

async fn import_row(service: &CertificateService, row: &feed::FeedRow) -> Result<UpsertOutcome, RowError> {
    let mut parsed = feed::parse_row(row).map_err(RowError::Bad)?;
    parsed.draft.certificate_id = service
        .resolve_certificate(parsed.certificate_id, parsed.certificate_name.as_deref())
        .await
        .map_err(classify)?;
    service.import_schedule(&parsed.draft).await.map_err(classify)
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
        let timeout = Duration::from_millis(ctx.services.settings.batch.http_timeout_ms);
        let text = read_source(source, timeout).await?;
        let rows = feed::rows(&text).map_err(JobError::Failed)?;
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

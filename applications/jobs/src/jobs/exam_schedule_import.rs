//! `exam-schedule-import`: reads exam schedules from the public-data feed (a file or URL, JSON
//! or CSV) or from Q-Net's API (`source=qnet`, page by page) and upserts them on (certificate,
//! year, round) in chunks, each committed with the run's checkpoint. A run is an attempt at the
//! instance named by `source` (and `year`, `month`): a COMPLETED instance is not imported again
//! unless asked (`--rerun`), a FAILED one resumes after its last committed chunk. Bad items are
//! skipped and recorded, up to the skip limit; past it the run fails.

use async_trait::async_trait;
use cercat_common::jobs::SkipBudget;
use cercat_config::{QNET_SOURCE, Settings};
use chrono_tz::Asia::Seoul;
use std::time::Duration;

use crate::{Job, JobContext, JobError, Params, RunScope, job::JobReport};

mod chunks;
mod feed;
mod qnet;

/// The import job.
#[derive(Debug)]
pub struct ExamScheduleImport;

fn param_error(name: &str, reason: impl Into<String>) -> JobError {
    JobError::Param { name: name.into(), reason: reason.into() }
}

fn source(params: &Params) -> Result<&str, JobError> {
    params.get("source").map(|s| s.trim()).filter(|s| !s.is_empty()).ok_or_else(|| {
        param_error("source", "give the feed as --param source=<path or http(s) URL>, or source=qnet for Q-Net's API")
    })
}

fn year(params: &Params) -> Result<Option<i32>, JobError> {
    params
        .get("year")
        .map(|y| y.trim().parse::<i32>().ok().filter(|y| (2000..=2100).contains(y)))
        .map(|y| y.ok_or_else(|| param_error("year", "use a year in 2000..=2100, e.g. --param year=2026")))
        .transpose()
}

fn skip_limit(params: &Params, settings: &Settings) -> Result<u64, JobError> {
    match params.get("skip-limit") {
        None => Ok(settings.batch.skip_limit),
        Some(v) => v.trim().parse().map_err(|_| param_error("skip-limit", "use a whole number, e.g. 100")),
    }
}

#[async_trait]
impl Job for ExamScheduleImport {
    fn name(&self) -> &'static str {
        "exam-schedule-import"
    }

    fn description(&self) -> &'static str {
        "import exam schedules: --param source=<file|url> (JSON or CSV) or source=qnet [--param year=YYYY]; \
         [--param month=YYYY-MM] [--param skip-limit=N]"
    }

    fn schedule(&self, settings: &Settings) -> Option<&'static str> {
        // Monthly, 03:00 KST on the 1st — only when a source is configured.
        settings.batch.exam_schedule_source.as_ref().map(|_| "0 0 3 1 * *")
    }

    fn max_hold(&self) -> Duration {
        Duration::from_secs(1800)
    }

    fn identifying_params(&self) -> &'static [&'static str] {
        &["source", "year", "month"]
    }

    fn scheduled_params(&self, settings: &Settings) -> Params {
        let mut params = Params::new();
        if let Some(source) = &settings.batch.exam_schedule_source {
            params.insert("source".into(), source.clone());
            // Each month's import is its own instance.
            let month = chrono::Utc::now().with_timezone(&Seoul).format("%Y-%m").to_string();
            params.insert("month".into(), month);
        }
        params
    }

    fn check_params(&self, params: &Params, settings: &Settings) -> Result<(), JobError> {
        source(params)?;
        year(params)?;
        skip_limit(params, settings)?;
        if let Some(month) = params.get("month")
            && chrono::NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d").is_err()
        {
            return Err(param_error("month", "use YYYY-MM, e.g. --param month=2026-12"));
        }
        Ok(())
    }

    async fn run(&self, ctx: &JobContext, params: &Params, run: &RunScope) -> Result<JobReport, JobError> {
        let settings = &ctx.services.settings;
        let source = source(params)?;
        let budget =
            SkipBudget::new(skip_limit(params, settings)?, run.resume.as_ref().map_or(0, |c| c.counts.skipped));
        let chunks = chunks::Chunks::new(&ctx.services.schedule_import, run, budget);
        if source == QNET_SOURCE {
            qnet::import(ctx, year(params)?, run, chunks).await
        } else {
            feed::import(ctx, source, run, chunks).await
        }
    }
}

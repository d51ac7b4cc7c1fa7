//! Running the scheduled jobs on their cron schedules (Asia/Seoul), in whichever process is
//! told to: `cercat-batch serve` always, the api when `jobs.in_process`. Several processes may
//! schedule at once: each tick takes a lease named after the job and the tick's time and never
//! releases it early, so a tick runs on exactly one of them even if clocks differ slightly; the
//! job lease inside ([`run_job`]) keeps runs from overlapping.

use cercat_config::Settings;
use chrono::{DateTime, Utc};
use chrono_tz::Asia::Seoul;
use cron::Schedule;
use std::{borrow::Cow, str::FromStr, sync::Arc, time::Duration};
use tokio::{
    sync::{broadcast, watch},
    task::JoinHandle,
};

use crate::{Job, JobContext, RunOutcome, run_job};

/// How long a tick's lease is kept after the tick (covers clock skew between nodes).
const TICK_HOLD_MIN: Duration = Duration::from_secs(600);

/// The `jobs.schedules` value that unschedules a job.
pub const OFF: &str = "off";

/// A schedule the settings ask for that cannot be used; the program stops at start with it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScheduleError {
    /// `jobs.schedules` names a job that does not exist.
    #[error("invalid setting `jobs.schedules.{job}`: there is no such job; jobs: {known}")]
    UnknownJob {
        /// The name in the settings.
        job: String,
        /// The jobs there are.
        known: String,
    },
    /// A cron expression does not parse.
    #[error(
        "invalid setting `jobs.schedules.{job}`: `{expr}` is not a cron line ({reason}); use six fields, seconds first, e.g. \"0 */10 * * * *\", or \"off\""
    )]
    BadCron {
        /// The job.
        job: String,
        /// The expression.
        expr: String,
        /// The parser's complaint.
        reason: String,
    },
}

/// The cron line `job` runs on under `settings`: its `jobs.schedules` override if any (`"off"`
/// meaning none), else its own. `None`: the job only runs on demand.
pub fn effective_schedule(job: &dyn Job, settings: &Settings) -> Option<Cow<'static, str>> {
    match settings.jobs.schedules.get(job.name()) {
        Some(expr) if expr.trim().eq_ignore_ascii_case(OFF) => None,
        Some(expr) => Some(Cow::Owned(expr.trim().to_owned())),
        None => job.schedule(settings).map(Cow::Borrowed),
    }
}

/// What one tick of a scheduled job came to (for logs, and for tests that watch a scheduler).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TickReport {
    /// The job.
    pub job: &'static str,
    /// The tick's scheduled time.
    pub tick: DateTime<Utc>,
    /// What happened.
    pub outcome: TickOutcome,
}

/// How a tick ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TickOutcome {
    /// This process took the tick and ran (or tried to run) the job; a held job lease — a run
    /// still going here or on another node — shows as [`RunOutcome::Skipped`].
    Ran(RunOutcome),
    /// Another process took this tick.
    TakenElsewhere,
    /// The tick lease could not be asked for (lease store down); the tick was skipped.
    LeaseUnavailable(String),
}

/// The scheduled jobs of one process, with their resolved schedules.
pub struct Scheduler {
    ctx: JobContext,
    entries: Vec<(Arc<dyn Job>, Schedule)>,
    reports: broadcast::Sender<TickReport>,
}

impl Scheduler {
    /// Resolves the schedule of each of `jobs` (see [`effective_schedule`]); fails on an
    /// override naming no job or a cron line that does not parse, so a typo stops the program
    /// at start instead of silently never running a job.
    pub fn new(ctx: JobContext, jobs: Vec<Box<dyn Job>>) -> Result<Self, ScheduleError> {
        let settings = Arc::clone(&ctx.services.settings);
        if let Some(unknown) = settings.jobs.schedules.keys().find(|name| !jobs.iter().any(|j| j.name() == *name)) {
            let known = jobs.iter().map(|j| j.name()).collect::<Vec<_>>().join(", ");
            return Err(ScheduleError::UnknownJob { job: unknown.clone(), known });
        }
        let mut entries = Vec::new();
        for job in jobs {
            let Some(expr) = effective_schedule(job.as_ref(), &settings) else {
                tracing::info!(job = job.name(), "not scheduled");
                continue;
            };
            let schedule = Schedule::from_str(&expr).map_err(|err| ScheduleError::BadCron {
                job: job.name().to_owned(),
                expr: expr.to_string(),
                reason: err.to_string(),
            })?;
            entries.push((Arc::from(job), schedule));
        }
        let (reports, _) = broadcast::channel(64);
        Ok(Self { ctx, entries, reports })
    }

    /// The names of the jobs this scheduler runs.
    pub fn jobs(&self) -> Vec<&'static str> {
        self.entries.iter().map(|(job, _)| job.name()).collect()
    }

    /// Every tick's outcome from now on (lagging receivers lose the oldest).
    pub fn reports(&self) -> broadcast::Receiver<TickReport> {
        self.reports.subscribe()
    }

    /// Starts one task per scheduled job; each ends when `shutdown` flips to true (a run in
    /// progress finishes first).
    pub fn spawn(&self, shutdown: &watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
        self.entries
            .iter()
            .map(|(job, schedule)| {
                tracing::info!(job = job.name(), schedule = %schedule, node = %self.ctx.services.node, "scheduled (Asia/Seoul)");
                let ticks = Ticks {
                    job: job.clone(),
                    schedule: schedule.clone(),
                    ctx: self.ctx.clone(),
                    reports: Some(self.reports.clone()),
                };
                tokio::spawn(ticks.run(shutdown.clone()))
            })
            .collect()
    }
}

/// Runs `job` at every tick of `schedule` until `shutdown` flips, taking each tick's lease first.
pub async fn run_schedule(job: Arc<dyn Job>, schedule: Schedule, ctx: JobContext, shutdown: watch::Receiver<bool>) {
    Ticks { job, schedule, ctx, reports: None }.run(shutdown).await;
}

/// One job's tick loop.
struct Ticks {
    job: Arc<dyn Job>,
    schedule: Schedule,
    ctx: JobContext,
    reports: Option<broadcast::Sender<TickReport>>,
}

impl Ticks {
    async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let Some(next) = self.schedule.after(&Utc::now().with_timezone(&Seoul)).next() else { return };
            let tick = next.with_timezone(&Utc);
            let wait = (tick - Utc::now()).to_std().unwrap_or_default();
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => return,
            }
            let outcome = self.tick(&next.to_rfc3339()).await;
            if let Some(reports) = &self.reports {
                // Nobody listening is the normal case.
                let _ = reports.send(TickReport { job: self.job.name(), tick, outcome });
            }
        }
    }

    async fn tick(&self, at: &str) -> TickOutcome {
        let (job, services) = (self.job.as_ref(), &self.ctx.services);
        let tick = format!("tick:{}:{at}", job.name());
        let hold = job.max_hold().max(TICK_HOLD_MIN);
        match services.lease.try_acquire(&tick, &services.node, hold).await {
            Ok(Some(_lease)) => {
                // The tick lease is deliberately kept until it expires (see the module docs).
                let params = job.scheduled_params(&services.settings);
                let outcome = run_job(job, &self.ctx, &params).await;
                if let RunOutcome::Skipped { lease } = &outcome {
                    tracing::info!(job = job.name(), lease, "a run of this job is still going; tick skipped");
                }
                TickOutcome::Ran(outcome)
            }
            Ok(None) => {
                tracing::debug!(job = job.name(), tick, "another node took this tick");
                TickOutcome::TakenElsewhere
            }
            Err(err) => {
                tracing::warn!(job = job.name(), %err, "cannot take the tick lease; tick skipped");
                TickOutcome::LeaseUnavailable(err.to_string())
            }
        }
    }
}

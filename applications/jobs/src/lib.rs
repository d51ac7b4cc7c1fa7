//! Cercat's jobs, defined once and run by whichever process is told to: `cercat-batch` (once
//! from a cron line or the CLI with `run`, or on their schedules with `serve`) and the api
//! in-process when `jobs.in_process` (embedded mode, where no `cercat-batch` runs). Every run
//! goes through [`run_job`] — the job's lease (or, for a restartable job, its instance's claim),
//! then a recorded run that beats while it works — and every scheduled tick
//! through the [`scheduler`], so both places behave alike. The continuous [`workers`] (outbox
//! relay, mail dispatcher) live here too, switched by `jobs.workers_in_process`.

pub mod job;
pub mod jobs;
pub mod progress;
pub mod runner;
pub mod scheduler;
pub mod workers;

pub use job::{Job, JobContext, JobError, Params, RunScope, instance_key};
pub use runner::{RunOptions, RunOutcome, fail_silent_runs, run_job, run_job_with};
pub use scheduler::{ScheduleError, Scheduler, TickOutcome, TickReport, effective_schedule};
pub use workers::spawn_workers;

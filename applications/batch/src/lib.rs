//! `cercat-batch`: jobs run once from a cron line or the CLI (`run`), or on their schedule
//! by a long-running scheduler (`serve`) that any number of VMs may run at once — a lease
//! per tick makes each tick run on exactly one of them. Every run is recorded.

pub mod feed;
pub mod job;
pub mod jobs;
pub mod progress;
pub mod runner;
pub mod scheduler;

pub use job::{Job, JobContext, JobError, Params};
pub use runner::{RunOutcome, run_job};

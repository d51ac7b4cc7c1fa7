//! `cercat-batch list | run <job> [--param k=v]… | serve | history [--job J] [--limit N]`:
//! the command line over the jobs of `cercat-jobs` (the api runs the same ones in-process when
//! `jobs.in_process`).

use cercat_bootstrap::Services;
use cercat_jobs::{JobContext, Params, RunOutcome, Scheduler, effective_schedule, jobs, run_job, spawn_workers};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "cercat-batch", version, about = "Cercat's batch jobs: run one, serve the schedule, see history")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the jobs and their schedules.
    List,
    /// Run one job now (skips if another node is running it).
    Run {
        /// Job name (see `list`).
        job: String,
        /// A job parameter, `key=value`; repeatable.
        #[arg(long = "param", value_parser = parse_param)]
        params: Vec<(String, String)>,
    },
    /// Run the scheduled jobs, the outbox relay and the mail dispatcher until SIGINT/SIGTERM.
    Serve,
    /// Show recorded runs, newest first.
    History {
        /// Only this job.
        #[arg(long)]
        job: Option<String>,
        /// How many runs.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: u32,
    },
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(format!("`{s}` is not key=value")),
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! { _ = tokio::signal::ctrl_c() => {}, () = term => {} }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match cercat_bootstrap::load_settings("cercat-batch") {
        Ok(s) => s,
        Err(code) => return code,
    };
    cercat_bootstrap::init_logging(&settings);

    if let Command::List = cli.command {
        // Listing needs no connections: schedules depend on settings only.
        println!("{:<24} {:<16} description", "job", "schedule (KST)");
        for job in jobs::all() {
            let schedule = effective_schedule(job.as_ref(), &settings);
            println!("{:<24} {:<16} {}", job.name(), schedule.as_deref().unwrap_or("on demand"), job.description());
        }
        return ExitCode::SUCCESS;
    }

    let services = match Services::connect(&settings).await {
        Ok(services) => services,
        Err(err) => {
            eprintln!("cercat-batch: {err}");
            return ExitCode::from(1);
        }
    };
    let ctx = JobContext { services };
    match cli.command {
        Command::List => ExitCode::SUCCESS,
        Command::Run { job, params } => run_once(&ctx, &job, params.into_iter().collect()).await,
        Command::Serve => serve(ctx).await,
        Command::History { job, limit } => history(&ctx, job.as_deref(), limit).await,
    }
}

/// Schedules every job and runs the continuous workers until a signal, then lets running jobs end.
async fn serve(ctx: JobContext) -> ExitCode {
    let scheduler = match Scheduler::new(ctx.clone(), jobs::all()) {
        Ok(s) => s,
        Err(err) => {
            eprintln!("cercat-batch: {err}");
            return ExitCode::from(2);
        }
    };
    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut tasks = scheduler.spawn(&rx);
    tasks.extend(spawn_workers(&ctx.services, &rx));
    shutdown_signal().await;
    tracing::info!("shutting down; waiting for running jobs");
    let _ = tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    ExitCode::SUCCESS
}

async fn run_once(ctx: &JobContext, name: &str, params: Params) -> ExitCode {
    let Some(job) = jobs::find(name) else {
        let names: Vec<_> = jobs::all().iter().map(|j| j.name()).collect();
        eprintln!("cercat-batch: unknown job `{name}`; jobs: {}", names.join(", "));
        return ExitCode::from(2);
    };
    match run_job(job.as_ref(), ctx, &params).await {
        RunOutcome::Skipped { lease } => {
            println!("skipped: {name} is running on another node (lease {lease} is held)");
            ExitCode::SUCCESS
        }
        RunOutcome::Finished { run_id, status, report } => {
            let c = report.counts;
            println!(
                "{name} run #{run_id}: {} — read {}, written {}, skipped {}",
                status.as_str(),
                c.read,
                c.written,
                c.skipped
            );
            for skip in &report.skips {
                println!("  skipped {skip}");
            }
            ExitCode::SUCCESS
        }
        RunOutcome::Failed { run_id, error } => {
            let id = run_id.map(|id| format!(" run #{id}")).unwrap_or_default();
            eprintln!("cercat-batch: {name}{id} failed: {error}");
            ExitCode::from(1)
        }
    }
}

async fn history(ctx: &JobContext, job: Option<&str>, limit: u32) -> ExitCode {
    match ctx.services.job_runs.recent(job, limit).await {
        Ok(runs) => {
            println!(
                "{:>6}  {:<22} {:<21} {:<10} {:<21} {:>6} {:>7} {:>7}  node / error",
                "run", "job", "started (UTC)", "took", "status", "read", "written", "skipped"
            );
            for r in runs {
                let took = r
                    .ended_at
                    .map(|e| format!("{:.1}s", (e - r.started_at).num_milliseconds() as f64 / 1000.0))
                    .unwrap_or_else(|| "-".into());
                let error = r.error.as_deref().and_then(|e| e.lines().next()).unwrap_or("");
                println!(
                    "{:>6}  {:<22} {:<21} {:<10} {:<21} {:>6} {:>7} {:>7}  {} {}",
                    r.id,
                    r.job,
                    r.started_at.format("%Y-%m-%d %H:%M:%S"),
                    took,
                    r.status.as_str(),
                    r.counts.read,
                    r.counts.written,
                    r.counts.skipped,
                    r.node,
                    error
                );
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("cercat-batch: cannot read the history: {err}");
            ExitCode::from(1)
        }
    }
}

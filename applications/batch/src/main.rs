//! `cercat-batch list | run <job> [--param k=v]… [--rerun] | serve | history [--job J] [--limit N]
//! [--skips RUN] | series [list | set <certificate> <series> | clear <certificate>]`: the command
//! line over the jobs of `cercat-jobs` (the api runs the same ones in-process when
//! `jobs.in_process`).

use cercat_bootstrap::Services;
use cercat_jobs::{
    JobContext, Params, RunOptions, RunOutcome, Scheduler, effective_schedule, fail_silent_runs, jobs, run_job_with,
    spawn_workers,
};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod history;

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
    /// Run one job now (skips if another node is running it). A restartable job (the import)
    /// resumes a FAILED instance from its checkpoint and leaves a COMPLETED one alone.
    Run {
        /// Job name (see `list`).
        job: String,
        /// A job parameter, `key=value`; repeatable.
        #[arg(long = "param", value_parser = parse_param)]
        params: Vec<(String, String)>,
        /// Run a COMPLETED (or FAILED) instance again from the start.
        #[arg(long)]
        rerun: bool,
        /// Print what the run found (its summary) as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Run the scheduled jobs, the outbox relay and the mail dispatcher until SIGINT/SIGTERM.
    Serve,
    /// Show recorded runs, newest first.
    History {
        /// Only this job.
        #[arg(long)]
        job: Option<String>,
        /// How many runs (or skips, with `--skips`).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: u32,
        /// The items run RUN skipped (with those of the attempts it resumed), and why.
        #[arg(long, value_name = "RUN")]
        skips: Option<i64>,
        /// What run RUN found (an evaluation's figures, a rebuild's sizes).
        #[arg(long, value_name = "RUN", conflicts_with = "skips")]
        run: Option<i64>,
        /// With `--run`: the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The Q-Net series each certificate follows (a round of a series fills them all).
    Series {
        #[command(subcommand)]
        action: Option<history::SeriesAction>,
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
    let _logs = cercat_bootstrap::init_logging(&settings);

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
        Command::Run { job, params, rerun, json } => {
            run_once(&ctx, &job, params.into_iter().collect(), RunOptions { rerun }, json).await
        }
        Command::Serve => serve(ctx).await,
        Command::History { skips: Some(run), limit, .. } => history::skips(&ctx, run, limit).await,
        Command::History { run: Some(run), json, .. } => history::summary(&ctx, run, json).await,
        Command::History { job, limit, .. } => history::runs(&ctx, job.as_deref(), limit).await,
        Command::Series { action } => history::series(&ctx, action).await,
    }
}

/// Answers `GET /metrics` on `batch.metrics_listen` with this node's `cercat_batch_*` metrics.
/// A port already taken (or a bad address) is logged; the node runs on without it.
fn export_metrics(listen: &str) {
    let listen = listen.trim();
    if listen.is_empty() {
        return;
    }
    let Ok(addr) = listen.parse::<std::net::SocketAddr>() else {
        tracing::warn!(listen, "batch.metrics_listen is not host:port; no /metrics");
        return;
    };
    let buckets = [1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0];
    let builder =
        metrics_exporter_prometheus::PrometheusBuilder::new().with_http_listener(addr).set_buckets_for_metric(
            metrics_exporter_prometheus::Matcher::Full("cercat_batch_run_duration_seconds".into()),
            &buckets,
        );
    match builder.and_then(|b| b.install()) {
        Ok(()) => tracing::info!(%addr, "serving the batch metrics at /metrics"),
        Err(err) => tracing::warn!(%err, %addr, "could not serve the batch metrics; running without /metrics"),
    }
}

/// Schedules every job and runs the continuous workers until a signal, then lets running jobs end.
async fn serve(ctx: JobContext) -> ExitCode {
    export_metrics(&ctx.services.settings.batch.metrics_listen);
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
    tasks.push(tokio::spawn(sweep_silent_runs(ctx.clone(), rx.clone())));
    shutdown_signal().await;
    tracing::info!("shutting down; waiting for running jobs");
    let _ = tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    ExitCode::SUCCESS
}

/// Marks FAILED, every half heartbeat timeout, the runs whose nodes stopped heartbeating.
async fn sweep_silent_runs(ctx: JobContext, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let every = std::time::Duration::from_millis(ctx.services.settings.batch.heartbeat_timeout_ms / 2);
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
        fail_silent_runs(&ctx.services).await;
    }
}

async fn run_once(ctx: &JobContext, name: &str, params: Params, options: RunOptions, json: bool) -> ExitCode {
    let Some(job) = jobs::find(name) else {
        let names: Vec<_> = jobs::all().iter().map(|j| j.name()).collect();
        eprintln!("cercat-batch: unknown job `{name}`; jobs: {}", names.join(", "));
        return ExitCode::from(2);
    };
    match run_job_with(job.as_ref(), ctx, &params, options).await {
        RunOutcome::Skipped { lease } => {
            println!("skipped: {name} is running on another node (lease {lease} is held)");
            ExitCode::SUCCESS
        }
        RunOutcome::Busy { run_id, node } => {
            println!("skipped: this instance of {name} is running as run #{run_id} on {node}");
            ExitCode::SUCCESS
        }
        RunOutcome::AlreadyCompleted { run_id, status } => {
            println!(
                "nothing to do: this instance of {name} completed as run #{run_id} ({}); add --rerun to run it again",
                status.as_str()
            );
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
            for skip in report.skips.iter().take(20) {
                println!("  skipped {skip}");
            }
            if report.skips.len() > 20 || c.skipped > report.skips.len().min(20) as u64 {
                println!("  (all skips: cercat-batch history --skips {run_id})");
            }
            if let Some(summary) = &report.summary {
                history::print_summary(summary, json);
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

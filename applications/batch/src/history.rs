//! `history` (runs, newest first; `--skips RUN`: what a run skipped and why) and `series` (the
//! Q-Net series certificates follow).

use cercat_jobs::JobContext;
use clap::Subcommand;
use std::process::ExitCode;

/// What `series` does.
#[derive(Subcommand)]
pub(crate) enum SeriesAction {
    /// List the certificates and their series (the default).
    List,
    /// Make a certificate follow a series, e.g. `set 1 기사`.
    Set {
        /// The certificate's id.
        certificate: i64,
        /// The series' name as Q-Net gives it (`qualgbNm`).
        series: String,
    },
    /// Make a certificate follow no series.
    Clear {
        /// The certificate's id.
        certificate: i64,
    },
}

fn failed(what: &str, err: impl std::fmt::Display) -> ExitCode {
    eprintln!("cercat-batch: {what}: {err}");
    ExitCode::from(1)
}

/// Prints the latest `limit` runs (of `job`).
pub(crate) async fn runs(ctx: &JobContext, job: Option<&str>, limit: u32) -> ExitCode {
    let runs = match ctx.services.job_runs.recent(job, limit).await {
        Ok(runs) => runs,
        Err(err) => return failed("cannot read the history", err),
    };
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
        let resumed = r.resumed_from.map(|id| format!("resumes #{id} ")).unwrap_or_default();
        let instance = r.instance.as_deref().map(|i| format!("[{i}] ")).unwrap_or_default();
        let found = if r.summary.is_some() {
            format!("(summary: cercat-batch history --run {}) ", r.id)
        } else {
            String::new()
        };
        println!(
            "{:>6}  {:<22} {:<21} {:<10} {:<21} {:>6} {:>7} {:>7}  {} {instance}{resumed}{found}{error}",
            r.id,
            r.job,
            r.started_at.format("%Y-%m-%d %H:%M:%S"),
            took,
            r.status.as_str(),
            r.counts.read,
            r.counts.written,
            r.counts.skipped,
            r.node,
        );
    }
    ExitCode::SUCCESS
}

/// Prints a run's summary: its `table` when it has one (unless `json`), else the JSON.
pub(crate) fn print_summary(summary: &serde_json::Value, json: bool) {
    match summary.get("table").and_then(|t| t.as_str()) {
        Some(table) if !json => println!("{table}"),
        _ => {
            let mut shown = summary.clone();
            if let Some(object) = shown.as_object_mut() {
                object.remove("table");
            }
            println!("{}", serde_json::to_string_pretty(&shown).unwrap_or_default());
        }
    }
}

/// Prints what run `run` found.
pub(crate) async fn summary(ctx: &JobContext, run: i64, json: bool) -> ExitCode {
    match ctx.services.job_runs.find(run).await {
        Ok(Some(r)) => {
            match &r.summary {
                Some(summary) => print_summary(summary, json),
                None => println!("run #{run} ({}) recorded no summary", r.job),
            }
            ExitCode::SUCCESS
        }
        Ok(None) => {
            eprintln!("cercat-batch: there is no run #{run} (see cercat-batch history)");
            ExitCode::from(2)
        }
        Err(err) => failed("cannot read the history", err),
    }
}

/// Prints what run `run` (and the attempts it resumed) skipped.
pub(crate) async fn skips(ctx: &JobContext, run: i64, limit: u32) -> ExitCode {
    match ctx.services.job_runs.find(run).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            eprintln!("cercat-batch: there is no run #{run} (see cercat-batch history)");
            return ExitCode::from(2);
        }
        Err(err) => return failed("cannot read the history", err),
    }
    let skips = match ctx.services.job_runs.skips(run, limit).await {
        Ok(skips) => skips,
        Err(err) => return failed("cannot read the skips", err),
    };
    println!("{:>6}  {:<40} reason", "run", "item");
    for s in &skips {
        println!("{:>6}  {:<40} {}", s.run_id, s.key, s.reason);
    }
    println!("{} skipped item(s) recorded for run #{run} and the runs it resumed", skips.len());
    ExitCode::SUCCESS
}

/// Lists or changes the Q-Net series of certificates.
pub(crate) async fn series(ctx: &JobContext, action: Option<SeriesAction>) -> ExitCode {
    let importer = &ctx.services.schedule_import;
    let changed = match action.unwrap_or(SeriesAction::List) {
        SeriesAction::List => None,
        SeriesAction::Set { certificate, series } => {
            Some((certificate, importer.set_series(certificate, Some(&series)).await))
        }
        SeriesAction::Clear { certificate } => Some((certificate, importer.set_series(certificate, None).await)),
    };
    if let Some((certificate, Err(err))) = changed {
        return failed(&format!("certificate {certificate}"), err);
    }
    match importer.series().await {
        Ok(list) => {
            println!("{:>4}  {:<30} series", "id", "certificate");
            for (c, series) in list {
                println!("{:>4}  {:<30} {}", c.id, c.name, series.as_deref().unwrap_or("-"));
            }
            ExitCode::SUCCESS
        }
        Err(err) => failed("cannot list the certificates", err),
    }
}

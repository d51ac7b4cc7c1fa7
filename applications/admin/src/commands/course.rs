//! `course verify <id> [--json]`: proves a course's invariant.

use cercat_config::Settings;
use clap::Subcommand;
use std::process::ExitCode;

/// What `course` does.
#[derive(Subcommand)]
pub enum CourseAction {
    /// Prove a course's invariant: PENDING_PAYMENT + COMPLETED ≤ capacity, the seat counter
    /// equals them, nobody holds two live enrollments, every completed enrollment is paid,
    /// every released one gave its seat back. Exits 1 when a rule is broken.
    Verify {
        /// The course id.
        id: i64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `action`.
pub async fn run(settings: &Settings, action: &CourseAction) -> ExitCode {
    let CourseAction::Verify { id, json } = action;
    verify(settings, *id, *json).await
}

async fn verify(settings: &Settings, id: i64, json: bool) -> ExitCode {
    let services = match super::connect(settings).await {
        Ok(services) => services,
        Err(code) => return code,
    };
    let report = match services.courses.verify(id).await {
        Ok(report) => report,
        Err(err) => return super::fail(err, 1),
    };
    if json {
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else {
        println!(
            "course {}: capacity {}, seat counter {}, pending {} (overdue {}), completed {}, released {}; \
             charges {} (refunds due {}, unaccounted {})",
            report.course_id,
            report.capacity,
            report.seats_taken,
            report.pending,
            report.overdue,
            report.completed,
            report.released,
            report.charges,
            report.refunds_due,
            report.charges_unaccounted
        );
        for v in &report.violations {
            println!("VIOLATION: {v}");
        }
        if report.holds() {
            println!("invariant holds");
        }
    }
    if report.holds() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

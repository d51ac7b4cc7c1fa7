//! `seed --demo`: the demo certificates, subjects, exam schedules and mock exam (idempotent).

use cercat_config::Settings;
use cercat_database::{Db, Migrator, MigratorTrait, seed};
use std::process::ExitCode;

/// Seeds the demo data when `demo` is set (there is nothing else to seed yet).
pub async fn run(settings: &Settings, demo: bool) -> ExitCode {
    let db = match super::connect_database(settings).await {
        Ok(db) => db,
        Err(code) => return code,
    };
    let result = if demo { seed_demo(&db).await } else { Err("nothing to seed: pass --demo".to_owned()) };
    db.close().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => super::fail(err, 1),
    }
}

async fn seed_demo(db: &Db) -> Result<(), String> {
    let pending = Migrator::get_pending_migrations(db.conn()).await.map_err(|e| e.to_string())?;
    if !pending.is_empty() {
        return Err(format!("{} migration(s) pending: run `cercat-admin migrate up` first", pending.len()));
    }
    let report = seed::demo(db, chrono::Utc::now()).await.map_err(|e| e.to_string())?;
    println!(
        "demo data: {} certificate(s) created, {} schedule(s) written, {} mock exam(s) created",
        report.certificates_created, report.schedules_written, report.mock_exams_created
    );
    Ok(())
}

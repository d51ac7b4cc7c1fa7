//! `migrate up|down [--steps N]|status`.

use cercat_config::Settings;
use cercat_database::{Db, Migrator, MigratorTrait};
use clap::Subcommand;
use std::process::ExitCode;

/// What `migrate` does.
#[derive(Subcommand)]
pub enum MigrateAction {
    /// Apply pending migrations.
    Up,
    /// Roll back the latest migrations.
    Down {
        /// How many to roll back.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// Show applied and pending migrations.
    Status,
}

/// Runs `action` on the configured database.
pub async fn run(settings: &Settings, action: MigrateAction) -> ExitCode {
    let db = match super::connect_database(settings).await {
        Ok(db) => db,
        Err(code) => return code,
    };
    let result = migrate(&db, action).await;
    db.close().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => super::fail(err, 1),
    }
}

async fn migrate(db: &Db, action: MigrateAction) -> Result<(), String> {
    let conn = db.conn();
    match action {
        MigrateAction::Up => {
            let pending = Migrator::get_pending_migrations(conn).await.map_err(|e| e.to_string())?;
            // Under the migration lock, like every program that migrates at start.
            db.migrate_up().await.map_err(|e| e.to_string())?;
            println!("applied {} migration(s)", pending.len());
        }
        MigrateAction::Down { steps } => {
            Migrator::down(conn, Some(steps)).await.map_err(|e| e.to_string())?;
            println!("rolled back up to {steps} migration(s)");
        }
        MigrateAction::Status => {
            let applied = Migrator::get_applied_migrations(conn).await.map_err(|e| e.to_string())?;
            let pending = Migrator::get_pending_migrations(conn).await.map_err(|e| e.to_string())?;
            for m in &applied {
                println!("applied  {}", m.name());
            }
            for m in &pending {
                println!("pending  {}", m.name());
            }
            println!("{} applied, {} pending", applied.len(), pending.len());
        }
    }
    Ok(())
}

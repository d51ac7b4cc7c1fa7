//! One module per `cercat-admin` command; each returns the process exit code and prints its
//! own failure (`cercat-admin: …`).

pub mod course;
pub mod create_admin;
pub mod dlq;
pub mod import_mock_exam;
pub mod migrate;
pub mod seed;
pub mod serve;
pub mod users;

use cercat_bootstrap::Services;
use cercat_config::Settings;
use cercat_database::{Db, DbOptions};
use std::{process::ExitCode, time::Duration};

/// Prints `err` as the program's failure and returns exit code `code`.
fn fail(err: impl std::fmt::Display, code: u8) -> ExitCode {
    eprintln!("cercat-admin: {err}");
    ExitCode::from(code)
}

/// Every adapter, for the commands that run domain services (exit code 1 if that fails).
async fn connect(settings: &Settings) -> Result<Services, ExitCode> {
    Services::connect(settings).await.map_err(|err| fail(err, 1))
}

/// The database alone, for the commands that only touch the schema or seed it: they must work
/// before migrations ran, which [`Services::connect`] may need.
async fn connect_database(settings: &Settings) -> Result<Db, ExitCode> {
    let url = settings
        .database
        .url
        .as_ref()
        .map(|u| cercat_config::ExposeSecret::expose_secret(u).to_owned())
        .unwrap_or_default();
    Db::connect(&DbOptions {
        url: url.clone(),
        max_connections: 2,
        connect_timeout: Duration::from_millis(settings.database.connect_timeout_ms),
        query_timeout: Duration::from_millis(settings.database.query_timeout_ms),
    })
    .await
    .map_err(|err| fail(format!("cannot connect to {}: {err}", cercat_config::redact_url(&url)), 1))
}

//! `serve`: the ADMIN-only HTTP API on `admin.host:admin.port` until SIGINT/SIGTERM.

use cercat_config::Settings;
use std::process::ExitCode;

/// Builds the server and serves.
pub async fn run(settings: Settings) -> ExitCode {
    let server = match cercat_admin::AdminServer::build(settings.clone()).await {
        Ok(server) => server,
        Err(err) => return super::fail(err, 1),
    };
    let base = format!("http://{}:{}", settings.admin.host, server.port());
    println!("Cercat admin API listening on {base} (ADMIN tokens only)");
    println!("Admin API docs: {base}/docs/");
    match server.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => super::fail(err, 1),
    }
}

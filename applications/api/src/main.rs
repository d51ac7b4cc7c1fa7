//! `cercat-api`: serves the REST API. `cercat-api openapi` prints the OpenAPI document.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("openapi") {
        print!("{}", cercat_api::openapi::document_json());
        return ExitCode::SUCCESS;
    }
    let settings = match cercat_bootstrap::load_settings("cercat-api") {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let _logs = cercat_bootstrap::init_logging(&settings);
    tracing::info!(profile = settings.profile.name(), data_dir = %settings.data_dir.display(), "starting cercat-api");

    let app = match cercat_api::Application::build(settings.clone()).await {
        Ok(app) => app,
        Err(err) => {
            tracing::error!(%err, "startup failed");
            eprintln!("cercat-api: {err}");
            return ExitCode::from(1);
        }
    };
    let base = format!("http://{}:{}", settings.server.host, app.port());
    println!("Cercat API ({} mode) listening on {base}", settings.profile.name());
    println!("API docs: {base}/docs/  (OpenAPI: {base}/api-docs/openapi.json)");
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("cercat-api: {err}");
            ExitCode::from(1)
        }
    }
}

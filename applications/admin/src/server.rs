//! Building the admin server.

use actix_web::{App, HttpResponse, dev::Server, http::header, middleware::from_fn, web};
use cercat_bootstrap::{BootstrapError, Services};
use cercat_config::Settings;
use cercat_http::body_deadline::BodyBounds;
use std::{net::TcpListener, sync::Arc, time::Duration};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::AdminState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Cercat admin API", description = "Operators' API. Every endpoint needs an ADMIN access token (`Access-Token: Bearer …`).", license(name = "MIT")),
    tags(
        (name = "certificates", description = "Certificates, subjects and exam schedules"),
        (name = "mock-exams", description = "Mock exams: import, questions, images"),
        (name = "jobs", description = "Batch job history"),
        (name = "coupons", description = "Coupon definitions, grants and vouchers"),
        (name = "market", description = "Products (look, hide) and orders (look up) of the study-material market"),
        (name = "operations", description = "The dead-letter queue: list and replay what consumer groups gave up on"),
        (name = "users", description = "Accounts: find, look at, change the role, suspend and unsuspend"),
        (name = "audit", description = "The audit log of what operators did"),
    ),
    components(schemas(cercat_error::ErrorBody, cercat_error::FieldError))
)]
struct AdminDoc;

/// Why the admin server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A dependency failed.
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
    /// The listener could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// `host:port`.
        address: String,
        /// The OS error.
        source: std::io::Error,
    },
}

fn base() -> utoipa::openapi::OpenApi {
    let mut doc = AdminDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    // The access-token scheme and the code table are the public API's too.
    doc.info.description = Some(format!(
        "Operators' API. Every endpoint needs an ADMIN access token (`Access-Token: Bearer …`); other roles get 403 USR_009.\n\n{}",
        cercat_http::openapi::error_code_table()
    ));
    cercat_http::openapi::add_access_token_scheme(&mut doc);
    doc
}

/// The admin document as the routes declare it (error codes still in each `x-errors`).
pub fn admin_declared_document() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new().into_utoipa_app().openapi(base()).configure(crate::routes::configure).split_for_parts();
    doc
}

/// The admin OpenAPI document as pretty JSON (checked in as `docs/admin-openapi.json`).
pub fn admin_document_json() -> String {
    let doc = cercat_http::openapi::errors::with_error_responses(admin_declared_document());
    let mut json = doc.to_pretty_json().unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    json.push('\n');
    json
}

/// A bound admin server.
pub struct AdminServer {
    port: u16,
    server: Server,
    state: AdminState,
}

impl AdminServer {
    /// Connects the adapters and binds `admin.host:admin.port`.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let services = Services::connect(&settings).await?;
        let state = AdminState::new(services);
        let address = format!("{}:{}", settings.admin.host, settings.admin.port);
        let listener =
            TcpListener::bind(&address).map_err(|source| StartupError::Bind { address: address.clone(), source })?;
        let port =
            listener.local_addr().map_err(|source| StartupError::Bind { address: address.clone(), source })?.port();
        let app_state = state.clone();
        let workers = settings.admin.workers.max(1);
        let server = actix_web::HttpServer::new(move || {
            let settings = Arc::clone(&app_state.services.settings);
            let (app, doc) = App::new()
                .into_utoipa_app()
                .openapi(base())
                .app_data(web::Data::from(Arc::clone(&app_state.accounts)))
                .app_data(web::Data::new(BodyBounds::from(&settings.limits)))
                .app_data(web::Data::new(app_state.clone()))
                .app_data(cercat_error::json_config(settings.admin.json_limit_bytes))
                .app_data(cercat_error::query_config())
                // Raw bodies: mock-exam import documents and question images (≤ 5 MiB each).
                .app_data(web::PayloadConfig::new(8 * 1024 * 1024))
                .app_data(cercat_error::path_config())
                .configure(crate::routes::configure)
                .split_for_parts();
            let doc = cercat_http::openapi::errors::with_error_responses(doc);
            let allowed = cercat_http::openapi::allowed_methods(&doc);
            app.app_data(allowed)
                .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", doc))
                .route(
                    "/docs",
                    web::get().to(|| async {
                        HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/docs/")).finish()
                    }),
                )
                .route("/health/live", web::get().to(|| async { cercat_error::ApiResponse::ok("UP") }))
                // The admin port is for operators: readiness with every dependency's details.
                .route(
                    "/health/ready",
                    web::get().to(|state: web::Data<AdminState>| async move {
                        cercat_http::health::readiness(&state.services.health, true).await
                    }),
                )
                // The same body read bounds as the api (408 past them).
                .wrap(from_fn(cercat_http::body_deadline::bound_body_reads))
                .wrap(from_fn(cercat_error::ensure_error_envelope))
                .wrap(from_fn(cercat_logging::request_telemetry))
        })
        .workers(workers)
        .shutdown_timeout(10)
        .client_request_timeout(Duration::from_secs(settings.admin.header_timeout_secs))
        // Longer than a proxy's idle timeout (see the api server).
        .keep_alive(Duration::from_secs(75))
        .listen(listener)
        .map_err(|source| StartupError::Bind { address, source })?
        .run();
        Ok(Self { port, server, state })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state.
    pub fn state(&self) -> &AdminState {
        &self.state
    }

    /// Serves until SIGINT/SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

//! Building and running the server: [`Application::build`], the one function `main` and the
//! tests both start it with, and [`create_app`], the actix `App` it serves (routes, OpenAPI
//! and docs UI, input-error handlers, CORS, the error-envelope net, request telemetry).

use actix_cors::Cors;
use actix_web::{App, HttpResponse, dev::Server, http::header, middleware::from_fn, web};
use cercat_alarm::AlarmService;
use cercat_bootstrap::{BootstrapError, Services};
use cercat_certificate::BoardService;
use cercat_config::Settings;
use cercat_http::body_deadline::BodyBounds;
use cercat_jobs::JobContext;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::{
    net::TcpListener,
    sync::{Arc, OnceLock},
    time::Duration,
};
use tokio::{sync::watch, task::JoinHandle};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    AppState,
    drain::{Drainer, stop_signal},
    openapi, routes,
    stream_tasks::{close_ended_sessions, push_alarms, recheck_stream_sessions},
};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A dependency failed.
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
    /// `jobs.schedules` names an unknown job or a bad cron line.
    #[error(transparent)]
    Jobs(#[from] cercat_jobs::ScheduleError),
    /// Seeding the demo data failed.
    #[error("cannot seed the demo data: {0}")]
    Seed(cercat_common::PortError),
    /// The listener could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// `host:port`.
        address: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// A built server, bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    drain: Duration,
    state: AppState,
    background: Vec<JoinHandle<()>>,
    stop_relay: watch::Sender<bool>,
}

/// The process-wide Prometheus recorder (metrics are global by nature; installed once).
pub fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("http_request_duration_seconds".into()), &buckets)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // If another recorder is installed (tests embedding us), keep serving our empty one.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

impl Application {
    /// Connects the adapters, seeds demo data when configured, binds the listener and starts
    /// the background tasks: the event consumers and the waiting-room admitter always, the
    /// scheduled jobs of `cercat-jobs` when `jobs.in_process`, the outbox relay and the mail
    /// dispatcher when `jobs.workers_in_process`.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let services = Services::connect(&settings).await?;
        if settings.seed.demo_on_start {
            let report = services.seed_demo().await.map_err(StartupError::Seed)?;
            tracing::info!(
                certificates = report.certificates_created,
                schedules = report.schedules_written,
                mock_exams = report.mock_exams_created,
                "demo data seeded"
            );
        }
        if settings.auth.demo_accounts {
            let created = services
                .seed_demo_accounts()
                .await
                .map_err(|e| StartupError::Seed(cercat_common::PortError::Corrupt(e.to_string())))?;
            if created > 0 {
                tracing::info!(created, "demo accounts seeded (demo@cercat.dev, admin@cercat.dev)");
            }
        }
        let state = AppState::new(services);

        let address = settings.server_address();
        let listener =
            TcpListener::bind(&address).map_err(|source| StartupError::Bind { address: address.clone(), source })?;
        let port = listener.local_addr().map_err(|source| StartupError::Bind { address, source })?.port();

        let (stop_relay, stopped) = watch::channel(false);
        // Subscribe before the relay runs so the in-process bus never drops the first events.
        let subscription = match BoardService::subscribe(&*state.services.events.consumer).await {
            Ok(s) => Some(s),
            Err(err) => {
                tracing::warn!(%err, "cannot subscribe to interest events yet; the consumer will retry");
                None
            }
        };
        let alarm_subscription = match AlarmService::subscribe(&*state.services.events.consumer).await {
            Ok(s) => Some(s),
            Err(err) => {
                tracing::warn!(%err, "cannot subscribe to alarm events yet; the consumer will retry");
                None
            }
        };
        // Over Kafka, several members share the group's partitions (more events handled at once);
        // the in-process bus runs one.
        let members = match settings.profile {
            cercat_config::Profile::Production => settings.events.alarm_members.max(1),
            cercat_config::Profile::Embedded => 1,
        };
        let mut first_subscription = alarm_subscription;
        let alarms: Vec<_> = (0..members)
            .map(|_| {
                let (service, source, subscription) =
                    (state.alarms.clone(), state.services.events.clone(), first_subscription.take());
                let stopped = stop_relay.subscribe();
                tokio::spawn(async move {
                    service.run_consumer(source, subscription, cercat_common::shutdown::requested(stopped)).await;
                })
            })
            .collect();
        let pushes = {
            let state = state.clone();
            let stopped = stop_relay.subscribe();
            tokio::spawn(async move { push_alarms(state, cercat_common::shutdown::requested(stopped)).await })
        };
        let session_ends = {
            let state = state.clone();
            let stopped = stop_relay.subscribe();
            tokio::spawn(async move { close_ended_sessions(state, cercat_common::shutdown::requested(stopped)).await })
        };
        let session_checks = {
            let state = state.clone();
            let stopped = stop_relay.subscribe();
            tokio::spawn(
                async move { recheck_stream_sessions(state, cercat_common::shutdown::requested(stopped)).await },
            )
        };
        let favorites = {
            let boards = state.boards.clone();
            let source = state.services.events.clone();
            let stopped = stop_relay.subscribe();
            tokio::spawn(async move {
                boards.run_consumer(source, subscription, cercat_common::shutdown::requested(stopped)).await;
            })
        };
        let admitter = {
            let state = state.clone();
            let stopped = stop_relay.subscribe();
            tokio::spawn(async move {
                crate::course_tasks::admitter(state, cercat_common::shutdown::requested(stopped)).await;
            })
        };
        // The same jobs, leases and run records as `cercat-batch serve`; a tick either process
        // takes runs once.
        let scheduled = if settings.jobs.in_process {
            let jobs =
                cercat_jobs::Scheduler::new(JobContext { services: state.services.clone() }, cercat_jobs::jobs::all())?;
            tracing::info!(jobs = ?jobs.jobs(), "running the scheduled jobs in-process");
            jobs.spawn(&stopped)
        } else {
            Vec::new()
        };
        let workers = if settings.jobs.workers_in_process {
            cercat_jobs::spawn_workers(&state.services, &stopped)
        } else {
            Vec::new()
        };
        let relay = scheduled
            .into_iter()
            .chain(workers)
            .chain(Some(admitter))
            .chain(Some(favorites))
            .chain(alarms)
            .chain(Some(pushes))
            .chain(Some(session_ends))
            .chain(Some(session_checks))
            .collect();

        let workers = if settings.server.workers == 0 {
            std::thread::available_parallelism().map_or(2, usize::from)
        } else {
            settings.server.workers
        };
        let app_state = state.clone();
        let server = actix_web::HttpServer::new(move || create_app(app_state.clone()))
            .workers(workers)
            .shutdown_timeout(10)
            // SIGTERM and Ctrl-C are handled by `run_until_stopped`: readiness turns false first.
            .disable_signals()
            .client_request_timeout(Duration::from_secs(settings.server.header_timeout_secs))
            // Longer than a proxy's or client's idle timeout (nginx keeps upstream connections 60 s),
            // so a reused idle connection is never one the server is closing at that moment.
            .keep_alive(Duration::from_secs(75))
            .listen(listener)
            .map_err(|source| StartupError::Bind { address: settings.server_address(), source })?
            .run();
        let drain = Duration::from_secs(settings.server.drain_secs);
        Ok(Self { port, server, drain, state, background: relay, stop_relay })
    }

    /// The bound port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server (then the background tasks stop too).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The shared state (tests reach the adapters through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// What stops this instance gracefully (see [`Drainer::drain`]).
    pub fn drainer(&self) -> Drainer {
        Drainer::new(self.state.hub.clone(), self.server.handle())
    }

    /// Serves until SIGTERM or Ctrl-C, drains (SIGTERM waits `server.drain_secs` first, see
    /// [`Drainer::drain`]), then stops the background tasks (letting a running job finish).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (drainer, drain) = (self.drainer(), self.drain);
        let signals = tokio::spawn(async move {
            let wait = stop_signal(drain).await;
            drainer.drain(wait).await;
        });
        let result = self.server.await;
        signals.abort();
        let _ = self.stop_relay.send(true);
        for task in self.background {
            let _ = task.await;
        }
        cercat_bootstrap::close_clients(Duration::from_secs(5)).await;
        result
    }
}

/// CORS for the configured origins: exact origin echoed, credentials allowed, the client's
/// token headers allowed and exposed.
pub fn cors(origins: &[String]) -> Cors {
    let allowed: Vec<String> = origins.to_vec();
    Cors::default()
        .allowed_origin_fn(move |origin, _| origin.to_str().is_ok_and(|o| allowed.iter().any(|a| a == o)))
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::HeaderName::from_static("access-token"),
            header::HeaderName::from_static("refresh-token"),
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::HeaderName::from_static("access-token"),
            header::HeaderName::from_static("refresh-token"),
            header::HeaderName::from_static("x-request-id"),
            header::RETRY_AFTER,
        ])
        .supports_credentials()
        .block_on_origin_mismatch(false)
        .max_age(3600)
}

/// The api's OpenAPI document, made by the first worker: the `Allow` table and the JSON served.
struct SharedDoc {
    allowed: cercat_error::AllowedMethods,
    json: web::Bytes,
}

static API_DOC: std::sync::OnceLock<SharedDoc> = std::sync::OnceLock::new();

/// The whole app: routes, OpenAPI + docs UI, input-error handlers, CORS, the error-envelope
/// safety net and request telemetry (outermost, so it sees the final status).
pub fn create_app(
    state: AppState,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let settings = Arc::clone(&state.services.settings);
    let (app, doc) = App::new()
        .into_utoipa_app()
        .openapi(openapi::base())
        .app_data(web::Data::from(Arc::clone(&state.accounts)))
        .app_data(web::Data::new(BodyBounds::from(&settings.limits)))
        .app_data(web::Data::new(state))
        .app_data(cercat_error::json_config(settings.server.json_limit_bytes))
        .app_data(cercat_error::query_config())
        .app_data(cercat_error::path_config())
        .configure(routes::configure)
        .split_for_parts();
    // Every worker registers the routes (and so collects a document), but the finished
    // document is made once and shared: serialised, it is served as is, and each worker no
    // longer keeps its own copy (9 MiB of the idle process each, measured).
    let shared = API_DOC.get_or_init(|| {
        let doc = cercat_http::openapi::errors::with_error_responses(doc);
        let json = doc.to_json().unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
        SharedDoc { allowed: cercat_http::openapi::allowed_methods(&doc), json: web::Bytes::from(json) }
    });
    app.app_data(shared.allowed.clone())
        .route(
            "/api-docs/openapi.json",
            web::get().to(|| async {
                let json = API_DOC.get().map(|d| d.json.clone()).unwrap_or_default();
                HttpResponse::Ok().content_type("application/json").body(json)
            }),
        )
        .service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from("/api-docs/openapi.json")))
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/docs/")).finish()
            }),
        )
        .wrap(from_fn(cercat_http::body_deadline::bound_body_reads))
        .wrap(from_fn(crate::auth::refresh_by_header))
        .wrap(cors(&settings.cors.allowed_origins))
        .wrap(from_fn(cercat_error::ensure_error_envelope))
        .wrap(from_fn(cercat_logging::request_telemetry))
}

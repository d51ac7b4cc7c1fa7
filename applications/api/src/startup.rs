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

use crate::{AppState, openapi, routes};

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

/// Stops an instance without dropping what it was doing.
#[derive(Clone)]
pub struct Drainer {
    hub: Arc<crate::sse::AlarmHub>,
    server: actix_web::dev::ServerHandle,
}

impl Drainer {
    /// Drains `server`, whose alarm streams are in `hub`.
    pub fn new(hub: Arc<crate::sse::AlarmHub>, server: actix_web::dev::ServerHandle) -> Self {
        Self { hub, server }
    }

    /// `/health/ready` answers 503 and every alarm stream ends with `retry: 1000` (a little more
    /// for each next stream: reconnections spread; clients reconnect to another instance, and
    /// `Last-Event-ID` brings what they missed); requests are still served for `wait`, while the proxy moves traffic away; then the listener closes and
    /// requests in flight get up to 10 s to finish.
    pub async fn drain(&self, wait: Duration) {
        let streams = self.hub.close_all(Duration::from_secs(1));
        tracing::info!(streams, wait_secs = wait.as_secs(), "shutting down: not ready, alarm streams closed");
        tokio::time::sleep(wait).await;
        tracing::info!("shutting down: no new connections; finishing requests in flight");
        self.server.stop(true).await;
    }
}

/// Waits for SIGTERM (answers `drain`: an orchestrator's stop, traffic must move first) or
/// Ctrl-C (answers zero: someone at a terminal).
async fn stop_signal(drain: Duration) -> Duration {
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(err) => {
                    tracing::warn!(%err, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => Duration::ZERO,
            () = term => drain,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        let _ = drain;
        Duration::ZERO
    }
}

/// Follows one broadcast channel for the life of the process: `listen` opens it, `handle`
/// takes each message. A lost connection is reopened with backoff; messages sent meanwhile are
/// missed (every channel here carries notices whose truth is stored elsewhere).
async fn follow<L, LF, H, HF>(what: &str, listen: L, handle: H, stop: impl std::future::Future<Output = ()>)
where
    L: Fn() -> LF,
    LF: std::future::Future<Output = Result<tokio::sync::mpsc::Receiver<String>, String>>,
    H: Fn(String) -> HF,
    HF: std::future::Future<Output = ()>,
{
    tokio::pin!(stop);
    let mut backoff = Duration::from_millis(500);
    loop {
        let mut notices = match listen().await {
            Ok(rx) => {
                backoff = Duration::from_millis(500);
                rx
            }
            Err(err) => {
                tracing::warn!(%err, "cannot listen for {what}; retrying");
                tokio::select! { () = &mut stop => return, () = tokio::time::sleep(backoff) => {} }
                backoff = (backoff * 2).min(Duration::from_secs(30));
                continue;
            }
        };
        loop {
            let text = tokio::select! {
                () = &mut stop => return,
                text = notices.recv() => text,
            };
            match text {
                Some(text) => handle(text).await,
                None => break,
            }
        }
        tracing::warn!("the channel of {what} closed; reconnecting");
        tokio::select! { () = &mut stop => return, () = tokio::time::sleep(backoff) => {} }
    }
}

/// Listens for announced alarms (from whichever instance stored them) and pushes each to the
/// receiver's streams held here; clients read the stored list when a stream opens, so a missed
/// notice is only late.
async fn push_alarms(state: AppState, stop: impl std::future::Future<Output = ()>) {
    let listen = || async { state.alarms.notices().await.map_err(|e| e.to_string()) };
    let handle = |text: String| {
        let state = &state;
        async move { routes::alarms::push_notice(state, &text).await }
    };
    follow("alarm notices", listen, handle, stop).await;
}

/// Listens for ended sessions (logout, withdrawal, password change — on any instance) and
/// closes their alarm streams held here. A missed notice leaves a stream open at most until
/// its token expires.
async fn close_ended_sessions(state: AppState, stop: impl std::future::Future<Output = ()>) {
    let listen = || async { state.accounts.session_ends().await.map_err(|e| e.to_string()) };
    let handle = |sid: String| {
        let hub = state.hub.clone();
        async move {
            let closed = hub.close_session(&sid);
            if closed > 0 {
                tracing::info!(closed, "closed the alarm streams of an ended session");
            }
        }
    };
    follow("ended sessions", listen, handle, stop).await;
}

/// How often the sessions of held alarm streams are checked again.
const STREAM_SESSION_CHECK: Duration = Duration::from_secs(5);

/// Checks the sessions of the alarm streams held here against the revocation store every
/// [`STREAM_SESSION_CHECK`] and closes those that ended. Announcements close them at once;
/// this catches what an announcement cannot reach — a session ended by another process in
/// embedded mode (`cercat-admin` over the same database), or a notice lost while the broadcast
/// channel reconnected.
async fn recheck_stream_sessions(state: AppState, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(STREAM_SESSION_CHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! { () = &mut stop => return, _ = tick.tick() => {} }
        for sid in state.hub.sessions() {
            if !state.accounts.session_id_alive(&sid).await {
                let closed = state.hub.close_session(&sid);
                tracing::info!(closed, "closed the alarm streams of a session ended elsewhere");
            }
        }
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

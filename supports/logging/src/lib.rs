//! Tracing setup (pretty on a terminal, JSON in production) and the per-request telemetry
//! middleware: a request id, one log line per request, and Prometheus-style metrics.

mod request;

pub use request::{REQUEST_ID_HEADER, RequestId, current_request_id, request_telemetry};

use std::io::IsTerminal;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, coloured when writing to a terminal.
    Pretty,
    /// One JSON object per line (production, log shippers).
    Json,
}

impl LogFormat {
    /// Pretty on a terminal, JSON otherwise.
    pub fn detect() -> Self {
        if std::io::stderr().is_terminal() { Self::Pretty } else { Self::Json }
    }
}

/// Installs the global subscriber writing to stderr. `filter` is an `EnvFilter` directive
/// (`info`, `cercat=debug,sqlx=warn`…); `RUST_LOG` overrides it. Calling it twice is harmless.
pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Pretty => registry
            .with(fmt::layer().with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal()))
            .try_init(),
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
    // A second init (tests spawning several apps) keeps the first subscriber.
    let _ = result;
}

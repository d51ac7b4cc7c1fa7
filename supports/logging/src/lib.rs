//! Tracing setup (pretty on a terminal, JSON in production) and the per-request telemetry
//! middleware: a request id, one log line per request, and Prometheus-style metrics.

mod request;

pub use request::{REQUEST_ID_HEADER, RequestId, current_request_id, request_telemetry};

use std::io::{BufWriter, IsTerminal};
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Lines queued for the writer thread before a logging thread waits for it (never dropped).
const QUEUED_LINES: usize = 16_384;

/// Keeps the log writer thread; dropping it writes out every queued line. Hold it in `main`
/// for the life of the program.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _worker: Option<WorkerGuard>,
}

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
/// (`info`, `cercat=debug,sqlx=warn`…); `RUST_LOG` overrides it. Calling it twice is harmless
/// (the second call's guard holds nothing).
///
/// Lines are formatted on the thread that logs and written by one writer thread, which takes
/// every line queued and writes them with one buffered flush: a request never waits on stderr
/// (a pipe, a file, a terminal) unless 16,384 lines are queued, and then it waits instead of
/// losing lines. Lines still queued when the process is killed (not stopped) are lost.
pub fn init(format: LogFormat, filter: &str) -> LogGuard {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(QUEUED_LINES)
        .thread_name("cercat-log")
        .finish(BufWriter::new(std::io::stderr()));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Pretty => {
            registry.with(fmt::layer().with_writer(writer).with_ansi(std::io::stderr().is_terminal())).try_init()
        }
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(writer),
            )
            .try_init(),
    };
    // A second init (tests spawning several apps) keeps the first subscriber; its writer thread
    // ends with the guard dropped here.
    LogGuard { _worker: result.ok().map(|()| guard) }
}

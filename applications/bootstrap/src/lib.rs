//! The composition root shared by `api`, `batch` and `admin`: given the settings, connect the
//! adapters the profile names (SQLite + in-process + local files when embedded; MySQL +
//! Redis + Kafka + GCS in production) and hand the programs the services built on them.
//!
//! - `adapters`: the adapters every profile has, and (`adapters/profile.rs`) the ones it
//!   picks; private to this crate (tests and benchmarks reach them with the `test-support`
//!   feature).
//! - [`Services`]: the domain services plus the few cross-cutting handles a program holds.
//! - `community_ports`: the ports community and alarm own onto their neighbours, adapted from
//!   the neighbours' services.
//! - `outbound`: the outbound HTTP adapters (OAuth2 identity providers, the exam-schedule
//!   feed).
//! - `secrets`: the deployment secret and the payment gateway it configures.

mod adapters;
mod community_ports;
mod coupon_ports;
mod demo;
mod outbound;
mod secrets;
mod services;

#[cfg(feature = "test-support")]
pub use adapters::Adapters;
pub use services::Services;

use cercat_common::PortError;
use cercat_config::{LogFormatSetting, Profile, Settings};
use cercat_user::Role;
use std::time::Duration;

/// A dependency that could not be set up at start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start: {what}: {source}")]
pub struct BootstrapError {
    what: String,
    source: PortError,
}

fn fail(what: impl Into<String>) -> impl FnOnce(PortError) -> BootstrapError {
    let what = what.into();
    move |source| BootstrapError { what, source }
}

fn ms(value: u64) -> Duration {
    Duration::from_millis(value)
}

/// Loads the settings; on a bad or missing setting prints `<program>: <one line naming it>`
/// and returns the exit code (2) the program should stop with.
pub fn load_settings(program: &str) -> Result<Settings, std::process::ExitCode> {
    Settings::load().map_err(|err| {
        eprintln!("{program}: {err}");
        std::process::ExitCode::from(2)
    })
}

/// Installs logging as the settings ask: JSON in production (and for `log.format = "json"`),
/// pretty on a terminal otherwise. Keep the guard until the program ends (it writes out the
/// queued lines when dropped).
pub fn init_logging(settings: &Settings) -> cercat_logging::LogGuard {
    use cercat_logging::LogFormat;
    let format = match (settings.log.format, settings.profile) {
        (LogFormatSetting::Json, _) | (LogFormatSetting::Auto, Profile::Production) => LogFormat::Json,
        (LogFormatSetting::Pretty, _) => LogFormat::Pretty,
        (LogFormatSetting::Auto, Profile::Embedded) => LogFormat::detect(),
    };
    cercat_logging::init(format, &settings.log.level)
}

/// A stopping program's last step, once its background tasks ended: waits up to `timeout` for
/// its Kafka consumers to leave their groups (so the group hands their partitions to the other
/// instances at once, not after the session timeout). Never blocks an async worker.
pub async fn close_clients(timeout: Duration) {
    let left = tokio::task::spawn_blocking(move || cercat_kafka::wait_for_closed_consumers(timeout)).await;
    if !matches!(left, Ok(true)) {
        tracing::warn!(timeout_ms = timeout.as_millis(), "Kafka consumers still closing at exit");
    }
}

/// The demo accounts seeded in embedded mode: (email, password, nickname, role).
pub const DEMO_ACCOUNTS: &[(&str, &str, &str, Role)] = &[
    ("demo@cercat.dev", "demo-pass-1234", "데모학생", Role::User),
    ("admin@cercat.dev", "admin-pass-1234", "데모관리자", Role::Admin),
];

/// `host:pid`, naming this process in leases and job runs.
pub fn node_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".to_owned());
    format!("{host}:{}", std::process::id())
}

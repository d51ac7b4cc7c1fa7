//! Adapters for the course context's [`PaymentGateway`](cercat_course::ports::PaymentGateway) port:
//!
//! - [`TossGateway`]: Toss Payments over HTTPS (reqwest), every call bounded by a timeout, driver
//!   errors mapped to [`GatewayError`](cercat_course::ports::GatewayError).
//! - [`SimulatedGateway`]: an in-process gateway for embedded mode and local runs (latency,
//!   random declines, deterministic `fail-` keys).
//! - [`sign_webhook`]: the `v1:` signature both adapters verify, for simulators, fakes and tests.
//! - `fake` (feature `fake-server`): a fake Toss HTTP server on `127.0.0.1:0` for tests.

#![deny(missing_docs)]

mod simulator;
mod toss;
mod webhook;

#[cfg(feature = "fake-server")]
pub mod fake;

pub use simulator::{SimulatedGateway, SimulatorOptions};
pub use toss::{TossGateway, TossOptions};
pub use webhook::{MAX_WEBHOOK_SKEW_SECS, sign_webhook};

/// The dependency name in [`PortError`](cercat_common::PortError)s raised by this crate.
pub const DEP: &str = "payment";

//! `[payment]`: the payment gateway adapter and its credentials.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::Profile;

/// Which payment gateway adapter to use.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PaymentGatewaySetting {
    /// In-process simulator (embedded mode, local runs).
    Simulator,
    /// Toss Payments' HTTP API.
    Toss,
}

/// The payment gateway.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentSettings {
    /// `simulator` or `toss`.
    pub gateway: PaymentGatewaySetting,
    /// Toss API base URL.
    pub toss_base_url: String,
    /// Toss secret key (`test_sk_…`/`live_sk_…`); required with `gateway = "toss"`. Never serialized.
    #[serde(default, skip_serializing)]
    pub toss_secret_key: Option<SecretString>,
    /// Secret that signs webhooks; required with `gateway = "toss"`. Never serialized.
    #[serde(default, skip_serializing)]
    pub webhook_secret: Option<SecretString>,
    /// Upper bound on each gateway call.
    pub timeout_ms: u64,
    /// Simulator: delay of each call.
    pub simulator_latency_ms: u64,
    /// Simulator: percentage of confirms declined (0–100).
    pub simulator_failure_percent: u32,
}

impl PaymentSettings {
    /// The simulator when embedded (nobody is charged), Toss in production.
    pub(crate) fn defaults(profile: Profile) -> Self {
        Self {
            gateway: if profile == Profile::Embedded {
                PaymentGatewaySetting::Simulator
            } else {
                PaymentGatewaySetting::Toss
            },
            toss_base_url: "https://api.tosspayments.com".into(),
            toss_secret_key: None,
            webhook_secret: None,
            timeout_ms: 10_000,
            simulator_latency_ms: 50,
            simulator_failure_percent: 0,
        }
    }
}

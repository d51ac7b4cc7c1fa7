//! `[mail]`: the outgoing mail transport and its outbox dispatcher.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Outgoing mail.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// `smtp://user:pass@host:587?tls=required` or `smtps://…`; required in production.
    /// Embedded mode writes mails under `data_dir/mail/` instead. Secret because it carries
    /// the SMTP password; never serialized.
    #[serde(default, skip_serializing)]
    pub smtp_url: Option<SecretString>,
    /// Sender, e.g. `Cercat <no-reply@cercat.dev>`.
    pub from: String,
    /// Upper bound on one SMTP send.
    pub timeout_ms: u64,
    /// Pause between dispatch passes.
    pub poll_interval_ms: u64,
    /// Mails one dispatch pass takes from the outbox (1..=1000).
    #[serde(default = "default_batch_size")]
    pub batch_size: u32,
}

fn default_batch_size() -> u32 {
    50
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: "Cercat <no-reply@cercat.dev>".into(),
            timeout_ms: 10_000,
            poll_interval_ms: 2_000,
            batch_size: default_batch_size(),
        }
    }
}

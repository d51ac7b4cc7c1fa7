//! `[log]`: level and format of the programs' logs.

use serde::{Deserialize, Serialize};

/// `[log]`: how much the programs log, and in which format.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `EnvFilter` directive; `RUST_LOG` overrides it.
    pub level: String,
    /// `auto` (pretty on a terminal, JSON otherwise), `pretty` or `json`.
    pub format: LogFormatSetting,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormatSetting {
    /// Pretty on a terminal, JSON otherwise.
    Auto,
    /// Always human-readable.
    Pretty,
    /// Always JSON lines.
    Json,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self { level: "info,sqlx=warn,sea_orm=warn".into(), format: LogFormatSetting::Auto }
    }
}

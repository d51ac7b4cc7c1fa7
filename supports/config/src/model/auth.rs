//! `[auth]`: access and refresh tokens, sign-up codes, password hashing, client redirects.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::Profile;

/// Identity settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// HMAC secret for access tokens (≥ 32 characters). Required in production; embedded mode
    /// generates one in `data_dir/secrets/jwt.key` on first start. Never serialized.
    #[serde(default, skip_serializing)]
    pub jwt_secret: Option<SecretString>,
    /// `iss` of access tokens.
    pub issuer: String,
    /// `aud` of access tokens.
    pub audience: String,
    /// Access-token lifetime, at most 900 s.
    pub access_ttl_secs: u64,
    /// Refresh-token lifetime.
    pub refresh_ttl_secs: u64,
    /// How long a spent refresh token still answers with the same successor pair (0..=30 s),
    /// so a page's concurrent 401-retries do not look like a stolen token.
    #[serde(default = "default_refresh_grace")]
    pub refresh_grace_secs: u64,
    /// How long an emailed sign-up or password code is accepted (60..=3600 s).
    #[serde(default = "default_code_ttl")]
    pub code_ttl_secs: u64,
    /// How long a withdrawn account can still be recovered before it is purged (1..=3650 days).
    #[serde(default = "default_recovery_window")]
    pub recovery_window_days: u32,
    /// Password hashes computed at once (each takes ~19 MiB and one core for ~50 ms).
    pub hash_concurrency: usize,
    /// Where OAuth sign-ins land (`<client_url>/home` or `/onboarding`).
    pub client_url: String,
    /// Seed the demo accounts (embedded default; production refuses it).
    pub demo_accounts: bool,
}

fn default_refresh_grace() -> u64 {
    20
}

fn default_code_ttl() -> u64 {
    300
}

fn default_recovery_window() -> u32 {
    365
}

impl AuthSettings {
    pub(crate) fn defaults(profile: Profile) -> Self {
        Self {
            jwt_secret: None,
            issuer: "cercat".into(),
            audience: "cercat-client".into(),
            access_ttl_secs: 900,
            refresh_ttl_secs: 14 * 24 * 3600,
            refresh_grace_secs: default_refresh_grace(),
            code_ttl_secs: default_code_ttl(),
            recovery_window_days: default_recovery_window(),
            hash_concurrency: 2,
            client_url: "http://localhost:3000".into(),
            demo_accounts: profile == Profile::Embedded,
        }
    }
}

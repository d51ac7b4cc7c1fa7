//! `[oauth]`: OAuth2 authorization-code sign-in providers.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// OAuth2 authorization-code sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthSettings {
    /// The api's public base URL; callbacks are `<base>/login/oauth2/code/<provider>`.
    pub redirect_base_url: String,
    /// Upper bound on each call to a provider.
    pub timeout_ms: u64,
    /// `kakao`, `google`, `apple` → endpoints and credentials. Unconfigured providers answer 404.
    pub providers: BTreeMap<String, OAuthProvider>,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        Self { redirect_base_url: "http://127.0.0.1:8080".into(), timeout_ms: 5_000, providers: BTreeMap::new() }
    }
}

/// One provider's endpoints and credentials.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthProvider {
    /// Client id.
    pub client_id: String,
    /// Client secret (for Apple: the ES256 client-secret JWT you generate, valid ≤ 6 months).
    /// Never serialized: settings are serialized only to seed the defaults, which name no provider.
    #[serde(skip_serializing)]
    pub client_secret: SecretString,
    /// Authorization endpoint.
    pub authorize_url: String,
    /// Token endpoint.
    pub token_url: String,
    /// User-info endpoint; without one the `id_token` from the token response is read.
    pub userinfo_url: Option<String>,
    /// Space-separated scopes.
    pub scope: String,
    /// JSON pointer to the stable user id in the user info / id token (`/id` for Kakao, `/sub` otherwise).
    pub subject_pointer: String,
    /// JSON pointer to the email, if the provider shares one.
    pub email_pointer: String,
    /// JSON pointer to the provider's "this email is verified" flag (`true` or `"true"`), e.g.
    /// `/kakao_account/is_email_verified` (Kakao) or `/email_verified` (Google, Apple). The
    /// email is adopted only when the flag is true; without a pointer it never is.
    #[serde(default)]
    pub email_verified_pointer: Option<String>,
}

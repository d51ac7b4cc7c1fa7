//! How to reach the providers: endpoints, credentials and where their answers keep the identity.

use std::{collections::BTreeMap, time::Duration};

/// The providers this deployment is registered with.
#[derive(Debug, Clone)]
pub struct OAuthOptions {
    /// The api's public base URL; callbacks are `<base>/login/oauth2/code/<provider>`.
    pub redirect_base_url: String,
    /// Bound on each call to a provider (connect, send, and reading the answer).
    pub timeout: Duration,
    /// `kakao`, `google`, `apple` → their endpoints and credentials.
    pub providers: BTreeMap<String, ProviderOptions>,
}

/// One provider.
#[derive(Clone)]
pub struct ProviderOptions {
    /// Our client id at the provider (also the audience its id tokens must name).
    pub client_id: String,
    /// Our client secret (for Apple, the ES256 client-secret JWT).
    pub client_secret: String,
    /// The consent page.
    pub authorize_url: String,
    /// The token endpoint.
    pub token_url: String,
    /// The user-info endpoint; without one the `id_token` of the token answer is read.
    pub userinfo_url: Option<String>,
    /// Space-separated scopes.
    pub scope: String,
    /// JSON pointer to the stable user id in the user info or id token.
    pub subject_pointer: String,
    /// JSON pointer to the email.
    pub email_pointer: String,
    /// JSON pointer to the provider's "email verified" flag (`true` or `"true"`); without one
    /// the email is reported unverified.
    pub email_verified_pointer: Option<String>,
}

impl std::fmt::Debug for ProviderOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderOptions")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("authorize_url", &self.authorize_url)
            .field("token_url", &self.token_url)
            .field("userinfo_url", &self.userinfo_url)
            .finish_non_exhaustive()
    }
}

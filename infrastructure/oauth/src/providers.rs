//! [`OAuthProviders`]: the authorization-code flow over HTTP — the consent-page URL, the code
//! exchange at the token endpoint (form post with our client credentials), then the user info
//! (bearer access token) or the `id_token` of the token answer.

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_user::ports::{ExternalIdentity, IdentityProviderError, IdentityProviders};
use reqwest::StatusCode;
use serde_json::Value;
use std::{collections::BTreeMap, time::Duration};
use url::Url;

use crate::{DEP, OAuthOptions, ProviderOptions, profile};

/// A configured provider, its URLs checked once at start.
#[derive(Debug)]
struct Provider {
    options: ProviderOptions,
    authorize: Url,
    redirect_uri: String,
}

/// The HTTP adapter of [`IdentityProviders`].
#[derive(Debug)]
pub struct OAuthProviders {
    client: reqwest::Client,
    providers: BTreeMap<String, Provider>,
    timeout: Duration,
}

fn rejected(reason: impl Into<String>) -> IdentityProviderError {
    IdentityProviderError::Rejected(reason.into())
}

/// The start of a body, for error details.
fn snippet(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(200).collect()
}

impl OAuthProviders {
    /// Builds the HTTP client and checks every provider's consent-page URL. Fails if one is not
    /// an absolute URL or the TLS stack cannot be set up.
    pub fn new(options: OAuthOptions) -> Result<Self, PortError> {
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .build()
            .map_err(|e| PortError::unavailable(DEP, format!("http client: {e}")))?;
        let base = options.redirect_base_url.trim_end_matches('/');
        let providers = options
            .providers
            .into_iter()
            .map(|(name, p)| {
                let authorize = Url::parse(&p.authorize_url).map_err(|e| {
                    PortError::unavailable(DEP, format!("{name}: bad authorize URL {:?}: {e}", p.authorize_url))
                })?;
                let redirect_uri = format!("{base}/login/oauth2/code/{name}");
                Ok((name, Provider { options: p, authorize, redirect_uri }))
            })
            .collect::<Result<_, PortError>>()?;
        Ok(Self { client, providers, timeout: options.timeout })
    }

    fn provider(&self, name: &str) -> Result<&Provider, IdentityProviderError> {
        self.providers.get(name).ok_or_else(|| IdentityProviderError::UnknownProvider(name.to_owned()))
    }

    fn failure(&self, error: reqwest::Error) -> PortError {
        if error.is_timeout() { PortError::timeout(DEP, self.timeout) } else { PortError::unavailable(DEP, error) }
    }

    /// Sends `request` under the timeout and reads its JSON answer. A 4xx other than 408/429 is
    /// a refusal naming `what`; a 5xx, 408, 429, transport error, timeout or unreadable body is
    /// [`IdentityProviderError::Unavailable`].
    async fn call(&self, request: reqwest::RequestBuilder, what: &str) -> Result<Value, IdentityProviderError> {
        let call = async {
            let response = request.send().await.map_err(|e| self.failure(e))?;
            let status = response.status();
            let bytes = response.bytes().await.map_err(|e| self.failure(e))?;
            Ok::<_, PortError>((status, bytes))
        };
        let (status, bytes) =
            tokio::time::timeout(self.timeout, call).await.map_err(|_| PortError::timeout(DEP, self.timeout))??;
        let retryable = matches!(status, StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS);
        if status.is_client_error() && !retryable {
            return Err(rejected(format!("{what} answered {status}")));
        }
        if !status.is_success() {
            return Err(PortError::unavailable(DEP, format!("{what} answered {status}: {}", snippet(&bytes))).into());
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            PortError::unavailable(DEP, format!("unreadable {what} answer: {e}: {}", snippet(&bytes))).into()
        })
    }
}

#[async_trait]
impl IdentityProviders for OAuthProviders {
    fn is_configured(&self, provider: &str) -> bool {
        self.providers.contains_key(provider)
    }

    fn authorization_url(&self, provider: &str, state: &str) -> Result<String, IdentityProviderError> {
        let p = self.provider(provider)?;
        let mut url = p.authorize.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &p.options.client_id)
            .append_pair("redirect_uri", &p.redirect_uri)
            .append_pair("scope", &p.options.scope)
            .append_pair("state", state);
        if provider == "apple" {
            // Apple posts the callback when name/email scopes are requested.
            url.query_pairs_mut().append_pair("response_mode", "form_post");
        }
        Ok(url.into())
    }

    async fn identify(&self, provider: &str, code: &str) -> Result<ExternalIdentity, IdentityProviderError> {
        let p = self.provider(provider)?;
        let o = &p.options;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", p.redirect_uri.as_str()),
            ("client_id", o.client_id.as_str()),
            ("client_secret", o.client_secret.as_str()),
        ];
        let tokens = self.call(self.client.post(&o.token_url).form(&form), "the token endpoint").await?;
        let profile = match &o.userinfo_url {
            Some(url) => {
                let access = tokens["access_token"].as_str().ok_or_else(|| rejected("no access_token"))?;
                self.call(self.client.get(url).bearer_auth(access), "the user-info endpoint").await?
            }
            None => {
                let id_token = tokens["id_token"].as_str().ok_or_else(|| rejected("no id_token"))?;
                profile::id_token_claims(id_token, &o.client_id, chrono::Utc::now().timestamp())?
            }
        };
        let identity = profile::identity(&profile, o)?;
        tracing::debug!(provider, subject = %identity.subject, "oauth: identity confirmed");
        Ok(identity)
    }
}

//! OAuth2 authorization-code sign-in (Kakao, Google, Apple): the provider calls, and the
//! login state carried in a signed, short-lived cookie so any api instance can finish it.

use cercat_config::{OAuthProvider, OAuthSettings};
use cercat_user::UserError;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// The cookie carrying the signed state.
pub const STATE_COOKIE: &str = "cercat_oauth_state";
/// How long a started sign-in may take.
pub const STATE_TTL_SECS: i64 = 600;

#[derive(Debug, Serialize, Deserialize)]
struct StateClaims {
    provider: String,
    state: String,
    typ: String,
    exp: i64,
}

/// Signs and checks login states (HS256 with a key derived from the JWT secret, so it can
/// never be confused with an access token: different key and type).
#[derive(Clone)]
pub struct StateSigner {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for StateSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StateSigner")
    }
}

const STATE_TYPE: &str = "oauth-state";

impl StateSigner {
    /// From the deployment's secret.
    pub fn new(secret: &[u8]) -> Self {
        let key = cercat_user::tokens::digest(&[&String::from_utf8_lossy(secret), STATE_TYPE]);
        Self { encoding: EncodingKey::from_secret(key.as_bytes()), decoding: DecodingKey::from_secret(key.as_bytes()) }
    }

    /// A fresh random state and its signed cookie value for `provider`.
    pub fn start(&self, provider: &str, now: i64) -> Result<(String, String), UserError> {
        let state = uuid::Uuid::new_v4().simple().to_string();
        let claims = StateClaims {
            provider: provider.into(),
            state: state.clone(),
            typ: STATE_TYPE.into(),
            exp: now + STATE_TTL_SECS,
        };
        let cookie = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| UserError::Store(cercat_common::PortError::Corrupt(e.to_string())))?;
        Ok((state, cookie))
    }

    /// Checks that `cookie` is ours, unexpired, for `provider`, and carries `state`.
    pub fn check(&self, cookie: Option<&str>, provider: &str, state: Option<&str>) -> Result<(), UserError> {
        let (Some(cookie), Some(state)) = (cookie, state) else { return Err(UserError::OAuthStateInvalid) };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp"]);
        validation.leeway = 0;
        let claims = decode::<StateClaims>(cookie, &self.decoding, &validation)
            .map_err(|_| UserError::OAuthStateInvalid)?
            .claims;
        if claims.typ == STATE_TYPE && claims.provider == provider && claims.state == state {
            Ok(())
        } else {
            Err(UserError::OAuthStateInvalid)
        }
    }
}

/// The provider-confirmed identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Stable user id at the provider.
    pub subject: String,
    /// Email, if shared and verified by the provider.
    pub email: Option<String>,
}

/// The callback URL registered with the provider.
pub fn redirect_uri(settings: &OAuthSettings, provider: &str) -> String {
    format!("{}/login/oauth2/code/{provider}", settings.redirect_base_url.trim_end_matches('/'))
}

/// The provider's authorization URL for `state`.
pub fn authorize_url(
    settings: &OAuthSettings,
    name: &str,
    p: &OAuthProvider,
    state: &str,
) -> Result<String, UserError> {
    let mut url =
        url::Url::parse(&p.authorize_url).map_err(|e| UserError::OAuthRejected(format!("bad authorize URL: {e}")))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &p.client_id)
        .append_pair("redirect_uri", &redirect_uri(settings, name))
        .append_pair("scope", &p.scope)
        .append_pair("state", state);
    if name == "apple" {
        // Apple posts the callback when name/email scopes are requested.
        url.query_pairs_mut().append_pair("response_mode", "form_post");
    }
    Ok(url.into())
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Exchanges `code` for tokens and reads the identity — from the user-info endpoint, or from
/// the `id_token` the token endpoint returned (received directly over TLS from the provider,
/// which OpenID Connect Core §3.1.3.7 accepts in place of a signature check; its audience must
/// be our client id).
pub async fn identify(
    settings: &OAuthSettings,
    name: &str,
    p: &OAuthProvider,
    code: &str,
) -> Result<Identity, UserError> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(settings.timeout_ms))
        .build()
        .map_err(|e| UserError::OAuthRejected(e.to_string()))?;
    let redirect = redirect_uri(settings, name);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect.as_str()),
        ("client_id", p.client_id.as_str()),
        ("client_secret", cercat_config::ExposeSecret::expose_secret(&p.client_secret)),
    ];
    let res = client
        .post(&p.token_url)
        .form(&form)
        .send()
        .await
        .map_err(|e| UserError::OAuthRejected(format!("token endpoint: {e}")))?;
    if !res.status().is_success() {
        return Err(UserError::OAuthRejected(format!("token endpoint answered {}", res.status())));
    }
    let tokens: Value = res.json().await.map_err(|e| UserError::OAuthRejected(format!("token response: {e}")))?;
    let info = match &p.userinfo_url {
        Some(url) => {
            let access =
                tokens["access_token"].as_str().ok_or_else(|| UserError::OAuthRejected("no access_token".into()))?;
            let res = client
                .get(url)
                .bearer_auth(access)
                .send()
                .await
                .map_err(|e| UserError::OAuthRejected(format!("user info: {e}")))?;
            if !res.status().is_success() {
                return Err(UserError::OAuthRejected(format!("user info answered {}", res.status())));
            }
            res.json::<Value>().await.map_err(|e| UserError::OAuthRejected(format!("user info: {e}")))?
        }
        None => {
            let id_token = tokens["id_token"].as_str().ok_or_else(|| UserError::OAuthRejected("no id_token".into()))?;
            let payload =
                id_token.split('.').nth(1).ok_or_else(|| UserError::OAuthRejected("malformed id_token".into()))?;
            use base64::Engine;
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload.trim_end_matches('='))
                .map_err(|_| UserError::OAuthRejected("malformed id_token".into()))?;
            let claims: Value =
                serde_json::from_slice(&bytes).map_err(|_| UserError::OAuthRejected("malformed id_token".into()))?;
            let aud_ok = match &claims["aud"] {
                Value::String(a) => *a == p.client_id,
                Value::Array(list) => list.iter().any(|a| a.as_str() == Some(p.client_id.as_str())),
                _ => false,
            };
            let exp_ok = claims["exp"].as_i64().is_some_and(|exp| exp > chrono::Utc::now().timestamp());
            if !aud_ok || !exp_ok {
                return Err(UserError::OAuthRejected("the id_token is not for this client or has expired".into()));
            }
            claims
        }
    };
    let subject = text(info.pointer(&p.subject_pointer))
        .ok_or_else(|| UserError::OAuthRejected("no user id in the profile".into()))?;
    // An unverified provider email could be anyone's address: it is not adopted.
    let verified = p.email_verified_pointer.as_deref().and_then(|ptr| info.pointer(ptr)).is_some_and(|flag| {
        matches!(flag, Value::Bool(true)) || flag.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))
    });
    let email = text(info.pointer(&p.email_pointer)).filter(|_| verified);
    Ok(Identity { subject, email })
}

//! Account use cases: sign-up with email codes, sign-in, sessions, profile, lifecycle.

pub mod admin;
mod lifecycle;
pub mod oauth;
pub mod profile;
mod session;
mod signup;

use cercat_common::{
    broadcast::Broadcast, clock::Clock, ratelimit::RateDecision, ratelimit::RateLimiter, storage::ImageStorage,
};
use serde::Serialize;
use std::{sync::Arc, time::Duration};

use crate::{
    JwtKeys, UserError,
    password::PasswordHasher,
    ports::{EmailCodeRepository, IdentityProviders, RefreshTokenStore, SessionRevocations, UserRepository},
};

/// Tunables of the identity rules.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Refresh-token lifetime.
    pub refresh_ttl: Duration,
    /// Email-code lifetime (5 minutes).
    pub code_ttl: Duration,
    /// How long a withdrawn account can be recovered (one year).
    pub recovery_window: chrono::Duration,
    /// Largest profile image.
    pub max_image_bytes: usize,
    /// How long a spent refresh token still answers with its successor (≤ 30 s), so
    /// concurrent refreshes by one client are not taken for a replay.
    pub refresh_grace: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            refresh_ttl: Duration::from_secs(14 * 24 * 3600),
            code_ttl: Duration::from_secs(300),
            recovery_window: chrono::Duration::days(365),
            max_image_bytes: 5 * 1024 * 1024,
            refresh_grace: Duration::from_secs(20),
        }
    }
}

/// An access + refresh token pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenPair {
    /// `Bearer <jwt>`, as Cercat's client stores it.
    pub access_token: String,
    /// `Bearer <opaque>`.
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// The ports the account service uses.
#[derive(Clone)]
pub struct AccountPorts {
    /// Stored accounts.
    pub users: Arc<dyn UserRepository>,
    /// Email codes (+ their mails).
    pub codes: Arc<dyn EmailCodeRepository>,
    /// Refresh tokens.
    pub refresh: Arc<dyn RefreshTokenStore>,
    /// Throttling counters.
    pub limiter: Arc<dyn RateLimiter>,
    /// Ended sessions (so their access tokens stop at once, on every process).
    pub revocations: Arc<dyn SessionRevocations>,
    /// Where an ended session is announced (its id), so every instance closes its streams.
    pub session_ends: Arc<dyn Broadcast>,
    /// Profile images.
    pub storage: Arc<dyn ImageStorage>,
    /// The OAuth2 identity providers (Kakao, Google, Apple).
    pub identities: Arc<dyn IdentityProviders>,
    /// The sign-in history operators read.
    pub sign_ins: Arc<dyn crate::sign_ins::SignInLog>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

/// The account service.
#[derive(Clone)]
pub struct AccountService {
    ports: AccountPorts,
    hasher: PasswordHasher,
    jwt: JwtKeys,
    login_states: oauth::LoginStates,
    config: AuthConfig,
}

impl AccountService {
    /// Wires the service.
    pub fn new(ports: AccountPorts, hasher: PasswordHasher, jwt: JwtKeys, config: AuthConfig) -> Self {
        let login_states = oauth::LoginStates::new(jwt.secret());
        Self { ports, hasher, jwt, login_states, config }
    }

    /// The token keys (for extractors).
    pub fn jwt(&self) -> &JwtKeys {
        &self.jwt
    }

    /// Counts a hit and refuses with `TooManyAttempts` when over `limit` per `window`.
    async fn throttle(&self, key: &str, limit: u32, window: Duration) -> Result<(), UserError> {
        match self.ports.limiter.hit(key, limit, window).await? {
            RateDecision::Allowed => Ok(()),
            RateDecision::Limited { retry_after } => Err(UserError::TooManyAttempts { retry_after }),
        }
    }

    /// Refuses with `TooManyAttempts` when `key` is already over `limit`, without counting.
    async fn ensure_under(&self, key: &str, limit: u32) -> Result<(), UserError> {
        match self.ports.limiter.check(key, limit).await? {
            RateDecision::Allowed => Ok(()),
            RateDecision::Limited { retry_after } => Err(UserError::TooManyAttempts { retry_after }),
        }
    }
}

/// Strips an optional `Bearer ` prefix (Cercat's client stores tokens with it).
pub fn strip_bearer(value: &str) -> &str {
    let value = value.trim();
    value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).unwrap_or(value).trim()
}

#[cfg(test)]
mod tests;

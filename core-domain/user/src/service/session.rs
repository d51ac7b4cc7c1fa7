//! Sign-in, token refresh with rotation and reuse detection, sign-out, authentication.

use std::time::Duration;

use super::{AccountService, TokenPair, strip_bearer};
use crate::{
    AccessClaims, Email, User, UserError,
    ports::{RefreshSession, Rotation},
    sign_ins::{SignIn, SignInMethod, SignInOutcome, SignInVia},
    tokens::{digest, new_refresh_token},
};

/// Sign-in tries allowed per (account, client) in [`LOGIN_WINDOW`]: a stranger's failures from
/// their own address never lock the owner out of theirs.
pub const LOGIN_LIMIT_ACCOUNT_CLIENT: u32 = 5;
/// Failed sign-ins allowed per account from all clients together: the ceiling against a
/// guesser spread over many addresses (20 addresses' worth of tries).
pub const LOGIN_LIMIT_ACCOUNT: u32 = 100;
/// Failed sign-ins allowed per client.
pub const LOGIN_LIMIT_IP: u32 = 30;
/// The window sign-in tries are counted in.
pub const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

impl AccountService {
    /// Signs in with email and password. Each (account, client) gets 5 tries per 15 minutes,
    /// counted before the password is hashed so a burst of parallel guesses costs at most 5
    /// hashes; a success clears them. Failures also count per client (30) and per account
    /// from everywhere (100). Over any limit: `TooManyAttempts` with the wait. Unknown emails
    /// cost the same time as wrong passwords.
    pub async fn login(&self, raw_email: &str, password: &str, ip: &str) -> Result<TokenPair, UserError> {
        let email = Email::parse(raw_email).map_err(|_| UserError::BadCredentials)?;
        let pair_key = format!("login:account-client:{}:{ip}", email.as_str());
        let account_key = format!("login:account:{}", email.as_str());
        let ip_key = format!("login:ip:{ip}");
        self.ensure_under(&ip_key, LOGIN_LIMIT_IP).await?;
        self.ensure_under(&account_key, LOGIN_LIMIT_ACCOUNT).await?;
        self.throttle(&pair_key, LOGIN_LIMIT_ACCOUNT_CLIENT, LOGIN_WINDOW).await?;
        let user = self.ports.users.find_by_email(&email).await?.filter(|u| u.withdrawn_at.is_none());
        let verified = match user.as_ref().and_then(|u| u.password_hash.as_deref()) {
            Some(hash) => self.hasher.verify(password, hash).await?,
            None => {
                self.hasher.verify_dummy(password).await?;
                false
            }
        };
        match (user, verified) {
            (Some(user), true) => {
                self.ports.limiter.reset(&pair_key).await?;
                self.start_session(&user, &SignInVia::new(SignInMethod::Password, Some(ip))).await
            }
            (user, _) => {
                if let Some(user) = user {
                    self.record_sign_in(
                        &user,
                        &SignInVia::new(SignInMethod::Password, Some(ip)),
                        SignInOutcome::WrongPassword,
                        None,
                    )
                    .await;
                }
                // Count the failure; the answer stays `BadCredentials` so the limit is not an oracle.
                let _ = self.ports.limiter.hit(&account_key, LOGIN_LIMIT_ACCOUNT, LOGIN_WINDOW).await?;
                let _ = self.ports.limiter.hit(&ip_key, LOGIN_LIMIT_IP, LOGIN_WINDOW).await?;
                Err(UserError::BadCredentials)
            }
        }
    }

    /// Checks `current` against the account's password before a sensitive change. Tries are
    /// counted before hashing (5 per 15 minutes per account, cleared by a success), so
    /// guessing is slow and parallel guesses cannot occupy the hashing threads.
    pub(crate) async fn check_current_password(&self, user: &User, current: &str) -> Result<(), UserError> {
        let key = format!("password-check:{}", user.id);
        self.throttle(&key, LOGIN_LIMIT_ACCOUNT_CLIENT, LOGIN_WINDOW).await?;
        let hash = user.password_hash.as_deref().ok_or(UserError::CurrentPasswordWrong)?;
        if !self.hasher.verify(current, hash).await? {
            return Err(UserError::CurrentPasswordWrong);
        }
        self.ports.limiter.reset(&key).await?;
        Ok(())
    }

    /// Starts a new session family for `user`; a suspended account gets none (`Suspended`,
    /// whichever way it signs in: password, OAuth, recovery).
    /// The attempt is written to the sign-in history, refused or not.
    pub async fn start_session(&self, user: &User, via: &SignInVia) -> Result<TokenPair, UserError> {
        if let Err(refused) = self.ensure_not_suspended(user) {
            self.record_sign_in(user, via, SignInOutcome::Suspended, None).await;
            return Err(refused);
        }
        let (pair, sid) = self.open_session(user).await?;
        self.record_sign_in(user, via, SignInOutcome::Succeeded, Some(sid)).await;
        Ok(pair)
    }

    /// A new session family for `user` (no checks, no history): the pair and the session id.
    async fn open_session(&self, user: &User) -> Result<(TokenPair, String), UserError> {
        let session = RefreshSession { user_id: user.id, family: uuid::Uuid::new_v4().simple().to_string() };
        let refresh = new_refresh_token();
        self.ports.refresh.create(&digest(&[&refresh]), &session, self.config.refresh_ttl).await?;
        Ok((self.pair(user, &session.family, refresh)?, session.family))
    }

    /// Appends to the sign-in history; a failure is logged, never answered.
    pub(crate) async fn record_sign_in(
        &self,
        user: &User,
        via: &SignInVia,
        outcome: SignInOutcome,
        session: Option<String>,
    ) {
        let entry = SignIn {
            user_id: user.id,
            at: self.ports.clock.now(),
            method: via.method.clone(),
            outcome,
            client: via.client.clone(),
            session,
        };
        if let Err(err) = self.ports.sign_ins.record(&entry).await {
            tracing::warn!(%err, user_id = user.id, "could not record a sign-in in the history");
        }
    }

    fn pair(&self, user: &User, sid: &str, refresh: String) -> Result<TokenPair, UserError> {
        let now = self.ports.clock.now().timestamp();
        let access = self.jwt.issue(user.id, user.role, sid, now)?;
        Ok(TokenPair {
            access_token: format!("Bearer {access}"),
            refresh_token: format!("Bearer {refresh}"),
            expires_in: self.jwt.ttl_secs(),
        })
    }

    /// The pair a rotation into `refresh` at `at` answers with: the same inputs give the same
    /// pair, so every use of one token within its grace window gets identical tokens.
    fn rotated_pair(&self, user: &User, sid: &str, refresh: String, at: i64) -> Result<TokenPair, UserError> {
        let mut jti = self.jwt.keyed_digest(&["access-jti", &refresh]);
        jti.truncate(32);
        let access = self.jwt.issue_with_id(user.id, user.role, sid, at, jti)?;
        let elapsed = (self.ports.clock.now().timestamp() - at).max(0);
        Ok(TokenPair {
            access_token: format!("Bearer {access}"),
            refresh_token: format!("Bearer {refresh}"),
            expires_in: (self.jwt.ttl_secs() - elapsed).max(0),
        })
    }

    /// Exchanges a refresh token for a new pair. The old token is spent; presenting it again
    /// within the grace window (a page retrying several unauthenticated calls at once, on any
    /// instance) answers with the same pair, and after it revokes the whole session family (a
    /// stolen token is then useless too).
    pub async fn refresh(&self, presented: &str) -> Result<TokenPair, UserError> {
        let old = strip_bearer(presented);
        if old.is_empty() || old.len() > 200 {
            return Err(UserError::InvalidToken);
        }
        let new = self.jwt.refresh_successor(old);
        let now = self.ports.clock.now();
        let rotation = self
            .ports
            .refresh
            .rotate(&digest(&[old]), &digest(&[&new]), self.config.refresh_ttl, now, self.config.refresh_grace)
            .await?;
        match rotation {
            Rotation::Rotated { session, at } => match self.ports.users.find(session.user_id).await? {
                // Suspending ends the sessions; this also ends one that slipped past it (started
                // on another instance in the same instant).
                Some(user) => match self.ensure_not_suspended(&user) {
                    Ok(()) => self.rotated_pair(&user, &session.family, new, at.timestamp()),
                    Err(suspended) => {
                        self.end_family(&session.family).await?;
                        Err(suspended)
                    }
                },
                None => {
                    self.end_family(&session.family).await?;
                    Err(UserError::InvalidToken)
                }
            },
            Rotation::Reused(session) => {
                tracing::warn!(user_id = session.user_id, "a spent refresh token was replayed; revoking its session");
                self.deny_sid(&session.family).await;
                Err(UserError::RefreshReused)
            }
            Rotation::Unknown => Err(UserError::InvalidToken),
        }
    }

    /// Verifies an access token (signature, times, issuer, audience, type) and that its
    /// session was not ended. The revocation check fails open if its store is down: access
    /// tokens live at most 15 minutes.
    pub async fn authenticate(&self, presented: &str) -> Result<AccessClaims, UserError> {
        let claims = self.jwt.verify(strip_bearer(presented))?;
        match self.ports.revocations.is_revoked(&claims.sid, self.ports.clock.now()).await {
            Ok(true) => Err(UserError::InvalidToken),
            Ok(false) => Ok(claims),
            Err(err) => {
                tracing::warn!(%err, "session revocation check unavailable; accepting the token");
                Ok(claims)
            }
        }
    }

    /// Whether the session of `claims` is still alive (long-lived streams ask again).
    pub async fn session_alive(&self, claims: &AccessClaims) -> bool {
        self.session_id_alive(&claims.sid).await
    }

    /// Whether session `sid` is still alive; an unreachable store counts as alive (its
    /// tokens expire on their own).
    pub async fn session_id_alive(&self, sid: &str) -> bool {
        !matches!(self.ports.revocations.is_revoked(sid, self.ports.clock.now()).await, Ok(true))
    }

    /// Ended sessions as they are announced (each message is a session id), on every instance.
    pub async fn session_ends(&self) -> Result<tokio::sync::mpsc::Receiver<String>, UserError> {
        Ok(self.ports.session_ends.listen().await?)
    }

    /// Signs out: the session family's refresh tokens are revoked and its access tokens are
    /// refused until they would have expired.
    pub async fn logout(&self, claims: &AccessClaims) -> Result<(), UserError> {
        self.end_family(&claims.sid).await
    }

    pub(crate) async fn end_family(&self, sid: &str) -> Result<(), UserError> {
        self.ports.refresh.revoke_family(sid).await?;
        self.deny_sid(sid).await;
        Ok(())
    }

    /// Ends every session of `user_id` except `keep`.
    pub(crate) async fn end_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<(), UserError> {
        for sid in self.ports.refresh.revoke_user(user_id, keep).await? {
            self.deny_sid(&sid).await;
        }
        Ok(())
    }

    /// Refuses the access tokens of `sid` until they would have expired, and announces the end
    /// so open streams of that session close on every instance.
    async fn deny_sid(&self, sid: &str) {
        let until = self.ports.clock.now() + chrono::Duration::seconds(self.jwt.ttl_secs() + 60);
        if let Err(err) = self.ports.revocations.revoke(sid, until).await {
            tracing::warn!(%err, "could not record a revoked session; its access tokens expire on their own");
        }
        if let Err(err) = self.ports.session_ends.publish(sid).await {
            tracing::warn!(%err, "could not announce an ended session; its streams end when their token expires");
        }
    }

    /// A fresh pair inside the existing session `sid`: its other refresh tokens stay current.
    pub(crate) async fn extend_session(&self, user: &User, sid: &str) -> Result<TokenPair, UserError> {
        let session = RefreshSession { user_id: user.id, family: sid.to_owned() };
        let refresh = new_refresh_token();
        self.ports.refresh.create(&digest(&[&refresh]), &session, self.config.refresh_ttl).await?;
        self.pair(user, sid, refresh)
    }

    /// Reissues a pair for the current session after a role change (onboarding).
    pub(crate) async fn reissue(&self, user: &User, sid: &str) -> Result<TokenPair, UserError> {
        self.ports.refresh.revoke_family(sid).await?;
        self.deny_sid(sid).await;
        self.ensure_not_suspended(user)?;
        Ok(self.open_session(user).await?.0)
    }
}

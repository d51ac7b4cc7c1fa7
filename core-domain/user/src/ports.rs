//! What the user context needs from storage and the shared infrastructure.

use async_trait::async_trait;
use cercat_common::{PortError, audit::AuditEntry, mail::Mail, paging::KeysetRequest};
use chrono::{DateTime, Utc};
use std::time::Duration;

use crate::model::{CodePurpose, Email, NewUser, Nickname, Role, Suspension, User, UserStatus};

/// What a guarded role change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleChange {
    /// The role is now the new one; the audit entry was appended with it.
    Changed,
    /// The account is no longer active with the expected role (changed or withdrawn meanwhile):
    /// nothing was written.
    Stale,
    /// `keep_an_admin` was asked and no other active ADMIN exists at the moment of the write:
    /// nothing was written.
    NoOtherAdmin,
}

/// Which accounts an operator lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFilter {
    /// Email or nickname contains this (case-insensitively for the email, which is stored lower case).
    pub query: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only accounts in this status at `now` (see [`User::status_at`]).
    pub status: Option<UserStatus>,
    /// The time statuses are judged at (a suspension ending before it is over).
    pub now: DateTime<Utc>,
}

/// Stored accounts, withdrawn ones included until they are purged.
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// An active (not withdrawn) user.
    async fn find(&self, id: i64) -> Result<Option<User>, PortError>;
    /// Any user with this email, withdrawn ones included (their email stays reserved).
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, PortError>;
    /// The account linked to (`provider`, `subject`), withdrawn ones included.
    async fn find_by_oauth(&self, provider: &str, subject: &str) -> Result<Option<User>, PortError>;
    /// Creates the account. Errors: [`PortError::Duplicate`] naming `email` or `nickname`
    /// when either is taken (withdrawn accounts keep theirs).
    async fn create(&self, user: &NewUser, at: DateTime<Utc>) -> Result<User, PortError>;
    /// Whether `nickname` belongs to an account other than `except`.
    async fn nickname_taken(&self, nickname: &Nickname, except: Option<i64>) -> Result<bool, PortError>;
    /// Changes the nickname and/or the profile image key (`Some(None)` removes the image).
    /// Errors: [`PortError::Duplicate`] if the nickname was taken meanwhile.
    async fn update_profile(
        &self,
        id: i64,
        nickname: Option<&Nickname>,
        image_key: Option<Option<&str>>,
        at: DateTime<Utc>,
    ) -> Result<(), PortError>;
    /// Sets the role.
    async fn set_role(&self, id: i64, role: Role, at: DateTime<Utc>) -> Result<(), PortError>;
    /// Changes the role of the active account `id` from `from` to `to` and appends `audit`, in
    /// one transaction. With `keep_an_admin` the write happens only if another active ADMIN
    /// exists at that moment — decided under locks, so two concurrent demotions of the last two
    /// admins cannot both pass. Answers [`RoleChange::Stale`] when the account is not active
    /// with role `from` any more.
    async fn change_role(
        &self,
        id: i64,
        from: Role,
        to: Role,
        keep_an_admin: bool,
        audit: &AuditEntry,
    ) -> Result<RoleChange, PortError>;
    /// Puts `suspension` on the active account `id` (replacing any), or lifts it with `None`,
    /// and appends `audit`, in one transaction; `false` (nothing written) when no active
    /// account has this id.
    async fn set_suspension(
        &self,
        id: i64,
        suspension: Option<&Suspension>,
        audit: &AuditEntry,
    ) -> Result<bool, PortError>;
    /// Any account by id, withdrawn ones included (operators look at those too).
    async fn find_any(&self, id: i64) -> Result<Option<User>, PortError>;
    /// Accounts matching `filter`, newest first by `(created_at, id)`, strictly after
    /// `page.after`, at most `page.fetch_limit()` of them.
    async fn search(&self, filter: &UserFilter, page: &KeysetRequest) -> Result<Vec<User>, PortError>;
    /// Changes the email. Errors: [`PortError::Duplicate`] if another account has it.
    async fn set_email(&self, id: i64, email: &Email, at: DateTime<Utc>) -> Result<(), PortError>;
    /// Replaces the password hash.
    async fn set_password(&self, id: i64, hash: &str, at: DateTime<Utc>) -> Result<(), PortError>;
    /// Soft-deletes an active account; returns whether it was active.
    async fn withdraw(&self, id: i64, at: DateTime<Utc>) -> Result<bool, PortError>;
    /// Restores a withdrawn account; returns whether it was withdrawn.
    async fn restore(&self, id: i64, at: DateTime<Utc>) -> Result<bool, PortError>;
    /// Hard-deletes accounts withdrawn before `cutoff` and their personal data; returns how many.
    async fn purge_withdrawn_before(&self, cutoff: DateTime<Utc>) -> Result<u64, PortError>;
}

/// The result of checking an email code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right and unexpired; now consumed (it cannot be used again).
    Valid,
    /// Wrong, expired, already used, or too many wrong tries.
    Invalid,
}

/// Email verification codes, stored hashed.
#[async_trait]
pub trait EmailCodeRepository: Send + Sync {
    /// Stores a new code for (email, purpose), invalidating older ones, and queues `mail` in
    /// the same transaction (so a code exists iff its mail will be sent).
    async fn issue(
        &self,
        email: &Email,
        purpose: CodePurpose,
        code_hash: &str,
        expires_at: DateTime<Utc>,
        mail: &Mail,
        at: DateTime<Utc>,
    ) -> Result<(), PortError>;
    /// Atomically consumes the code if it matches, is unexpired, unused and has had fewer
    /// than `max_attempts` wrong tries; otherwise counts a wrong try.
    async fn consume(
        &self,
        email: &Email,
        purpose: CodePurpose,
        code_hash: &str,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<CodeCheck, PortError>;
}

/// A refresh token's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshSession {
    /// The user.
    pub user_id: i64,
    /// The session family (one per sign-in; every rotation stays in it).
    pub family: String,
}

/// What rotating a refresh token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The old token was current and is now spent, its successor current; or it was spent
    /// within the grace window into this same successor, which is handed out again.
    Rotated {
        /// The session the token belongs to.
        session: RefreshSession,
        /// When the old token was first spent (the same for every use in the grace window).
        at: DateTime<Utc>,
    },
    /// The old token was spent before the grace window (or into another successor): the
    /// whole family was revoked.
    Reused(RefreshSession),
    /// Unknown, expired or revoked.
    Unknown,
}

/// Refresh tokens (hashed), by family, with TTL (Redis in production; a table when embedded, so
/// sessions outlive an api restart and the admin process can end them).
#[async_trait]
pub trait RefreshTokenStore: Send + Sync {
    /// Stores a current token for `session`, alive for `ttl`.
    async fn create(&self, token_hash: &str, session: &RefreshSession, ttl: Duration) -> Result<(), PortError>;
    /// Atomically, for the token `old_hash` at time `now`:
    /// - current → spent at `now` into `new_hash`, which becomes current in the family
    ///   ([`Rotation::Rotated`] at `now`);
    /// - spent into `new_hash` less than `grace` before `now` → nothing changes
    ///   ([`Rotation::Rotated`] at the first spend), so concurrent uses agree on one successor;
    /// - spent otherwise → the whole family is revoked ([`Rotation::Reused`]).
    async fn rotate(
        &self,
        old_hash: &str,
        new_hash: &str,
        ttl: Duration,
        now: DateTime<Utc>,
        grace: Duration,
    ) -> Result<Rotation, PortError>;
    /// Revokes every token of `family`.
    async fn revoke_family(&self, family: &str) -> Result<(), PortError>;
    /// Revokes every family of `user_id` except `keep`; returns the revoked family ids (each
    /// once; those whose tokens had all expired already are not reported).
    async fn revoke_user(&self, user_id: i64, keep: Option<&str>) -> Result<Vec<String>, PortError>;
    /// The families of `user_id` that still hold an unexpired token (its live sessions, as an
    /// operator sees them), each once, in no particular order.
    async fn live_families(&self, user_id: i64) -> Result<Vec<String>, PortError>;
}

/// Ended sessions, remembered until their last access token has expired, so that those tokens
/// stop working at once on every process of the deployment (Redis in production, a table
/// shared by the api and admin processes when embedded). Never evicted before `until`.
#[async_trait]
pub trait SessionRevocations: Send + Sync {
    /// Records that session `sid` ended; kept until `until`.
    async fn revoke(&self, sid: &str, until: DateTime<Utc>) -> Result<(), PortError>;
    /// Whether `sid` was ended (and the record has not yet lapsed at `now`).
    async fn is_revoked(&self, sid: &str, now: DateTime<Utc>) -> Result<bool, PortError>;
}

/// What an identity provider (Kakao, Google, Apple) confirmed about the person signing in:
/// facts only — whether the email is adopted is the account service's rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalIdentity {
    /// The person's stable id at the provider.
    pub subject: String,
    /// The email the provider shared, if any.
    pub email: Option<String>,
    /// Whether the provider says it verified that email (an unverified one could be anyone's).
    pub email_verified: bool,
}

/// Why an identity provider did not confirm a sign-in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityProviderError {
    /// No provider of this name is configured.
    #[error("sign-in with `{0}` is not configured")]
    UnknownProvider(String),
    /// The provider refused the code, or answered without an identity this deployment accepts
    /// (no subject, an id token for another client or expired). Trying the same code again
    /// cannot help; the person starts the sign-in again.
    #[error("{0}")]
    Rejected(String),
    /// The provider could not be reached, failed (5xx, 408, 429), answered something
    /// unreadable, or did not answer within the timeout ([`PortError::Timeout`]). The sign-in
    /// may succeed later.
    #[error(transparent)]
    Unavailable(#[from] PortError),
}

/// The OAuth2 identity providers this deployment is registered with (authorization-code flow).
#[async_trait]
pub trait IdentityProviders: Send + Sync {
    /// Whether `provider` is configured.
    fn is_configured(&self, provider: &str) -> bool;
    /// The provider's consent page for a sign-in carrying `state` (echoed back to the callback).
    /// Errors: [`IdentityProviderError::UnknownProvider`].
    fn authorization_url(&self, provider: &str, state: &str) -> Result<String, IdentityProviderError>;
    /// Exchanges the authorization `code` the provider sent to the callback for the identity it
    /// confirms, each call bounded by a timeout. Errors: [`IdentityProviderError::UnknownProvider`];
    /// [`IdentityProviderError::Rejected`] when the provider refuses the code (a 4xx answer) or
    /// confirms no usable identity; [`IdentityProviderError::Unavailable`] otherwise.
    async fn identify(&self, provider: &str, code: &str) -> Result<ExternalIdentity, IdentityProviderError>;
}

//! The sign-in history operators read on a user's detail: every session started (how, from
//! which client address), every wrong password for an existing account, and every sign-in a
//! suspension refused. Recorded after the fact and best-effort — a history that cannot be
//! written never refuses a sign-in — and kept [`KEPT_DAYS`] days.

use async_trait::async_trait;
use cercat_common::PortError;
use chrono::{DateTime, Utc};

/// How long entries are kept, in days; the summary covers [`SUMMARY_DAYS`].
pub const KEPT_DAYS: i64 = 90;
/// The window of the summary's counts, in days.
pub const SUMMARY_DAYS: i64 = 30;
/// How many recent sign-ins a user's detail shows.
pub const RECENT: u64 = 10;

/// How someone signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInMethod {
    /// Email and password.
    Password,
    /// Right after creating the account with an email code.
    Signup,
    /// Recovering a withdrawn account with an email code.
    Recovery,
    /// Through an OAuth provider (`kakao`, `google`, `apple`).
    OAuth(String),
}

impl SignInMethod {
    /// The stored form: `password`, `signup`, `recovery`, `oauth:<provider>`.
    pub fn as_stored(&self) -> String {
        match self {
            Self::Password => "password".to_owned(),
            Self::Signup => "signup".to_owned(),
            Self::Recovery => "recovery".to_owned(),
            Self::OAuth(provider) => format!("oauth:{provider}"),
        }
    }

    /// Reads the stored form back; `None` for anything [`SignInMethod::as_stored`] never writes.
    pub fn parse(stored: &str) -> Option<Self> {
        match stored {
            "password" => Some(Self::Password),
            "signup" => Some(Self::Signup),
            "recovery" => Some(Self::Recovery),
            other => other.strip_prefix("oauth:").filter(|p| !p.is_empty()).map(|p| Self::OAuth(p.to_owned())),
        }
    }
}

/// What came of a sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInOutcome {
    /// A session started.
    Succeeded,
    /// The password was wrong (recorded for existing accounts only).
    WrongPassword,
    /// The account is suspended: no session.
    Suspended,
}

impl SignInOutcome {
    /// The stored form, upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "SUCCEEDED",
            Self::WrongPassword => "WRONG_PASSWORD",
            Self::Suspended => "SUSPENDED",
        }
    }

    /// Reads the stored form back.
    pub fn parse(stored: &str) -> Option<Self> {
        [Self::Succeeded, Self::WrongPassword, Self::Suspended].into_iter().find(|o| o.as_str() == stored)
    }
}

/// One sign-in attempt as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// The account.
    pub user_id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// How.
    pub method: SignInMethod,
    /// What came of it.
    pub outcome: SignInOutcome,
    /// The client's address as the server saw it (`None` when it was not known).
    pub client: Option<String>,
    /// The session it started ([`SignInOutcome::Succeeded`] only).
    pub session: Option<String>,
}

/// How a session is being started, for the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInVia {
    /// How.
    pub method: SignInMethod,
    /// From which client address, when known.
    pub client: Option<String>,
}

impl SignInVia {
    /// `method` from `client`.
    pub fn new(method: SignInMethod, client: Option<&str>) -> Self {
        Self { method, client: client.map(str::to_owned) }
    }
}

/// Counts over a window, as stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignInCounts {
    /// Sessions started.
    pub succeeded: u64,
    /// Wrong passwords.
    pub wrong_password: u64,
    /// Sign-ins refused by a suspension.
    pub suspended: u64,
}

/// Where sign-ins are recorded (the database, in both modes).
#[async_trait]
pub trait SignInLog: Send + Sync {
    /// Appends `entry`.
    async fn record(&self, entry: &SignIn) -> Result<(), PortError>;
    /// The newest `limit` entries of `user_id`, newest first.
    async fn recent(&self, user_id: i64, limit: u64) -> Result<Vec<SignIn>, PortError>;
    /// The counts of `user_id`'s entries at or after `since`, and the time of its last
    /// session started (ever, within what is kept).
    async fn counts(
        &self,
        user_id: i64,
        since: DateTime<Utc>,
    ) -> Result<(SignInCounts, Option<DateTime<Utc>>), PortError>;
    /// Deletes the entries older than `before`; returns how many.
    async fn prune(&self, before: DateTime<Utc>) -> Result<u64, PortError>;
}

/// A user's sign-in history as operators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInHistory {
    /// Counts over the last [`SUMMARY_DAYS`] days.
    pub last_30_days: SignInCounts,
    /// The last session started.
    pub last_signed_in_at: Option<DateTime<Utc>>,
    /// The newest [`RECENT`] entries, each with whether its session is still live.
    pub recent: Vec<(SignIn, bool)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_and_outcomes_read_back_what_is_stored() {
        for m in
            [SignInMethod::Password, SignInMethod::Signup, SignInMethod::Recovery, SignInMethod::OAuth("kakao".into())]
        {
            assert_eq!(SignInMethod::parse(&m.as_stored()), Some(m));
        }
        assert_eq!(SignInMethod::parse("oauth:"), None);
        assert_eq!(SignInMethod::parse("PASSWORD"), None);
        for o in [SignInOutcome::Succeeded, SignInOutcome::WrongPassword, SignInOutcome::Suspended] {
            assert_eq!(SignInOutcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(SignInOutcome::parse("ok"), None);
    }
}

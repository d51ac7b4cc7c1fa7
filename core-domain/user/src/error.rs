//! Errors of the user context, with their stable codes.

use cercat_common::{PortError, domain_errors};
use chrono::{DateTime, SecondsFormat, Utc};
use std::time::Duration;

/// The end of a suspension in words: `until 2027-01-01T00:00:00Z` or `until further notice`.
fn suspended_until(until: &Option<DateTime<Utc>>) -> String {
    match until {
        Some(at) => format!("until {}", at.to_rfc3339_opts(SecondsFormat::Secs, true)),
        None => "until further notice".to_owned(),
    }
}

domain_errors! {
    /// Failures of account operations.
    pub enum UserError {
        /// A field is invalid (see `errors`)
        #[code("USR_001", Invalid)]
        #[error("{field} {reason}")]
        InvalidField {
            /// The wire field name.
            field: &'static str,
            /// What is wrong with it, e.g. `must be 2 to 20 characters`.
            reason: String,
        },
        /// The email is already registered
        #[code("USR_002", Conflict)]
        #[error("this email is already registered")]
        EmailTaken,
        /// The nickname is taken
        #[code("USR_003", Conflict)]
        #[error("this nickname is taken")]
        NicknameTaken,
        /// The password is too weak (8–64 characters, not a common password)
        #[code("USR_004", Invalid)]
        #[error("the password is too weak: {0}")]
        WeakPassword(String),
        /// The email code is wrong or expired
        #[code("USR_005", Invalid)]
        #[error("the code is wrong or has expired; request a new one")]
        InvalidCode,
        // Never says which of the two, so it does not tell who is registered.
        /// Wrong email or password
        #[code("USR_006", Unauthenticated)]
        #[error("wrong email or password")]
        BadCredentials,
        /// The access or refresh token is missing, invalid or expired
        #[code("USR_007", Unauthenticated)]
        #[error("the token is missing, invalid or expired")]
        InvalidToken,
        // The whole session family is revoked: a replay means the token leaked.
        /// A used refresh token was replayed; its session was ended
        #[code("USR_008", Unauthenticated)]
        #[error("this refresh token was already used; the session has been ended, sign in again")]
        RefreshReused,
        /// The caller's role does not allow this
        #[code("USR_009", Forbidden)]
        #[error("this action needs the {0} role")]
        Forbidden(&'static str),
        /// No such user
        #[code("USR_010", NotFound)]
        #[error("no such user")]
        NotFound,
        /// Too many attempts; see Retry-After
        #[code("USR_011", TooManyRequests)]
        #[error("too many attempts; retry in {} s", .retry_after.as_secs().max(1))]
        TooManyAttempts {
            /// When to retry.
            retry_after: Duration,
        },
        /// The current password is wrong
        #[code("USR_012", Forbidden)]
        #[error("the current password is wrong")]
        CurrentPasswordWrong,
        /// The account cannot be recovered
        #[code("USR_013", Conflict)]
        #[error("the account cannot be recovered: {0}")]
        NotRecoverable(&'static str),
        /// The image is not an accepted type or is too large
        #[code("USR_014", Invalid)]
        #[error("invalid image: {0}")]
        InvalidImage(String),
        /// The OAuth provider is not configured
        #[code("USR_015", NotFound)]
        #[error("sign-in with `{0}` is not configured")]
        OAuthProviderUnknown(String),
        /// The OAuth state is missing, tampered or expired
        #[code("USR_016", Invalid)]
        #[error("the sign-in link expired or was not started in this browser; start the sign-in again")]
        OAuthStateInvalid,
        /// The OAuth provider did not confirm the sign-in
        #[code("USR_017", Unauthenticated)]
        #[error("the provider did not confirm the sign-in: {0}")]
        OAuthRejected(String),
        /// The account has not finished onboarding (GUEST); it gets a role once it has
        #[code("USR_018", Conflict)]
        #[error("this account has not finished onboarding yet; roles are given to members only")]
        NotOnboarded,
        /// The change would leave the deployment without an active ADMIN
        #[code("USR_019", Conflict)]
        #[error("this is the last ADMIN; make another account ADMIN first")]
        LastAdmin,
        /// The account is suspended; `until` says when the suspension ends
        #[code("USR_020", Forbidden)]
        #[error("this account is suspended {}", suspended_until(.until))]
        Suspended {
            /// When the suspension ends by itself; `None` = until further notice.
            until: Option<DateTime<Utc>>,
        },
        /// ADMIN accounts are not suspended (demote the account first)
        #[code("USR_021", Conflict)]
        #[error("an ADMIN account cannot be suspended; change its role first")]
        AdminNotSuspendable,
        #[transparent]
        /// A dependency failed.
        Store(PortError),
    }
    impl DomainError {
        fn retry_after_secs(&self) -> Option<u64> {
            match self {
                Self::TooManyAttempts { retry_after } => Some(retry_after.as_secs().max(1)),
                _ => None,
            }
        }

        fn field(&self) -> Option<&'static str> {
            match self {
                Self::InvalidField { field, .. } => Some(field),
                Self::WeakPassword(_) => Some("password"),
                Self::EmailTaken => Some("email"),
                Self::NicknameTaken => Some("nickname"),
                Self::InvalidCode => Some("code"),
                _ => None,
            }
        }
    }
}

//! Errors of the user context, with their stable codes.

use cercat_common::{DomainError, ErrorKind, PortError};
use std::time::Duration;

/// Failures of account operations.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// USR_001: a field is invalid.
    #[error("{field} {reason}")]
    InvalidField {
        /// The wire field name.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// USR_002.
    #[error("this email is already registered")]
    EmailTaken,
    /// USR_003.
    #[error("this nickname is taken")]
    NicknameTaken,
    /// USR_004.
    #[error("the password is too weak: {0}")]
    WeakPassword(String),
    /// USR_005.
    #[error("the code is wrong or has expired; request a new one")]
    InvalidCode,
    /// USR_006 (401): email or password wrong (never says which).
    #[error("wrong email or password")]
    BadCredentials,
    /// USR_007 (401).
    #[error("the token is missing, invalid or expired")]
    InvalidToken,
    /// USR_008 (401): a rotated refresh token was replayed; the session family is revoked.
    #[error("this refresh token was already used; the session has been ended, sign in again")]
    RefreshReused,
    /// USR_009 (403).
    #[error("this action needs the {0} role")]
    Forbidden(&'static str),
    /// USR_010 (404).
    #[error("no such user")]
    NotFound,
    /// USR_011 (429).
    #[error("too many attempts; retry in {} s", .retry_after.as_secs().max(1))]
    TooManyAttempts {
        /// When to retry.
        retry_after: Duration,
    },
    /// USR_012 (403).
    #[error("the current password is wrong")]
    CurrentPasswordWrong,
    /// USR_013 (409).
    #[error("the account cannot be recovered: {0}")]
    NotRecoverable(&'static str),
    /// USR_014 (400).
    #[error("invalid image: {0}")]
    InvalidImage(String),
    /// USR_015 (404).
    #[error("sign-in with `{0}` is not configured")]
    OAuthProviderUnknown(String),
    /// USR_016 (400).
    #[error("the sign-in link expired or was not started in this browser; start the sign-in again")]
    OAuthStateInvalid,
    /// USR_017 (401).
    #[error("the provider did not confirm the sign-in: {0}")]
    OAuthRejected(String),
    /// A dependency failed.
    #[error(transparent)]
    Store(#[from] PortError),
}

impl DomainError for UserError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidField { .. }
            | Self::WeakPassword(_)
            | Self::InvalidCode
            | Self::InvalidImage(_)
            | Self::OAuthStateInvalid => ErrorKind::Invalid,
            Self::EmailTaken | Self::NicknameTaken | Self::NotRecoverable(_) => ErrorKind::Conflict,
            Self::BadCredentials | Self::InvalidToken | Self::RefreshReused | Self::OAuthRejected(_) => {
                ErrorKind::Unauthenticated
            }
            Self::Forbidden(_) | Self::CurrentPasswordWrong => ErrorKind::Forbidden,
            Self::NotFound | Self::OAuthProviderUnknown(_) => ErrorKind::NotFound,
            Self::TooManyAttempts { .. } => ErrorKind::TooManyRequests,
            Self::Store(e) => e.kind(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::InvalidField { .. } => "USR_001",
            Self::EmailTaken => "USR_002",
            Self::NicknameTaken => "USR_003",
            Self::WeakPassword(_) => "USR_004",
            Self::InvalidCode => "USR_005",
            Self::BadCredentials => "USR_006",
            Self::InvalidToken => "USR_007",
            Self::RefreshReused => "USR_008",
            Self::Forbidden(_) => "USR_009",
            Self::NotFound => "USR_010",
            Self::TooManyAttempts { .. } => "USR_011",
            Self::CurrentPasswordWrong => "USR_012",
            Self::NotRecoverable(_) => "USR_013",
            Self::InvalidImage(_) => "USR_014",
            Self::OAuthProviderUnknown(_) => "USR_015",
            Self::OAuthStateInvalid => "USR_016",
            Self::OAuthRejected(_) => "USR_017",
            Self::Store(e) => e.code(),
        }
    }

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

/// The user context's codes and meanings, for the OpenAPI document.
pub const CODES: &[(&str, u16, &str)] = &[
    ("USR_001", 400, "A field is invalid (see `errors`)"),
    ("USR_002", 409, "The email is already registered"),
    ("USR_003", 409, "The nickname is taken"),
    ("USR_004", 400, "The password is too weak (8–64 characters, not a common password)"),
    ("USR_005", 400, "The email code is wrong or expired"),
    ("USR_006", 401, "Wrong email or password"),
    ("USR_007", 401, "The access or refresh token is missing, invalid or expired"),
    ("USR_008", 401, "A used refresh token was replayed; its session was ended"),
    ("USR_009", 403, "The caller's role does not allow this"),
    ("USR_010", 404, "No such user"),
    ("USR_011", 429, "Too many attempts; see Retry-After"),
    ("USR_012", 403, "The current password is wrong"),
    ("USR_013", 409, "The account cannot be recovered"),
    ("USR_014", 400, "The image is not an accepted type or is too large"),
    ("USR_015", 404, "The OAuth provider is not configured"),
    ("USR_016", 400, "The OAuth state is missing, tampered or expired"),
    ("USR_017", 401, "The OAuth provider did not confirm the sign-in"),
];

//! The `user` context: accounts (email or OAuth), roles, credentials (argon2id), sessions
//! (short-lived access JWTs + rotating opaque refresh tokens with family revocation), email
//! codes queued with their mails in one transaction (the mail queue), throttling, profile, and
//! the account lifecycle.

pub mod error;
pub mod model;
pub mod password;
pub mod ports;
pub mod service;
pub mod sign_ins;
pub mod tokens;

#[cfg(feature = "testkit")]
#[allow(clippy::expect_used, clippy::unwrap_used)]
pub mod testkit;

pub use error::UserError;
pub use model::{EMAIL_PATTERN, Email, Nickname, Role, Suspension, User, UserStatus};
pub use service::{AccountService, AuthConfig, TokenPair};
pub use tokens::{AccessClaims, JwtKeys};

//! The adapter of the user context's [`IdentityProviders`](cercat_user::ports::IdentityProviders)
//! port: [`OAuthProviders`] speaks the OAuth2 authorization-code flow to Kakao, Google and Apple
//! over HTTP (reqwest) — the consent-page URL, the code exchange at the token endpoint, and the
//! identity from the user-info endpoint or from the `id_token`. Every call is bounded by a
//! timeout; a refusal (4xx) is [`Rejected`](cercat_user::ports::IdentityProviderError::Rejected),
//! anything else that goes wrong a [`PortError`](cercat_common::PortError). `fake` (feature
//! `fake-server`) is a fake provider for tests.

#![deny(missing_docs)]

#[cfg(feature = "fake-server")]
pub mod fake;
mod options;
mod profile;
mod providers;

pub use options::{OAuthOptions, ProviderOptions};
pub use providers::OAuthProviders;

/// The dependency name in [`PortError`](cercat_common::PortError)s raised by this crate.
pub const DEP: &str = "oauth";

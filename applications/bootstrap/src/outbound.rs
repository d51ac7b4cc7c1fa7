//! The outbound HTTP adapters the settings configure: the OAuth2 identity providers and the
//! exam-schedule feed. Neither contacts anything until it is used.

use std::sync::Arc;

use cercat_certificate::ports::ExamScheduleFeed;
use cercat_common::PortError;
use cercat_config::{ExposeSecret, Settings};
use cercat_oauth::{OAuthOptions, OAuthProviders, ProviderOptions};
use cercat_publicdata::{FeedOptions, FeedReader, MAX_FEED_BYTES};
use cercat_user::ports::IdentityProviders;

use crate::ms;

/// The identity providers of `oauth.providers`, each call bounded by `oauth.timeout_ms`.
pub(crate) fn identity_providers(settings: &Settings) -> Result<Arc<dyn IdentityProviders>, PortError> {
    let o = &settings.oauth;
    let providers = o
        .providers
        .iter()
        .map(|(name, p)| {
            let options = ProviderOptions {
                client_id: p.client_id.clone(),
                client_secret: p.client_secret.expose_secret().to_owned(),
                authorize_url: p.authorize_url.clone(),
                token_url: p.token_url.clone(),
                userinfo_url: p.userinfo_url.clone(),
                scope: p.scope.clone(),
                subject_pointer: p.subject_pointer.clone(),
                email_pointer: p.email_pointer.clone(),
                email_verified_pointer: p.email_verified_pointer.clone(),
            };
            (name.clone(), options)
        })
        .collect();
    let options = OAuthOptions { redirect_base_url: o.redirect_base_url.clone(), timeout: ms(o.timeout_ms), providers };
    Ok(Arc::new(OAuthProviders::new(options)?))
}

/// The exam-schedule feed, downloads bounded by `batch.http_timeout_ms` and 20 MB.
pub(crate) fn schedule_feed(settings: &Settings) -> Arc<dyn ExamScheduleFeed> {
    Arc::new(FeedReader::new(FeedOptions { timeout: ms(settings.batch.http_timeout_ms), max_bytes: MAX_FEED_BYTES }))
}

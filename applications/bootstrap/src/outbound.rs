//! The outbound HTTP adapters the settings configure: the OAuth2 identity providers, the
//! exam-schedule feed and Q-Net's API. None contacts anything until it is used.

use std::sync::Arc;

use cercat_certificate::ports::{ExamScheduleFeed, QnetScheduleApi};
use cercat_common::PortError;
use cercat_config::{ExposeSecret, Settings};
use cercat_database::{Db, SqlCallQuota};
use cercat_oauth::{OAuthOptions, OAuthProviders, ProviderOptions};
use cercat_publicdata::{FeedOptions, FeedReader, MAX_FEED_BYTES, QnetClient, QnetOptions};
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

/// Q-Net's exam-schedule API when `batch.qnet_service_key` is set (calls counted against
/// `batch.qnet_daily_quota` in the database), else `None`.
pub(crate) fn qnet(settings: &Settings, db: &Db) -> Result<Option<Arc<dyn QnetScheduleApi>>, PortError> {
    let b = &settings.batch;
    let Some(key) = b.qnet_service_key.as_ref().map(|k| k.expose_secret().trim().to_owned()).filter(|k| !k.is_empty())
    else {
        return Ok(None);
    };
    let options = QnetOptions {
        base_url: b.qnet_base_url.clone(),
        service_key: key,
        format: b.qnet_format.as_str(),
        timeout: ms(b.http_timeout_ms),
        attempts: b.qnet_retry_attempts,
        backoff: ms(b.qnet_backoff_ms),
        daily_quota: b.qnet_daily_quota,
    };
    Ok(Some(Arc::new(QnetClient::new(options, Arc::new(SqlCallQuota::new(db.clone())))?)))
}

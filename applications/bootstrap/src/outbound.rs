//! The outbound HTTP adapters the settings configure: the OAuth2 identity providers (and, with
//! them, nothing is contacted until someone signs in).

use std::sync::Arc;

use cercat_common::PortError;
use cercat_config::Settings;
use cercat_oauth::{OAuthOptions, OAuthProviders, ProviderOptions};
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
                client_secret: p.client_secret.clone(),
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

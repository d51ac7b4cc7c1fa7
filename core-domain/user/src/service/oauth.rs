//! Sign-in with an OAuth2 identity provider (Kakao, Google, Apple): starting it with a signed
//! login state, and finishing it — the provider confirms an identity through the
//! [`IdentityProviders`](crate::ports::IdentityProviders) port, and the rules here decide which
//! account that identity signs in to.

mod login_state;

pub use login_state::LOGIN_STATE_TTL_SECS;
pub(crate) use login_state::LoginStates;

use cercat_common::PortError;

use super::{AccountService, TokenPair};
use crate::{
    Email, Nickname, Role, User, UserError,
    model::NewUser,
    ports::IdentityProviderError,
    sign_ins::{SignInMethod, SignInVia},
    tokens::digest,
};

/// Longest authorization code accepted from a callback.
const MAX_CODE_LEN: usize = 2048;

/// A started sign-in: where to send the browser, and the login state it must bring back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthStart {
    /// The provider's consent page.
    pub location: String,
    /// The signed login state, for the browser to keep until the callback (a cookie).
    pub signed_state: String,
}

/// What came back to the callback, with the signed login state the browser kept.
#[derive(Debug, Clone, Copy, Default)]
pub struct OAuthCallback<'a> {
    /// The login state token from [`OAuthStart::signed_state`].
    pub signed_state: Option<&'a str>,
    /// The `state` the provider echoed.
    pub state: Option<&'a str>,
    /// The authorization code.
    pub code: Option<&'a str>,
    /// Set by the provider when the person declined.
    pub error: Option<&'a str>,
    /// The client's address, for the sign-in history.
    pub client: Option<&'a str>,
}

fn provider_error(provider: &str, err: IdentityProviderError) -> UserError {
    match err {
        IdentityProviderError::UnknownProvider(name) => UserError::OAuthProviderUnknown(name),
        IdentityProviderError::Rejected(reason) => UserError::OAuthRejected(reason),
        IdentityProviderError::Unavailable(err) => {
            tracing::warn!(provider, error = %err, "oauth: the identity provider is unavailable");
            UserError::Store(err)
        }
    }
}

impl AccountService {
    /// Starts a sign-in with `provider`. Errors: `OAuthProviderUnknown`.
    pub fn oauth_start(&self, provider: &str) -> Result<OAuthStart, UserError> {
        if !self.ports.identities.is_configured(provider) {
            return Err(UserError::OAuthProviderUnknown(provider.to_owned()));
        }
        let (state, signed_state) = self.login_states.start(provider, self.ports.clock.now().timestamp())?;
        let location =
            self.ports.identities.authorization_url(provider, &state).map_err(|e| provider_error(provider, e))?;
        Ok(OAuthStart { location, signed_state })
    }

    /// Finishes a sign-in: the login state must be the one this browser started with
    /// `provider` (`OAuthStateInvalid`), the provider must confirm the code (`OAuthRejected`;
    /// `Store` while it is unreachable), and the identity signs in to the account linked to
    /// it, a GUEST account created on first use. The provider's email counts only if the
    /// provider says it verified it: an unverified address could be anyone's.
    pub async fn oauth_finish(
        &self,
        provider: &str,
        callback: OAuthCallback<'_>,
    ) -> Result<(User, TokenPair), UserError> {
        if !self.ports.identities.is_configured(provider) {
            return Err(UserError::OAuthProviderUnknown(provider.to_owned()));
        }
        self.login_states.check(callback.signed_state, provider, callback.state)?;
        if let Some(error) = callback.error {
            return Err(UserError::OAuthRejected(format!("the provider answered `{error}`")));
        }
        let code =
            callback.code.filter(|c| !c.is_empty() && c.len() <= MAX_CODE_LEN).ok_or(UserError::OAuthStateInvalid)?;
        let identity = self.ports.identities.identify(provider, code).await.map_err(|e| provider_error(provider, e))?;
        let email = identity.email.filter(|_| identity.email_verified);
        let via = SignInVia::new(SignInMethod::OAuth(provider.to_owned()), callback.client);
        self.oauth_account(provider, &identity.subject, email.as_deref(), &via).await
    }

    /// Signs in the account linked to (`provider`, `subject`), creating a GUEST account on
    /// first use. The (verified) provider email is used when it is free; otherwise, or without
    /// one, the account gets a private placeholder address. Accounts are never merged by email.
    async fn oauth_account(
        &self,
        provider: &str,
        subject: &str,
        email: Option<&str>,
        via: &SignInVia,
    ) -> Result<(User, TokenPair), UserError> {
        if let Some(user) = self.ports.users.find_by_oauth(provider, subject).await? {
            if user.withdrawn_at.is_some() {
                return Err(UserError::NotRecoverable("the account is withdrawn; recover it by email first"));
            }
            let pair = self.start_session(&user, via).await?;
            return Ok((user, pair));
        }
        let provided = match email.map(Email::parse) {
            Some(Ok(e)) if self.ports.users.find_by_email(&e).await?.is_none() => Some(e),
            _ => None,
        };
        let email = match provided {
            Some(e) => e,
            None => Email::parse(&format!("{provider}-{}@users.noreply.cercat", &digest(&[provider, subject])[..16]))?,
        };
        for _ in 0..5 {
            let suffix = &uuid::Uuid::new_v4().simple().to_string()[..6];
            let nickname = Nickname::parse(&format!("{provider}_{suffix}"))?;
            let new = NewUser {
                email: email.clone(),
                nickname,
                role: Role::Guest,
                password_hash: None,
                oauth: Some((provider.to_owned(), subject.to_owned())),
            };
            match self.ports.users.create(&new, self.ports.clock.now()).await {
                Ok(user) => {
                    let pair = self.start_session(&user, via).await?;
                    return Ok((user, pair));
                }
                Err(PortError::Duplicate(detail)) if detail.contains("nickname") => continue,
                Err(PortError::Duplicate(_)) => {
                    // A concurrent first sign-in of the same identity won: use its account.
                    if let Some(user) = self.ports.users.find_by_oauth(provider, subject).await? {
                        let pair = self.start_session(&user, via).await?;
                        return Ok((user, pair));
                    }
                    return Err(UserError::EmailTaken);
                }
                Err(err) => return Err(err.into()),
            }
        }
        Err(UserError::NicknameTaken)
    }
}

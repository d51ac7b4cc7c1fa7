//! OAuth sign-in over fake providers: the login state guards the callback, the provider's
//! answer is mapped to the user's errors, and an identity always signs in to the same account.

use cercat_common::PortError;

use super::fakes::World;
use crate::{
    Role, UserError,
    ports::{ExternalIdentity, IdentityProviderError},
    service::oauth::{OAuthCallback, OAuthStart},
};

pub(super) fn identity(subject: &str, email: Option<&str>, verified: bool) -> ExternalIdentity {
    ExternalIdentity { subject: subject.into(), email: email.map(Into::into), email_verified: verified }
}

/// The login state (value, signed token) a started sign-in carries.
pub(super) fn started(start: &OAuthStart) -> (String, String) {
    let url = start.location.as_str();
    let state = url.split("state=").nth(1).expect("the consent page carries the state");
    (state.to_owned(), start.signed_state.clone())
}

pub(super) fn callback<'a>(state: &'a (String, String), code: &'a str) -> OAuthCallback<'a> {
    OAuthCallback { signed_state: Some(&state.1), state: Some(&state.0), code: Some(code), error: None, client: None }
}

#[tokio::test]
async fn a_first_sign_in_creates_a_guest_and_the_next_one_finds_it() {
    let world = World::new();
    let accounts = world.service();
    world.providers.answer("code-1", Ok(identity("4242", Some("k@kakao.test"), true)));
    let state = started(&accounts.oauth_start("kakao").unwrap());
    let (user, pair) = accounts.oauth_finish("kakao", callback(&state, "code-1")).await.unwrap();
    assert_eq!((user.email.as_str(), user.role), ("k@kakao.test", Role::Guest));
    assert!(user.nickname.starts_with("kakao_") && user.password_hash.is_none());
    assert_eq!(accounts.authenticate(&pair.access_token).await.unwrap().user_id(), user.id);

    world.providers.answer("code-2", Ok(identity("4242", Some("changed@kakao.test"), true)));
    let state = started(&accounts.oauth_start("kakao").unwrap());
    let (again, _) = accounts.oauth_finish("kakao", callback(&state, "code-2")).await.unwrap();
    assert_eq!((again.id, again.email.as_str()), (user.id, "k@kakao.test"), "linked by subject, not by email");
}

#[tokio::test]
async fn an_unverified_or_taken_email_is_not_adopted() {
    let world = World::new();
    let accounts = world.service();
    world.providers.answer("unverified", Ok(identity("1", Some("someone@example.com"), false)));
    let state = started(&accounts.oauth_start("kakao").unwrap());
    let (user, _) = accounts.oauth_finish("kakao", callback(&state, "unverified")).await.unwrap();
    assert!(user.email.ends_with("@users.noreply.cercat"), "{}", user.email);
    assert!(world.users.find_by_email_str("someone@example.com").is_none(), "the address stays free for its owner");

    // A verified email another account already has: the accounts are not merged.
    world.providers.answer("taken", Ok(identity("2", Some(user.email.as_str()), true)));
    let state = started(&accounts.oauth_start("kakao").unwrap());
    let (other, _) = accounts.oauth_finish("kakao", callback(&state, "taken")).await.unwrap();
    assert_ne!(other.id, user.id);
    assert_ne!(other.email, user.email);
}

#[tokio::test]
async fn the_callback_needs_the_state_this_browser_started_before_the_provider_is_asked() {
    let world = World::new();
    let accounts = world.service();
    world.providers.answer("code", Ok(identity("1", None, false)));
    let state = started(&accounts.oauth_start("kakao").unwrap());
    let forged = OAuthCallback { state: Some("forged"), ..callback(&state, "code") };
    let no_token = OAuthCallback { signed_state: None, ..callback(&state, "code") };
    let no_code = OAuthCallback { code: None, ..callback(&state, "code") };
    for bad in [forged, no_token, no_code] {
        assert!(matches!(accounts.oauth_finish("kakao", bad).await, Err(UserError::OAuthStateInvalid)));
    }
    let declined = OAuthCallback { error: Some("access_denied"), ..callback(&state, "code") };
    assert!(matches!(accounts.oauth_finish("kakao", declined).await, Err(UserError::OAuthRejected(_))));
    assert!(world.providers.exchanged.lock().unwrap().is_empty(), "no code was exchanged for a bad callback");
}

#[tokio::test]
async fn provider_answers_become_user_errors() {
    let world = World::new();
    let accounts = world.service();
    assert!(matches!(accounts.oauth_start("naver"), Err(UserError::OAuthProviderUnknown(p)) if p == "naver"));
    let state = started(&accounts.oauth_start("kakao").unwrap());
    assert!(matches!(
        accounts.oauth_finish("naver", callback(&state, "code")).await,
        Err(UserError::OAuthProviderUnknown(_))
    ));
    assert!(matches!(
        accounts.oauth_finish("kakao", callback(&state, "refused")).await,
        Err(UserError::OAuthRejected(reason)) if reason == "invalid_grant"
    ));
    let timeout = PortError::timeout("oauth", std::time::Duration::from_secs(5));
    world.providers.answer("slow", Err(IdentityProviderError::Unavailable(timeout.clone())));
    assert!(
        matches!(accounts.oauth_finish("kakao", callback(&state, "slow")).await, Err(UserError::Store(e)) if e == timeout),
        "an unreachable provider is a dependency failure (try again), not a refusal"
    );
}

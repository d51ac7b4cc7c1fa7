//! The account service over in-memory fakes: sign-up, sign-in, refresh rotation and withdrawal
//! as a user lives them, without a database.

mod admin;
mod fakes;
mod lifecycle;
mod oauth;
mod profile;
mod sessions;
mod signup;

use fakes::World;

use crate::{Role, UserError};

const EMAIL: &str = "mina@example.com";
const PASSWORD: &str = "correct horse 42";
const IP: &str = "203.0.113.7";

/// The claims of a pair's access token.
async fn claims(accounts: &crate::AccountService, pair: &crate::TokenPair) -> crate::AccessClaims {
    accounts.authenticate(&pair.access_token).await.expect("a live access token")
}

/// Signs `EMAIL` up through both steps and returns the service with the new account's tokens.
async fn signed_up(world: &World) -> (crate::AccountService, crate::TokenPair) {
    let accounts = world.service();
    accounts.request_signup_code(EMAIL, IP).await.unwrap();
    let code = world.codes.last_code_to(EMAIL).expect("the code was mailed");
    let user = accounts.signup(EMAIL, &code, PASSWORD, "미나", IP).await.unwrap();
    let via = crate::sign_ins::SignInVia::new(crate::sign_ins::SignInMethod::Signup, Some(IP));
    let tokens = accounts.start_session(&user, &via).await.unwrap();
    (accounts, tokens)
}

#[tokio::test]
async fn signup_needs_the_mailed_code_and_creates_a_guest_once() {
    let world = World::new();
    let accounts = world.service();
    accounts.request_signup_code(EMAIL, IP).await.unwrap();
    let code = world.codes.last_code_to(EMAIL).expect("the code was mailed");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert!(matches!(accounts.signup(EMAIL, wrong, PASSWORD, "미나", IP).await, Err(UserError::InvalidCode)));

    let user = accounts.signup(EMAIL, &code, PASSWORD, "미나", IP).await.unwrap();
    assert_eq!((user.email.as_str(), user.nickname.as_str(), user.role), (EMAIL, "미나", Role::Guest));
    assert_ne!(user.password_hash.as_deref(), Some(PASSWORD), "only a hash is stored");
    assert!(
        matches!(accounts.signup(EMAIL, &code, PASSWORD, "다른이름", IP).await, Err(UserError::InvalidCode)),
        "a code is spent by its first use"
    );
    assert!(matches!(
        accounts.signup("other@example.com", &code, PASSWORD, "미나", IP).await,
        Err(UserError::NicknameTaken)
    ));
    assert!(matches!(accounts.signup(EMAIL, &code, "short", "미나2", IP).await, Err(UserError::WeakPassword(_))));
}

#[tokio::test]
async fn login_with_a_wrong_password_says_only_that_and_slows_down_after_five_tries() {
    let world = World::new();
    let (accounts, _) = signed_up(&world).await;
    for _ in 0..5 {
        assert!(matches!(accounts.login(EMAIL, "wrong password 1", IP).await, Err(UserError::BadCredentials)));
    }
    assert!(
        matches!(accounts.login("nobody@example.com", PASSWORD, IP).await, Err(UserError::BadCredentials)),
        "an unknown email gets the same answer"
    );
    match accounts.login(EMAIL, PASSWORD, IP).await {
        Err(UserError::TooManyAttempts { retry_after }) => assert!(retry_after.as_secs() > 0),
        other => panic!("the sixth try from this client must wait, got {other:?}"),
    }
    let pair = accounts.login(EMAIL, PASSWORD, "198.51.100.9").await.unwrap();
    let claims = accounts.authenticate(&pair.access_token).await.unwrap();
    assert_eq!(claims.user_id(), 1, "the owner signs in from their own client");
}

#[tokio::test]
async fn a_refresh_token_is_spent_by_rotation_and_its_replay_ends_the_session() {
    let world = World::new();
    let (accounts, first) = signed_up(&world).await;
    let second = accounts.refresh(&first.refresh_token).await.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token, "each refresh issues a new token");
    accounts.authenticate(&second.access_token).await.unwrap();

    // Past the grace window the spent token is a replay: the whole session ends.
    world.clock.advance(chrono::Duration::seconds(60));
    assert!(matches!(accounts.refresh(&first.refresh_token).await, Err(UserError::RefreshReused)));
    assert!(
        matches!(accounts.refresh(&second.refresh_token).await, Err(UserError::InvalidToken)),
        "the successor died with its family"
    );
    assert!(matches!(accounts.authenticate(&second.access_token).await, Err(UserError::InvalidToken)));
    assert_eq!(world.session_ends.0.lock().unwrap().len(), 1, "the ended session is announced");
    assert!(matches!(accounts.refresh("Bearer never-issued").await, Err(UserError::InvalidToken)));
}

#[tokio::test]
async fn withdrawal_ends_every_session_and_hides_the_account_from_login() {
    let world = World::new();
    let (accounts, tokens) = signed_up(&world).await;
    let other_device = accounts.login(EMAIL, PASSWORD, "198.51.100.9").await.unwrap();
    let claims = accounts.authenticate(&tokens.access_token).await.unwrap();

    accounts.withdraw(&claims).await.unwrap();
    for pair in [&tokens, &other_device] {
        assert!(matches!(accounts.authenticate(&pair.access_token).await, Err(UserError::InvalidToken)));
        assert!(matches!(accounts.refresh(&pair.refresh_token).await, Err(UserError::InvalidToken)));
    }
    assert!(matches!(accounts.login(EMAIL, PASSWORD, IP).await, Err(UserError::BadCredentials)));
    assert!(matches!(accounts.withdraw(&claims).await, Err(UserError::NotFound)), "withdrawn once");
    assert!(world.users.find_by_email_str(EMAIL).is_some_and(|u| u.withdrawn_at.is_some()), "kept for recovery");
}

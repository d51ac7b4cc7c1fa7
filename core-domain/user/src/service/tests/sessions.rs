//! Sessions: sign-out, refresh in the grace window, sessions of accounts that are gone, the
//! revocation store failing open, and the sign-in limits per client.

use super::{EMAIL, IP, PASSWORD, claims, fakes::World, signed_up};
use crate::{UserError, service::session::LOGIN_LIMIT_IP};
use chrono::Utc;

#[tokio::test]
async fn logout_ends_that_session_on_every_instance_and_no_other() {
    let world = World::new();
    let (accounts, phone) = signed_up(&world).await;
    let laptop = accounts.login(EMAIL, PASSWORD, IP).await.unwrap();
    let phone_claims = claims(&accounts, &phone).await;

    accounts.logout(&phone_claims).await.unwrap();
    assert!(matches!(accounts.authenticate(&phone.access_token).await, Err(UserError::InvalidToken)));
    assert!(matches!(accounts.refresh(&phone.refresh_token).await, Err(UserError::InvalidToken)));
    assert!(!accounts.session_alive(&phone_claims).await, "open streams of the session close");
    assert_eq!(*world.session_ends.0.lock().unwrap(), std::slice::from_ref(&phone_claims.sid), "announced by its id");

    let laptop_claims = claims(&accounts, &laptop).await;
    assert!(accounts.session_alive(&laptop_claims).await);
    accounts.refresh(&laptop.refresh_token).await.unwrap();
}

#[tokio::test]
async fn a_refresh_repeated_within_the_grace_window_answers_the_very_same_pair() {
    let world = World::new();
    let (accounts, first) = signed_up(&world).await;
    let once = accounts.refresh(&first.refresh_token).await.unwrap();
    world.clock.advance(chrono::Duration::seconds(10));
    let again = accounts.refresh(&first.refresh_token).await.unwrap();
    assert_eq!((&again.access_token, &again.refresh_token), (&once.access_token, &once.refresh_token));
    assert_eq!(again.expires_in, once.expires_in - 10, "the repeat's access token is 10 s older");
    assert_eq!(accounts.refresh(&format!("bearer {}", &first.refresh_token[7..])).await.unwrap(), again);
    accounts.refresh(&once.refresh_token).await.unwrap();
}

#[tokio::test]
async fn a_refresh_for_an_account_no_longer_active_is_refused_and_ends_its_session() {
    let world = World::new();
    let (accounts, pair) = signed_up(&world).await;
    let sid = claims(&accounts, &pair).await.sid;
    // Withdrawn behind this service's back (another process), its refresh token still stored.
    use crate::ports::UserRepository;
    assert!(world.users.withdraw(1, Utc::now()).await.unwrap());

    assert!(matches!(accounts.refresh(&pair.refresh_token).await, Err(UserError::InvalidToken)));
    assert!(matches!(accounts.authenticate(&pair.access_token).await, Err(UserError::InvalidToken)));
    assert_eq!(*world.session_ends.0.lock().unwrap(), [sid]);
}

#[tokio::test]
async fn refresh_tokens_that_cannot_be_ours_are_refused_before_any_lookup() {
    let world = World::new();
    let (accounts, _) = signed_up(&world).await;
    for presented in ["", "Bearer ", &"x".repeat(201)] {
        assert!(matches!(accounts.refresh(presented).await, Err(UserError::InvalidToken)), "{presented:?}");
    }
    assert!(matches!(accounts.authenticate("Bearer not.a.jwt").await, Err(UserError::InvalidToken)));
}

#[tokio::test]
async fn while_the_revocation_store_is_down_access_tokens_still_work_and_logout_still_ends_refresh() {
    let world = World::new();
    let (accounts, pair) = signed_up(&world).await;
    let claims = claims(&accounts, &pair).await;
    world.revocations.go_down();
    assert_eq!(accounts.authenticate(&pair.access_token).await.unwrap(), claims, "fails open");
    assert!(accounts.session_alive(&claims).await);

    accounts.logout(&claims).await.unwrap();
    assert!(
        matches!(accounts.refresh(&pair.refresh_token).await, Err(UserError::InvalidToken)),
        "the refresh tokens are gone even though the access token could not be denied"
    );
    assert_eq!(world.session_ends.0.lock().unwrap().len(), 1, "the end is still announced");
}

#[tokio::test]
async fn one_client_failing_to_sign_in_across_accounts_is_stopped_and_others_are_not() {
    let world = World::new();
    let (accounts, _) = signed_up(&world).await;
    for i in 0..LOGIN_LIMIT_IP {
        let stranger = format!("nobody{i}@example.com");
        assert!(matches!(accounts.login(&stranger, PASSWORD, IP).await, Err(UserError::BadCredentials)));
    }
    assert!(
        matches!(accounts.login(EMAIL, PASSWORD, IP).await, Err(UserError::TooManyAttempts { .. })),
        "the client is over its limit, whichever account it tries"
    );
    accounts.login(EMAIL, PASSWORD, "198.51.100.9").await.unwrap();
    assert!(
        matches!(accounts.login("not an email", PASSWORD, "198.51.100.9").await, Err(UserError::BadCredentials)),
        "a malformed email is only wrong credentials"
    );
}

//! Profile: the image recognised by its bytes, nickname changes, onboarding's new session, and
//! the email and password changes that need the current password and end the other sessions.

use super::{
    EMAIL, IP, PASSWORD, claims,
    fakes::World,
    oauth::{callback, identity, started},
    signed_up,
};
use crate::{AccountService, Role, TokenPair, UserError};
use cercat_common::storage::ImageStorage;

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
const OTHER_IP: &str = "198.51.100.9";

/// After a sensitive change made in session `here`, the session `elsewhere` is over (both its
/// tokens refused) and `here` goes on.
async fn only_this_session_is_left(accounts: &AccountService, here: &TokenPair, elsewhere: &TokenPair) {
    assert!(matches!(accounts.refresh(&elsewhere.refresh_token).await, Err(UserError::InvalidToken)));
    assert!(matches!(accounts.authenticate(&elsewhere.access_token).await, Err(UserError::InvalidToken)));
    accounts.refresh(&here.refresh_token).await.expect("the session that made the change stays");
}

#[tokio::test]
async fn the_profile_shows_the_account_and_where_its_image_is() {
    let world = World::new();
    let (accounts, _) = signed_up(&world).await;
    let me = accounts.me(1).await.unwrap();
    assert_eq!((me.user.email.as_str(), me.image_url), (EMAIL, None));
    assert!(matches!(accounts.me(2).await, Err(UserError::NotFound)));
    assert!(matches!(accounts.update_profile(2, Some("누구"), None).await, Err(UserError::NotFound)));
}

#[tokio::test]
async fn a_profile_image_is_recognised_by_its_bytes_and_replaces_the_previous_one() {
    let world = World::new();
    let (accounts, _) = signed_up(&world).await;
    let png = accounts.update_profile(1, None, Some(PNG.to_vec())).await.unwrap();
    let key = png.user.profile_image_key.clone().unwrap();
    assert!(key.starts_with("profile/1/") && key.ends_with(".png"), "{key}");
    assert_eq!(png.image_url, Some(format!("memory://{key}")));
    assert_eq!(world.images.get(&key).await.unwrap().as_deref(), Some(PNG), "the bytes as sent");

    let jpeg = accounts.update_profile(1, None, Some(JPEG.to_vec())).await.unwrap();
    let new_key = jpeg.user.profile_image_key.unwrap();
    assert!(new_key.ends_with(".jpg"));
    assert_eq!(world.images.keys(), std::slice::from_ref(&new_key), "the replaced image is deleted");

    for refused in [b"GIF88a not quite".to_vec(), b"<svg onload=alert(1)>".to_vec(), Vec::new()] {
        assert!(matches!(accounts.update_profile(1, None, Some(refused)).await, Err(UserError::InvalidImage(_))));
    }
    let mut huge = PNG.to_vec();
    huge.resize(5 * 1024 * 1024 + 1, 0);
    match accounts.update_profile(1, None, Some(huge)).await {
        Err(UserError::InvalidImage(why)) => assert!(why.starts_with("larger than"), "{why}"),
        other => panic!("a 5 MiB + 1 image must be refused, got {other:?}"),
    }
    assert_eq!(world.images.keys(), [new_key], "refused images store nothing");
}

#[tokio::test]
async fn a_nickname_another_account_has_is_refused_and_ones_own_is_no_change() {
    let world = World::new();
    let (accounts, _) = signed_up(&world).await;
    accounts.create_account("other@example.com", PASSWORD, "다른이", Role::User).await.unwrap();
    assert!(matches!(accounts.update_profile(1, Some("다른이"), None).await, Err(UserError::NicknameTaken)));
    assert_eq!(accounts.update_profile(1, Some(" 미나 "), None).await.unwrap().user.nickname, "미나");
    assert_eq!(accounts.update_profile(1, Some("새이름"), None).await.unwrap().user.nickname, "새이름");
    assert!(matches!(
        accounts.update_profile(1, Some("<b>"), None).await,
        Err(UserError::InvalidField { field: "nickname", .. })
    ));
    assert_eq!(accounts.me(1).await.unwrap().user.nickname, "새이름");
}

#[tokio::test]
async fn an_image_uploaded_with_a_nickname_lost_to_a_race_is_removed_again() {
    let world = World::new();
    let (accounts, _) = signed_up(&world).await;
    accounts.update_profile(1, None, Some(PNG.to_vec())).await.unwrap();
    let kept = world.images.keys();
    world.users.nickname_claimed_meanwhile("새이름");
    assert!(matches!(
        accounts.update_profile(1, Some("새이름"), Some(JPEG.to_vec())).await,
        Err(UserError::NicknameTaken)
    ));
    assert_eq!(world.images.keys(), kept, "the new upload is deleted and the current image kept");
    assert_eq!(accounts.me(1).await.unwrap().user.profile_image_key.as_ref(), kept.first());
}

#[tokio::test]
async fn onboarding_makes_a_guest_a_user_in_a_new_session_and_is_idempotent_after() {
    let world = World::new();
    let (accounts, guest) = signed_up(&world).await;
    let guest_claims = claims(&accounts, &guest).await;
    assert_eq!(guest_claims.role, Role::Guest);

    let member = accounts.complete_onboarding(&guest_claims).await.unwrap();
    let member_claims = claims(&accounts, &member).await;
    assert_eq!(member_claims.role, Role::User);
    assert_ne!(member_claims.sid, guest_claims.sid, "a new session carries the new role");
    assert!(matches!(accounts.authenticate(&guest.access_token).await, Err(UserError::InvalidToken)));
    assert!(matches!(accounts.refresh(&guest.refresh_token).await, Err(UserError::InvalidToken)));
    assert_eq!(accounts.me(1).await.unwrap().user.role, Role::User);

    let again = accounts.complete_onboarding(&member_claims).await.unwrap();
    assert_eq!(claims(&accounts, &again).await.sid, member_claims.sid, "a member keeps their session");
    claims(&accounts, &member).await;
    accounts.refresh(&member.refresh_token).await.unwrap();
}

#[tokio::test]
async fn an_email_change_needs_the_current_password_and_the_code_mailed_to_the_new_address() {
    let world = World::new();
    let (accounts, here) = signed_up(&world).await;
    let elsewhere = accounts.login(EMAIL, PASSWORD, OTHER_IP).await.unwrap();
    let here_claims = claims(&accounts, &here).await;
    accounts.create_account("taken@example.com", PASSWORD, "다른이", Role::User).await.unwrap();
    assert!(matches!(accounts.request_email_change_code(1, "taken@example.com", IP).await, Err(UserError::EmailTaken)));

    const NEW: &str = "mina.new@example.com";
    accounts.request_email_change_code(1, NEW, IP).await.unwrap();
    let code = world.codes.last_code_to(NEW).expect("the code goes to the new address");
    assert!(matches!(
        accounts.change_email(&here_claims, "not my password", NEW, &code).await,
        Err(UserError::CurrentPasswordWrong)
    ));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert!(matches!(accounts.change_email(&here_claims, PASSWORD, NEW, wrong).await, Err(UserError::InvalidCode)));
    assert!(
        matches!(
            accounts.change_email(&here_claims, PASSWORD, "other@example.com", &code).await,
            Err(UserError::InvalidCode)
        ),
        "the code is for the address it was mailed to"
    );

    let changed = accounts.change_email(&here_claims, PASSWORD, NEW, &code).await.unwrap();
    assert_eq!(changed.user.email, NEW);
    only_this_session_is_left(&accounts, &here, &elsewhere).await;
    assert!(matches!(accounts.login(EMAIL, PASSWORD, OTHER_IP).await, Err(UserError::BadCredentials)));
    accounts.login(NEW, PASSWORD, OTHER_IP).await.unwrap();
}

#[tokio::test]
async fn email_change_codes_are_three_per_account_in_ten_minutes() {
    let world = World::new();
    let (accounts, _) = signed_up(&world).await;
    for i in 0..3 {
        accounts.request_email_change_code(1, &format!("new{i}@example.com"), IP).await.unwrap();
    }
    assert!(matches!(
        accounts.request_email_change_code(1, "new3@example.com", IP).await,
        Err(UserError::TooManyAttempts { .. })
    ));
    assert!(world.codes.last_code_to("new3@example.com").is_none());
}

#[tokio::test]
async fn a_password_change_checks_the_current_one_and_ends_the_other_sessions() {
    let world = World::new();
    let (accounts, here) = signed_up(&world).await;
    let elsewhere = accounts.login(EMAIL, PASSWORD, OTHER_IP).await.unwrap();
    let here_claims = claims(&accounts, &here).await;
    const NEW: &str = "a brand new secret 7";
    assert!(matches!(
        accounts.change_password(&here_claims, "wrong one", NEW).await,
        Err(UserError::CurrentPasswordWrong)
    ));
    assert!(matches!(accounts.change_password(&here_claims, PASSWORD, "mina").await, Err(UserError::WeakPassword(_))));

    accounts.change_password(&here_claims, PASSWORD, NEW).await.unwrap();
    only_this_session_is_left(&accounts, &here, &elsewhere).await;
    assert!(matches!(accounts.login(EMAIL, PASSWORD, OTHER_IP).await, Err(UserError::BadCredentials)));
    accounts.login(EMAIL, NEW, OTHER_IP).await.unwrap();
}

#[tokio::test]
async fn the_current_password_check_waits_after_five_wrong_tries() {
    let world = World::new();
    let (accounts, pair) = signed_up(&world).await;
    let claims = claims(&accounts, &pair).await;
    for _ in 0..5 {
        assert!(matches!(
            accounts.change_password(&claims, "wrong one", "a brand new secret 7").await,
            Err(UserError::CurrentPasswordWrong)
        ));
    }
    assert!(matches!(
        accounts.change_password(&claims, PASSWORD, "a brand new secret 7").await,
        Err(UserError::TooManyAttempts { .. })
    ));
}

#[tokio::test]
async fn an_account_without_a_password_cannot_pass_the_current_password_check() {
    let world = World::new();
    let accounts = world.service();
    world.providers.answer("code", Ok(identity("1", None, false)));
    let state = started(&accounts.oauth_start("kakao").unwrap());
    let (_, pair) = accounts.oauth_finish("kakao", callback(&state, "code")).await.unwrap();
    let claims = claims(&accounts, &pair).await;
    assert!(matches!(
        accounts.change_password(&claims, "", "a brand new secret 7").await,
        Err(UserError::CurrentPasswordWrong)
    ));
}

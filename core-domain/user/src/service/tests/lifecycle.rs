//! Withdrawal, recovery within the window, and the purge after it: recovery codes are mailed
//! alike for every address, and only a withdrawn account recovers.

use super::{EMAIL, IP, PASSWORD, claims, fakes::World, signed_up};
use crate::UserError;

/// The body of the latest mail to `to`.
fn last_mail_to(world: &World, to: &str) -> Option<String> {
    world.codes.mails.lock().unwrap().iter().rev().find(|m| m.to == to).map(|m| m.body.clone())
}

#[tokio::test]
async fn recovery_codes_are_answered_alike_and_an_active_account_is_not_recovered() {
    let world = World::new();
    let (accounts, _) = signed_up(&world).await;
    accounts.request_recovery_code("nobody@example.com", IP).await.unwrap();
    assert_eq!(last_mail_to(&world, "nobody@example.com"), None, "an unknown address gets no mail");

    accounts.request_recovery_code(EMAIL, IP).await.unwrap();
    let body = last_mail_to(&world, EMAIL).unwrap();
    assert!(body.contains("활성 계정"), "the owner learns the account is active: {body}");
    let code = world.codes.last_code_to(EMAIL).unwrap();
    assert!(matches!(
        accounts.recover(EMAIL, &code, IP).await,
        Err(UserError::NotRecoverable("the account is active"))
    ));
    assert!(
        matches!(accounts.request_recovery_code(EMAIL, IP).await, Err(UserError::TooManyAttempts { .. })),
        "one recovery code a minute per address"
    );
}

#[tokio::test]
async fn a_withdrawn_account_recovers_with_its_code_and_signs_in_again() {
    let world = World::new();
    let (accounts, pair) = signed_up(&world).await;
    accounts.withdraw(&claims(&accounts, &pair).await).await.unwrap();
    accounts.request_recovery_code(EMAIL, IP).await.unwrap();
    let body = last_mail_to(&world, EMAIL).unwrap();
    assert!(!body.contains("활성 계정") && !body.contains("복구할 수 없습니다"), "a plain code: {body}");
    let code = world.codes.last_code_to(EMAIL).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert!(matches!(accounts.recover(EMAIL, wrong, IP).await, Err(UserError::InvalidCode)));
    assert!(matches!(accounts.recover("not-an-email", &code, IP).await, Err(UserError::InvalidField { .. })));

    let recovered = accounts.recover(EMAIL, &code, IP).await.unwrap();
    assert_eq!(claims(&accounts, &recovered).await.user_id(), 1);
    assert!(world.users.find_by_email_str(EMAIL).is_some_and(|u| u.withdrawn_at.is_none()));
    accounts.login(EMAIL, PASSWORD, IP).await.expect("the password works again");
    assert!(matches!(accounts.recover(EMAIL, &code, IP).await, Err(UserError::InvalidCode)), "the code is spent");
}

#[tokio::test]
async fn a_year_after_withdrawal_the_account_cannot_be_recovered_and_is_purged() {
    let world = World::new();
    let (accounts, pair) = signed_up(&world).await;
    accounts.withdraw(&claims(&accounts, &pair).await).await.unwrap();
    world.clock.advance(chrono::Duration::days(364));
    assert_eq!(accounts.purge_withdrawn().await.unwrap(), 0, "kept while it can be recovered");

    world.clock.advance(chrono::Duration::days(2));
    accounts.request_recovery_code(EMAIL, IP).await.unwrap();
    assert!(last_mail_to(&world, EMAIL).unwrap().contains("1년이 지나"), "the mail says why it cannot be recovered");
    let code = world.codes.last_code_to(EMAIL).unwrap();
    assert!(matches!(
        accounts.recover(EMAIL, &code, IP).await,
        Err(UserError::NotRecoverable("it was withdrawn more than a year ago"))
    ));

    assert_eq!(accounts.purge_withdrawn().await.unwrap(), 1);
    assert!(world.users.find_by_email_str(EMAIL).is_none(), "purged");
    assert_eq!(accounts.purge_withdrawn().await.unwrap(), 0);
}

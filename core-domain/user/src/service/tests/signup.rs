//! Sign-up codes and operator-created accounts: what each refusal names, and that a registered
//! address is told only to its mailbox.

use super::{EMAIL, IP, PASSWORD, fakes::World};
use crate::{Role, UserError};

#[tokio::test]
async fn a_code_request_for_a_registered_address_is_answered_alike_and_its_mail_says_why() {
    let world = World::new();
    let accounts = world.service();
    accounts.create_account(EMAIL, PASSWORD, "미나", Role::User).await.unwrap();
    accounts.request_signup_code(EMAIL, IP).await.unwrap();
    let mails = world.codes.mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject, "[Cercat] 회원가입 인증번호");
    assert!(mails[0].body.contains("이미 가입된 계정"), "{}", mails[0].body);

    let code = world.codes.last_code_to(EMAIL).unwrap();
    assert!(
        matches!(accounts.signup(EMAIL, &code, PASSWORD, "미나2", IP).await, Err(UserError::EmailTaken)),
        "taken is told only after the mailed code"
    );
}

#[tokio::test]
async fn a_fresh_address_gets_a_plain_code_once_a_minute() {
    let world = World::new();
    let accounts = world.service();
    accounts.request_signup_code(EMAIL, IP).await.unwrap();
    let body = world.codes.mails.lock().unwrap()[0].body.clone();
    assert!(!body.contains("이미 가입된 계정") && body.contains("5분 안에"), "{body}");
    assert!(matches!(accounts.request_signup_code(EMAIL, IP).await, Err(UserError::TooManyAttempts { .. })));
    assert_eq!(world.codes.mails.lock().unwrap().len(), 1, "no second mail");
    assert!(matches!(
        accounts.request_signup_code("not-an-email", IP).await,
        Err(UserError::InvalidField { field: "email", .. })
    ));
}

#[tokio::test]
async fn an_expired_or_malformed_code_creates_nothing() {
    let world = World::new();
    let accounts = world.service();
    accounts.request_signup_code(EMAIL, IP).await.unwrap();
    let code = world.codes.last_code_to(EMAIL).unwrap();
    for malformed in ["12a456", "1234567", ""] {
        assert!(matches!(accounts.signup(EMAIL, malformed, PASSWORD, "미나", IP).await, Err(UserError::InvalidCode)));
    }
    assert!(matches!(
        accounts.signup(EMAIL, &code, PASSWORD, "a", IP).await,
        Err(UserError::InvalidField { field: "nickname", .. })
    ));
    world.clock.advance(chrono::Duration::minutes(6));
    assert!(
        matches!(accounts.signup(EMAIL, &code, PASSWORD, "미나", IP).await, Err(UserError::InvalidCode)),
        "a code lives five minutes"
    );
    assert!(world.users.find_by_email_str(EMAIL).is_none());
}

#[tokio::test]
async fn operators_create_accounts_with_a_role_under_the_sign_up_rules() {
    let world = World::new();
    let accounts = world.service();
    let admin = accounts.create_account(" Admin@Example.com ", PASSWORD, "운영자", Role::Admin).await.unwrap();
    assert_eq!((admin.email.as_str(), admin.role), ("admin@example.com", Role::Admin));
    let pair = accounts.login("admin@example.com", PASSWORD, IP).await.unwrap();
    assert_eq!(accounts.authenticate(&pair.access_token).await.unwrap().role, Role::Admin);

    let refusal = |r: Result<crate::User, UserError>| r.map(|u| u.id);
    assert!(matches!(
        refusal(accounts.create_account("admin@example.com", PASSWORD, "다른이", Role::User).await),
        Err(UserError::EmailTaken)
    ));
    assert!(matches!(
        refusal(accounts.create_account("other@example.com", PASSWORD, "운영자", Role::User).await),
        Err(UserError::NicknameTaken)
    ));
    assert!(matches!(
        refusal(accounts.create_account("other@example.com", "password", "다른이", Role::User).await),
        Err(UserError::WeakPassword(_))
    ));
    assert!(matches!(
        refusal(accounts.create_account("other", PASSWORD, "다른이", Role::User).await),
        Err(UserError::InvalidField { field: "email", .. })
    ));
}

//! Operators on accounts: role changes that take effect at once, the last-ADMIN rule,
//! suspensions that end every session and refuse sign-in with their end date, and the audit
//! entries each change leaves.

use super::{EMAIL, IP, PASSWORD, claims, fakes::World, signed_up};
use crate::{AccountService, Role, UserError, service::admin::Operator};
use cercat_common::audit::{Actor, AuditTarget};
use cercat_common::clock::Clock;
use chrono::{Duration, SecondsFormat};

const ADMIN_PASSWORD: &str = "operator pass 9876";

fn by(admin: i64) -> Operator {
    Operator { actor: Actor::Admin(admin), client: Some("198.51.100.1".into()) }
}

async fn admin(accounts: &AccountService, n: u32) -> i64 {
    let email = format!("admin{n}@example.com");
    accounts.create_account(&email, ADMIN_PASSWORD, &format!("관리자{n}"), Role::Admin).await.unwrap().id
}

/// A signed-up member (past onboarding) and their session's tokens.
async fn member(world: &World) -> (AccountService, crate::TokenPair) {
    let (accounts, guest) = signed_up(world).await;
    let pair = accounts.complete_onboarding(&claims(&accounts, &guest).await).await.unwrap();
    (accounts, pair)
}

#[tokio::test]
async fn a_new_role_ends_the_old_sessions_at_once_and_the_next_sign_in_carries_it() {
    let world = World::new();
    let (accounts, pair) = member(&world).await;
    let boss = admin(&accounts, 1).await;
    let old = claims(&accounts, &pair).await;
    assert_eq!(old.role, Role::User);

    let user = accounts.change_role(&by(boss), old.user_id(), Role::Instructor).await.unwrap();
    assert_eq!(user.role, Role::Instructor);
    assert!(
        matches!(accounts.authenticate(&pair.access_token).await, Err(UserError::InvalidToken)),
        "old role refused"
    );
    assert!(matches!(accounts.refresh(&pair.refresh_token).await, Err(UserError::InvalidToken)));
    assert!(world.session_ends.0.lock().unwrap().contains(&old.sid), "its streams close on every instance");
    let fresh = accounts.login(EMAIL, PASSWORD, IP).await.unwrap();
    assert_eq!(claims(&accounts, &fresh).await.role, Role::Instructor);

    let audited = world.users.audited();
    assert_eq!(audited.len(), 1);
    let entry = &audited[0];
    assert_eq!((entry.actor.clone(), entry.action.as_str()), (Actor::Admin(boss), "user.role.change"));
    assert_eq!(entry.target, AuditTarget::user(old.user_id()));
    assert_eq!(entry.before, Some(serde_json::json!({ "role": "USER" })));
    assert_eq!(entry.after, Some(serde_json::json!({ "role": "INSTRUCTOR" })));
    assert_eq!(entry.client.as_deref(), Some("198.51.100.1"));

    // The same role again is no change: no session ends, nothing is audited.
    accounts.change_role(&by(boss), old.user_id(), Role::Instructor).await.unwrap();
    accounts.authenticate(&fresh.access_token).await.unwrap();
    assert_eq!(world.users.audited().len(), 1);
}

#[tokio::test]
async fn the_last_admin_keeps_the_role_and_of_two_admins_demoting_each_other_one_wins() {
    let world = World::new();
    let accounts = world.service();
    let first = admin(&accounts, 1).await;
    assert!(matches!(accounts.change_role(&by(first), first, Role::User).await, Err(UserError::LastAdmin)));
    assert!(matches!(accounts.change_role(&Operator::cli(), first, Role::Instructor).await, Err(UserError::LastAdmin)));

    let second = admin(&accounts, 2).await;
    let (by_first, by_second) = (by(first), by(second));
    let (a, b) = tokio::join!(
        accounts.change_role(&by_first, second, Role::User),
        accounts.change_role(&by_second, first, Role::User),
    );
    let refused = [&a, &b].iter().filter(|r| matches!(r, Err(UserError::LastAdmin))).count();
    assert_eq!((a.is_ok() || b.is_ok(), refused), (true, 1), "{a:?} {b:?}");
    let admins = [first, second].iter().filter(|id| world.users.find_by_id(**id).unwrap().role == Role::Admin).count();
    assert_eq!(admins, 1, "one ADMIN is always left");
}

#[tokio::test]
async fn guests_get_no_role_and_unknown_accounts_are_not_found() {
    let world = World::new();
    let (accounts, guest) = signed_up(&world).await;
    let boss = admin(&accounts, 1).await;
    let id = claims(&accounts, &guest).await.user_id();
    assert!(matches!(accounts.change_role(&by(boss), id, Role::Instructor).await, Err(UserError::NotOnboarded)));
    assert!(matches!(accounts.change_role(&by(boss), 999, Role::User).await, Err(UserError::NotFound)));
    assert!(matches!(
        accounts.change_role(&by(boss), id, Role::Guest).await,
        Err(UserError::InvalidField { field: "role", .. })
    ));
    accounts.authenticate(&guest.access_token).await.unwrap();
}

#[tokio::test]
async fn a_suspended_account_loses_its_sessions_and_is_told_the_end_date_until_it_is_lifted() {
    let world = World::new();
    let (accounts, pair) = member(&world).await;
    let boss = admin(&accounts, 1).await;
    let id = claims(&accounts, &pair).await.user_id();
    let until = world.clock.now() + Duration::days(7);

    let user = accounts.suspend(&by(boss), id, "  spam in the board  ", Some(until)).await.unwrap();
    assert_eq!(user.suspension.as_ref().map(|s| s.reason.as_str()), Some("spam in the board"));
    assert!(matches!(accounts.authenticate(&pair.access_token).await, Err(UserError::InvalidToken)));
    match accounts.refresh(&pair.refresh_token).await {
        Err(UserError::InvalidToken) => {}
        other => panic!("the suspended session's refresh token is revoked, got {other:?}"),
    }
    let refused = accounts.login(EMAIL, PASSWORD, IP).await.unwrap_err();
    assert!(matches!(refused, UserError::Suspended { until: Some(u) } if u == until), "{refused:?}");
    assert_eq!(cercat_common::DomainError::code(&refused), "USR_020");
    let date = until.to_rfc3339_opts(SecondsFormat::Secs, true);
    assert!(refused.to_string().contains(&date), "the message names the end: {refused}");

    // Indefinitely, the message says so; lifting it lets the owner back in.
    accounts.suspend(&by(boss), id, "again", None).await.unwrap();
    let refused = accounts.login(EMAIL, PASSWORD, IP).await.unwrap_err();
    assert!(refused.to_string().contains("until further notice"), "{refused}");
    let lifted = accounts.unsuspend(&by(boss), id).await.unwrap();
    assert!(lifted.suspension.is_none());
    accounts.login(EMAIL, PASSWORD, IP).await.unwrap();
    let actions: Vec<_> = world.users.audited().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["user.suspend", "user.suspend", "user.unsuspend"]);
}

#[tokio::test]
async fn a_suspension_past_its_end_no_longer_counts() {
    let world = World::new();
    let (accounts, _) = member(&world).await;
    let boss = admin(&accounts, 1).await;
    let until = world.clock.now() + Duration::hours(1);
    accounts.suspend(&by(boss), 1, "cool down", Some(until)).await.unwrap();
    assert!(matches!(accounts.login(EMAIL, PASSWORD, IP).await, Err(UserError::Suspended { .. })));
    world.clock.advance(Duration::hours(1) + Duration::seconds(1));
    let pair = accounts.login(EMAIL, PASSWORD, IP).await.unwrap();
    accounts.refresh(&pair.refresh_token).await.unwrap();
    let user = accounts.account(1).await.unwrap();
    assert_eq!(user.status_at(world.clock.now()), crate::UserStatus::Active);
}

#[tokio::test]
async fn suspensions_need_a_reason_a_future_end_and_a_non_admin() {
    let world = World::new();
    let (accounts, _) = member(&world).await;
    let boss = admin(&accounts, 1).await;
    let other = admin(&accounts, 2).await;
    let past = world.clock.now() - Duration::seconds(1);
    for (reason, until, field) in [(" ", None, "reason"), ("x", Some(past), "until")] {
        match accounts.suspend(&by(boss), 1, reason, until).await {
            Err(UserError::InvalidField { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    let long = "가".repeat(501);
    assert!(matches!(accounts.suspend(&by(boss), 1, &long, None).await, Err(UserError::InvalidField { .. })));
    assert!(matches!(accounts.suspend(&by(boss), other, "x", None).await, Err(UserError::AdminNotSuspendable)));
    assert!(matches!(accounts.suspend(&by(boss), 999, "x", None).await, Err(UserError::NotFound)));
    assert!(world.users.audited().is_empty(), "refused changes leave no entry");
}

#[tokio::test]
async fn the_detail_shows_each_sign_in_how_and_from_where_and_which_sessions_still_live() {
    use crate::sign_ins::{SignInMethod, SignInOutcome};
    let world = World::new();
    let (accounts, signup_pair) = signed_up(&world).await;
    assert!(accounts.login(EMAIL, "not the password", IP).await.is_err());
    assert!(accounts.login("nobody@example.com", "not the password", IP).await.is_err(), "unknown: not recorded");
    let laptop = accounts.login(EMAIL, PASSWORD, "198.51.100.9").await.unwrap();
    accounts.logout(&claims(&accounts, &signup_pair).await).await.unwrap();

    let (user, history) = accounts.account_detail(1).await.unwrap();
    assert_eq!(user.email.as_str(), EMAIL);
    let seen: Vec<_> = history
        .recent
        .iter()
        .map(|(e, live)| (e.method.clone(), e.outcome, e.client.clone().unwrap_or_default(), *live))
        .collect();
    assert_eq!(
        seen,
        [
            (SignInMethod::Password, SignInOutcome::Succeeded, "198.51.100.9".to_owned(), true),
            (SignInMethod::Password, SignInOutcome::WrongPassword, IP.to_owned(), false),
            (SignInMethod::Signup, SignInOutcome::Succeeded, IP.to_owned(), false),
        ],
        "newest first; the signed-out session is no longer live"
    );
    assert_eq!(history.recent[0].0.session.as_deref(), Some(claims(&accounts, &laptop).await.sid.as_str()));
    assert_eq!((history.last_30_days.succeeded, history.last_30_days.wrong_password), (2, 1));
    assert_eq!(history.last_signed_in_at, Some(world.clock.now()));

    let boss = admin(&accounts, 1).await;
    accounts.suspend(&by(boss), 1, "cool down", None).await.unwrap();
    assert!(matches!(accounts.login(EMAIL, PASSWORD, IP).await, Err(UserError::Suspended { .. })));
    let (_, history) = accounts.account_detail(1).await.unwrap();
    assert_eq!(history.recent[0].0.outcome, SignInOutcome::Suspended);
    assert!(history.recent.iter().all(|(_, live)| !live), "the suspension ended every session");

    // Past the kept window the history is forgotten.
    world.clock.advance(Duration::days(crate::sign_ins::KEPT_DAYS + 1));
    assert_eq!(accounts.prune_sign_ins().await.unwrap(), 4);
    assert!(accounts.account_detail(1).await.unwrap().1.recent.is_empty());
    assert!(matches!(accounts.account_detail(999).await, Err(UserError::NotFound)));
}

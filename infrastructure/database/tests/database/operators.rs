//! What operators change on accounts, on SQLite (always) and MariaDB (CI): the guarded role
//! change under a storm of concurrent demotions, suspensions, the operators' account search,
//! and the audit log written in the same transaction and paged newest first.

use std::sync::Arc;

use cercat_common::{
    audit::{Actor, AuditEntry, AuditFilter, AuditLog, AuditTarget},
    paging::KeysetRequest,
};
use cercat_database::*;
use cercat_user::{
    Role, Suspension, UserStatus,
    model::NewUser,
    ports::{RoleChange, UserFilter, UserRepository},
};
use chrono::{Duration, SubsecRound, Utc};

async fn account(users: &SqlUserRepository, name: &str, role: Role) -> i64 {
    let new = NewUser {
        email: cercat_user::Email::parse(&format!("{name}@example.com")).unwrap(),
        nickname: cercat_user::Nickname::parse(name).unwrap(),
        role,
        password_hash: None,
        oauth: None,
    };
    users.create(&new, Utc::now()).await.unwrap().id
}

fn entry(action: &str, target: i64, n: i64) -> AuditEntry {
    AuditEntry {
        actor: if n % 2 == 0 { Actor::Admin(1) } else { Actor::Cli },
        action: action.to_owned(),
        target: AuditTarget::user(target),
        before: Some(serde_json::json!({ "n": n })),
        after: None,
        at: Utc::now().trunc_subsecs(6),
        client: Some("203.0.113.9".into()),
    }
}

async fn contract(db: Db) {
    let users = Arc::new(SqlUserRepository::new(db.clone()));
    let log = SqlAuditLog::new(db.clone());
    let mut admins = Vec::new();
    for i in 0..6 {
        admins.push(account(&users, &format!("admin{i}"), Role::Admin).await);
    }
    // Every admin demoted at once: all but one pass, one ADMIN is left, one entry per change.
    let tasks: Vec<_> = admins
        .iter()
        .map(|id| {
            let (users, id) = (Arc::clone(&users), *id);
            tokio::spawn(async move {
                users.change_role(id, Role::Admin, Role::User, true, &entry("user.role.change", id, 0)).await.unwrap()
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let changed = outcomes.iter().filter(|o| **o == RoleChange::Changed).count();
    assert_eq!((changed, outcomes.len() - changed), (5, 1), "{outcomes:?}");
    assert!(outcomes.contains(&RoleChange::NoOtherAdmin));
    let mut left = 0;
    for id in &admins {
        left += usize::from(users.find(*id).await.unwrap().unwrap().role == Role::Admin);
    }
    assert_eq!(left, 1, "one ADMIN is left");
    let everything = KeysetRequest::parse("admin:users", None, Some(100)).unwrap();
    assert_eq!(log.list(&AuditFilter::default(), &everything).await.unwrap().len(), 5, "refused changes leave none");

    // A role that moved meanwhile is stale; nothing is written.
    let member = account(&users, "member1", Role::User).await;
    let stale = users.change_role(member, Role::Instructor, Role::User, false, &entry("x", member, 0)).await.unwrap();
    assert_eq!(stale, RoleChange::Stale);
    assert_eq!(
        users.change_role(member, Role::User, Role::Instructor, false, &entry("y", member, 0)).await.unwrap(),
        RoleChange::Changed
    );
    assert_eq!(users.find(member).await.unwrap().unwrap().role, Role::Instructor);

    // Suspensions round-trip, and lifting one clears it.
    let now = Utc::now().trunc_subsecs(6);
    let suspension = Suspension { reason: "도배".into(), until: Some(now + Duration::days(3)), since: now };
    assert!(users.set_suspension(member, Some(&suspension), &entry("user.suspend", member, 0)).await.unwrap());
    assert_eq!(users.find(member).await.unwrap().unwrap().suspension, Some(suspension.clone()));
    assert!(!users.set_suspension(999_999, Some(&suspension), &entry("user.suspend", 999_999, 0)).await.unwrap());

    // The operators' search: by text, role and status (a suspension that ran out is over).
    let expired = account(&users, "expired1", Role::User).await;
    let ran_out =
        Suspension { reason: "짧게".into(), until: Some(now - Duration::hours(1)), since: now - Duration::days(1) };
    users.set_suspension(expired, Some(&ran_out), &entry("user.suspend", expired, 0)).await.unwrap();
    let gone = account(&users, "gone1", Role::User).await;
    users.withdraw(gone, Utc::now()).await.unwrap();
    assert_eq!(users.find_any(gone).await.unwrap().map(|u| u.id), Some(gone));
    let search = |query: Option<&str>, role, status| UserFilter {
        query: query.map(str::to_owned),
        role,
        status,
        now: Utc::now(),
    };
    let ids = |found: Vec<cercat_user::User>| found.into_iter().map(|u| u.id).collect::<Vec<_>>();
    assert_eq!(
        ids(users.search(&search(None, None, Some(UserStatus::Suspended)), &everything).await.unwrap()),
        [member]
    );
    assert_eq!(ids(users.search(&search(None, None, Some(UserStatus::Withdrawn)), &everything).await.unwrap()), [gone]);
    let active = ids(users.search(&search(None, None, Some(UserStatus::Active)), &everything).await.unwrap());
    assert!(active.contains(&expired) && !active.contains(&member) && !active.contains(&gone), "{active:?}");
    assert_eq!(ids(users.search(&search(Some("MEMBER1@"), None, None), &everything).await.unwrap()), [member]);
    assert_eq!(
        ids(users.search(&search(Some("%"), None, None), &everything).await.unwrap()),
        Vec::<i64>::new(),
        "% is literal"
    );
    assert_eq!(ids(users.search(&search(None, Some(Role::Instructor), None), &everything).await.unwrap()), [member]);
    // Keyset pages of two walk every account once, newest first.
    let all = ids(users.search(&search(None, None, None), &everything).await.unwrap());
    let (mut walked, mut page) = (Vec::new(), KeysetRequest::parse("admin:users", None, Some(2)).unwrap());
    loop {
        let rows = users.search(&search(None, None, None), &page).await.unwrap();
        let next = rows
            .get(1)
            .filter(|_| rows.len() == 3)
            .map(|u| cercat_common::paging::Keyset { at: u.created_at, id: u.id });
        walked.extend(rows.iter().take(2).map(|u| u.id));
        match next {
            Some(after) => page = KeysetRequest { after: Some(after), ..page },
            None => break,
        }
    }
    assert_eq!(walked, all);

    // The audit log: filters, newest first, and keyset pages.
    for n in 0..5 {
        log.append(&entry("coupon.define", 4242, n)).await.unwrap();
    }
    let about = AuditFilter { actor: None, target: Some(AuditTarget::user(4242)) };
    let newest = log.list(&about, &everything).await.unwrap();
    let order: Vec<_> = newest.iter().map(|r| r.entry.before.clone().unwrap()["n"].as_i64().unwrap()).collect();
    assert_eq!(order, [4, 3, 2, 1, 0]);
    assert_eq!(newest[0].entry.client.as_deref(), Some("203.0.113.9"));
    let by_cli = AuditFilter { actor: Some(Actor::Cli), target: Some(AuditTarget::user(4242)) };
    assert_eq!(log.list(&by_cli, &everything).await.unwrap().len(), 2);
    let after_second = cercat_common::paging::Keyset { at: newest[1].entry.at, id: newest[1].id };
    let rest = log
        .list(&about, &KeysetRequest { after: Some(after_second), size: 10, list: "admin:audit".into() })
        .await
        .unwrap();
    assert_eq!(rest.iter().map(|r| r.id).collect::<Vec<_>>(), newest[2..].iter().map(|r| r.id).collect::<Vec<_>>());

    sign_ins(&db, &users).await;
}

/// The sign-in history: appended, read newest first, counted over a window, pruned by age, and
/// gone with its account when that is purged.
async fn sign_ins(db: &Db, users: &SqlUserRepository) {
    use cercat_user::sign_ins::{SignIn, SignInLog, SignInMethod, SignInOutcome};
    let log = SqlSignInLog::new(db.clone());
    let who = account(users, "signer1", Role::User).await;
    let other = account(users, "signer2", Role::User).await;
    let now = Utc::now().trunc_subsecs(6);
    let at = |days: i64| now - Duration::days(days);
    let entry = |user_id, days, method, outcome, session: Option<&str>| SignIn {
        user_id,
        at: at(days),
        method,
        outcome,
        client: Some("198.51.100.4".into()),
        session: session.map(str::to_owned),
    };
    for e in [
        entry(who, 40, SignInMethod::Signup, SignInOutcome::Succeeded, Some("s-old")),
        entry(who, 3, SignInMethod::Password, SignInOutcome::WrongPassword, None),
        entry(who, 2, SignInMethod::OAuth("kakao".into()), SignInOutcome::Succeeded, Some("s-new")),
        entry(who, 1, SignInMethod::Password, SignInOutcome::Suspended, None),
        entry(other, 1, SignInMethod::Password, SignInOutcome::Succeeded, Some("s-other")),
    ] {
        log.record(&e).await.unwrap();
    }
    let recent = log.recent(who, 3).await.unwrap();
    let seen: Vec<_> = recent.iter().map(|e| (e.at, e.outcome)).collect();
    assert_eq!(
        seen,
        [(at(1), SignInOutcome::Suspended), (at(2), SignInOutcome::Succeeded), (at(3), SignInOutcome::WrongPassword)]
    );
    assert_eq!(recent[1].method, SignInMethod::OAuth("kakao".into()));
    assert_eq!(recent[1].session.as_deref(), Some("s-new"));
    let (counts, last) = log.counts(who, at(30)).await.unwrap();
    assert_eq!((counts.succeeded, counts.wrong_password, counts.suspended), (1, 1, 1));
    assert_eq!(last, Some(at(2)), "the last session started");
    assert_eq!(log.prune(at(30)).await.unwrap(), 1, "only the 40-day-old entry");
    assert_eq!(log.recent(who, 10).await.unwrap().len(), 3);
    users.withdraw(other, Utc::now() - Duration::days(400)).await.unwrap();
    users.purge_withdrawn_before(Utc::now() - Duration::days(365)).await.unwrap();
    assert!(log.recent(other, 10).await.unwrap().is_empty(), "purged with the account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_operators_changes_keep_their_contract() {
    let dir = tempfile::tempdir().unwrap();
    contract(super::connect(&format!("sqlite://{}?mode=rwc", dir.path().join("o.db").display())).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_operators_changes_keep_their_contract() {
    let database = cercat_testing::TestMysql::fresh().await;
    contract(super::connect(database.url()).await).await;
}

//! Operators on accounts over the admin API: roles that take effect at once, the last-ADMIN
//! rule, suspensions that end every session and refuse sign-in and refresh with the end date,
//! the account list and detail, and the audit log of it all.

use reqwest::Method;
use serde_json::json;

use super::spawn;

const DEMO: (&str, &str) = ("demo@cercat.dev", "demo-pass-1234");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instructor_is_made_at_once_and_the_last_admin_stays_one() {
    let a = spawn().await;
    let accounts = a.services.accounts.clone();
    let pair = accounts.login(DEMO.0, DEMO.1, "127.0.0.1").await.unwrap();
    let old = accounts.authenticate(&pair.access_token).await.unwrap();
    let path = format!("/admin/v1/users/{}/role", a.user_id);
    let body = json!({ "role": "INSTRUCTOR" });
    assert_eq!(a.call(Method::PATCH, &path, Some(&a.user), Some(body.clone()), 403).await["responseCode"], "USR_009");

    let changed = a.call(Method::PATCH, &path, Some(&a.admin), Some(body), 200).await;
    assert_eq!(
        (changed["result"]["role"].as_str(), changed["result"]["status"].as_str()),
        (Some("INSTRUCTOR"), Some("ACTIVE"))
    );
    assert!(accounts.authenticate(&pair.access_token).await.is_err(), "a token with the old role is refused");
    assert!(!accounts.session_alive(&old).await, "its open streams close");
    assert!(accounts.refresh(&pair.refresh_token).await.is_err(), "its session cannot be refreshed");
    let again = accounts.login(DEMO.0, DEMO.1, "127.0.0.1").await.unwrap();
    assert_eq!(accounts.authenticate(&again.access_token).await.unwrap().role, cercat_user::Role::Instructor);

    // The only ADMIN cannot lose the role, not even by their own hand.
    let admin_id = accounts.authenticate(&a.admin).await.unwrap().sub.get();
    let last = a
        .call(
            Method::PATCH,
            &format!("/admin/v1/users/{admin_id}/role"),
            Some(&a.admin),
            Some(json!({"role": "USER"})),
            409,
        )
        .await;
    assert_eq!(last["responseCode"], "USR_019");
    let guest =
        accounts.create_account("guest@cercat.dev", "guest-pass-1234", "손님", cercat_user::Role::Guest).await.unwrap();
    let refused = a
        .call(
            Method::PATCH,
            &format!("/admin/v1/users/{}/role", guest.id),
            Some(&a.admin),
            Some(json!({"role": "USER"})),
            409,
        )
        .await;
    assert_eq!(refused["responseCode"], "USR_018");
    let bad = a.call(Method::PATCH, &path, Some(&a.admin), Some(json!({"role": "GUEST"})), 400).await;
    assert_eq!((bad["responseCode"].as_str(), bad["errors"][0]["field"].as_str()), (Some("USR_001"), Some("role")));
    a.call(Method::PATCH, "/admin/v1/users/987654/role", Some(&a.admin), Some(json!({"role": "USER"})), 404).await;

    let audit =
        a.call(Method::GET, &format!("/admin/v1/audit?target=user:{}", a.user_id), Some(&a.admin), None, 200).await;
    let entry = &audit["result"]["content"][0];
    assert_eq!(
        (entry["action"].as_str(), entry["actor"].as_str()),
        (Some("user.role.change"), Some(admin_id.to_string().as_str()))
    );
    assert_eq!((entry["before"]["role"].as_str(), entry["after"]["role"].as_str()), (Some("USER"), Some("INSTRUCTOR")));
    assert_eq!(entry["clientAddress"], "127.0.0.1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_user_is_signed_out_everywhere_and_told_until_when() {
    let a = spawn().await;
    let accounts = a.services.accounts.clone();
    let pair = accounts.login(DEMO.0, DEMO.1, "127.0.0.1").await.unwrap();
    let claims = accounts.authenticate(&pair.access_token).await.unwrap();
    let path = format!("/admin/v1/users/{}/suspension", a.user_id);
    let until = "2099-01-01T00:00:00+09:00";
    let bad = a.call(Method::POST, &path, Some(&a.admin), Some(json!({"reason": "x", "until": "tomorrow"})), 400).await;
    assert_eq!(bad["errors"][0]["field"], "until");

    let suspended =
        a.call(Method::POST, &path, Some(&a.admin), Some(json!({"reason": "광고 도배", "until": until})), 200).await;
    assert_eq!(suspended["result"]["status"], "SUSPENDED");
    assert_eq!(suspended["result"]["suspension"]["reason"], "광고 도배");
    assert!(!accounts.session_alive(&claims).await, "the session's streams close");
    assert!(accounts.authenticate(&pair.access_token).await.is_err(), "its access token is refused");
    let refresh = accounts.refresh(&pair.refresh_token).await.unwrap_err();
    assert_eq!(cercat_common::DomainError::code(&refresh), "USR_007", "the refresh attempt fails: {refresh}");
    let login = accounts.login(DEMO.0, DEMO.1, "127.0.0.1").await.unwrap_err();
    assert_eq!(cercat_common::DomainError::code(&login), "USR_020");
    assert!(login.to_string().contains("until 2098-12-31T15:00:00Z"), "{login}");

    // Operators find the account by its status and look at it.
    let listed = a.call(Method::GET, "/admin/v1/users?status=SUSPENDED", Some(&a.admin), None, 200).await;
    let ids: Vec<_> =
        listed["result"]["content"].as_array().unwrap().iter().map(|u| u["userId"].as_i64().unwrap()).collect();
    assert_eq!(ids, [a.user_id]);
    let found = a.call(Method::GET, "/admin/v1/users?query=demo@", Some(&a.admin), None, 200).await;
    assert_eq!(found["result"]["content"][0]["userId"].as_i64(), Some(a.user_id));
    a.call(Method::GET, "/admin/v1/users?status=GONE", Some(&a.admin), None, 400).await;
    let detail = a.call(Method::GET, &format!("/admin/v1/users/{}", a.user_id), Some(&a.admin), None, 200).await;
    assert_eq!(detail["result"]["suspension"]["inForce"], true);

    let admin_id = accounts.authenticate(&a.admin).await.unwrap().sub.get();
    let admin_path = format!("/admin/v1/users/{admin_id}/suspension");
    assert_eq!(
        a.call(Method::POST, &admin_path, Some(&a.admin), Some(json!({"reason": "x"})), 409).await["responseCode"],
        "USR_021"
    );

    let lifted = a.call(Method::DELETE, &path, Some(&a.admin), None, 200).await;
    assert_eq!((lifted["result"]["status"].as_str(), lifted["result"]["suspension"].is_null()), (Some("ACTIVE"), true));
    accounts.login(DEMO.0, DEMO.1, "127.0.0.1").await.unwrap();

    // The audit log, newest first, a page at a time.
    let first =
        a.call(Method::GET, &format!("/admin/v1/audit?actor={admin_id}&size=1"), Some(&a.admin), None, 200).await;
    assert_eq!(first["result"]["content"][0]["action"], "user.unsuspend");
    let cursor = first["result"]["nextCursor"].as_str().unwrap().to_owned();
    let second = a
        .call(
            Method::GET,
            &format!("/admin/v1/audit?actor={admin_id}&size=10&cursor={cursor}"),
            Some(&a.admin),
            None,
            200,
        )
        .await;
    let actions: Vec<_> =
        second["result"]["content"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["user.suspend"], "the refused suspension of the ADMIN left nothing");
    assert_eq!(second["result"]["content"][0]["after"]["until"], "2098-12-31T15:00:00Z");
    a.call(Method::GET, "/admin/v1/audit?target=user", Some(&a.admin), None, 400).await;
    a.call(Method::GET, "/admin/v1/audit?cursor=nope", Some(&a.admin), None, 400).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_changes_roles_and_suspends_with_the_same_rules_audited_as_cli() {
    let a = spawn().await;
    let admin = super::cli(&a.settings.data_dir);
    let id = a.user_id.to_string();
    let out = admin(&["users", "role", &id, "instructor"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is INSTRUCTOR"));
    assert_eq!(admin(&["users", "role", &id, "OWNER"]).status.code(), Some(2));
    let admin_id = a.services.accounts.authenticate(&a.admin).await.unwrap().sub.get().to_string();
    let last = admin(&["users", "role", &admin_id, "USER"]);
    assert_eq!(last.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&last.stderr).contains("last ADMIN"), "{}", String::from_utf8_lossy(&last.stderr));

    let out = admin(&["users", "suspend", &id, "--reason", "신고 누적", "--until", "2099-01-01T00:00:00Z"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("suspended until 2099-01-01T00:00:00Z"));
    let login = a.services.accounts.login(DEMO.0, DEMO.1, "127.0.0.1").await.unwrap_err();
    assert_eq!(cercat_common::DomainError::code(&login), "USR_020");
    assert_eq!(admin(&["users", "suspend", &id, "--reason", "x", "--until", "soon"]).status.code(), Some(2));
    assert!(admin(&["users", "unsuspend", &id]).status.success());
    a.services.accounts.login(DEMO.0, DEMO.1, "127.0.0.1").await.unwrap();

    let audit = a.call(Method::GET, "/admin/v1/audit?actor=cli", Some(&a.admin), None, 200).await;
    let entries = audit["result"]["content"].as_array().unwrap();
    let actions: Vec<_> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["user.unsuspend", "user.suspend", "user.role.change"]);
    assert!(entries.iter().all(|e| e["actor"] == "cli" && e["clientAddress"].is_null()));
}

/// Whether `accounts` refuses `access` within two seconds (a process trusts another's "still
/// alive" answer for a second).
async fn refused_soon(accounts: &cercat_user::AccountService, access: &str) -> bool {
    for _ in 0..20 {
        if accounts.authenticate(access).await.is_err() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// Embedded mode, the api as another process over the same database: what the admin port
/// decides ends the api's sessions there too — their refresh tokens are gone at once and
/// their access tokens are refused within a second; signing in again carries the new role,
/// and a suspended account cannot sign in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_port_ends_the_api_processs_sessions() {
    let a = spawn().await;
    let api = cercat_bootstrap::Services::connect(&a.settings).await.unwrap();
    let accounts = api.accounts.clone();
    let pair = accounts.login(DEMO.0, DEMO.1, "127.0.0.1").await.unwrap();
    let renewed = accounts.refresh(&pair.refresh_token).await.unwrap();
    let sid = accounts.authenticate(&renewed.access_token).await.unwrap().sid;
    let seen = a.services.adapters().refresh.live_families(a.user_id).await.unwrap();
    assert!(seen.contains(&sid), "the admin process sees the api's session: {seen:?}");

    let role = format!("/admin/v1/users/{}/role", a.user_id);
    a.call(Method::PATCH, &role, Some(&a.admin), Some(json!({"role": "INSTRUCTOR"})), 200).await;
    let refused = accounts.refresh(&renewed.refresh_token).await.unwrap_err();
    assert_eq!(cercat_common::DomainError::code(&refused), "USR_007", "the session ended: {refused}");
    assert!(refused_soon(&accounts, &renewed.access_token).await, "its access token is refused there too");
    let again = accounts.login(DEMO.0, DEMO.1, "127.0.0.1").await.unwrap();
    assert_eq!(accounts.authenticate(&again.access_token).await.unwrap().role, cercat_user::Role::Instructor);

    let path = format!("/admin/v1/users/{}/suspension", a.user_id);
    a.call(Method::POST, &path, Some(&a.admin), Some(json!({"reason": "신고 누적"})), 200).await;
    let refused = accounts.refresh(&again.refresh_token).await.unwrap_err();
    assert_eq!(cercat_common::DomainError::code(&refused), "USR_007", "the session ended: {refused}");
    assert!(refused_soon(&accounts, &again.access_token).await, "its access token is refused there too");
    let login = accounts.login(DEMO.0, DEMO.1, "127.0.0.1").await.unwrap_err();
    assert_eq!(cercat_common::DomainError::code(&login), "USR_020");
    assert!(login.to_string().contains("until further notice"), "{login}");

    a.call(Method::DELETE, &path, Some(&a.admin), None, 200).await;
    accounts.login(DEMO.0, DEMO.1, "127.0.0.1").await.unwrap();
}

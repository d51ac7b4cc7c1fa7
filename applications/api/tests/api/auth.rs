//! Identity over HTTP: sign-up with mailed codes, sign-in, tokens, throttling, profile,
//! lifecycle — in embedded mode, and the core flows again on MariaDB + Redis.

use crate::helpers::*;
use cercat_config::ExposeSecret;
use reqwest::{Method, multipart};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

/// Eight refreshes of one token at once, half by body and half by the `Refresh-Token`
/// header as Cercat's client retries: every one succeeds with the same pair, which works.
async fn parallel_refreshes_agree(app: &TestApp, refresh: &str) -> Value {
    let calls = (0..8).map(|i| async move {
        if i % 2 == 0 {
            let res = app.req(Method::POST, "/api/v2/auth/token/refresh").json(&json!({ "refreshToken": refresh }));
            let body = assert_json(res.send().await.unwrap(), 200).await;
            (s(&body["result"]["accessToken"]), s(&body["result"]["refreshToken"]))
        } else {
            let res = app
                .req(Method::GET, "/api/v2/users/me")
                .header("Refresh-Token", refresh)
                .header("Origin", ORIGIN)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201, "refresh by header");
            let header = |h: &str| res.headers()[h].to_str().unwrap().to_owned();
            (header("access-token"), header("refresh-token"))
        }
    });
    let pairs = futures::future::join_all(calls).await;
    assert!(pairs.iter().all(|p| *p == pairs[0]), "one successor pair for every concurrent use: {pairs:?}");
    assert_ne!(pairs[0].1, refresh, "the token rotated");
    // The successor is current: it rotates once more (and keeps the session).
    let next = app.post_json("/api/v2/auth/token/refresh", json!({ "refreshToken": pairs[0].1 }), 200).await;
    app.authed(Method::GET, "/api/v2/users/me", &s(&next["result"]["accessToken"]), 200).await;
    json!({ "accessToken": pairs[0].0, "refreshToken": pairs[0].1 })
}

/// The flows that must hold on every profile.
pub async fn core_flows(app: &TestApp) {
    // Sign-up: GUEST with tokens; then onboarding promotes to USER.
    let signed = app.sign_up("Kim@Example.com", "김자격", "초록색-고양이-2025").await;
    assert_eq!(signed["role"], "GUEST");
    assert_eq!(signed["email"], "kim@example.com", "emails are stored lower-case");
    let me = app.authed(Method::GET, "/api/v2/users/me", &s(&signed["accessToken"]), 200).await;
    assert_eq!(me["result"]["nickname"], "김자격");
    assert!(me["result"]["profileImage"].is_null());
    let onboarded = app.authed(Method::POST, "/api/v2/users/me/onboarding", &s(&signed["accessToken"]), 200).await;
    let me = app.authed(Method::GET, "/api/v2/users/me", &s(&onboarded["result"]["accessToken"]), 200).await;
    assert_eq!(me["result"]["role"], "USER");
    // Onboarding again as a USER keeps the session: its tokens go on working.
    let user_access = s(&onboarded["result"]["accessToken"]);
    let again = app.authed(Method::POST, "/api/v2/users/me/onboarding", &user_access, 200).await;
    app.authed(Method::GET, "/api/v2/users/me", &user_access, 200).await;
    app.authed(Method::GET, "/api/v2/users/me", &s(&again["result"]["accessToken"]), 200).await;
    let refreshed = app
        .post_json(
            "/api/v2/auth/token/refresh",
            json!({ "refreshToken": s(&onboarded["result"]["refreshToken"]) }),
            200,
        )
        .await;
    app.authed(Method::GET, "/api/v2/users/me", &s(&refreshed["result"]["accessToken"]), 200).await;

    // A second code for the taken address (any case) is throttled like any address's.
    let body = app.post_json("/api/v2/auth/email-codes", json!({ "email": "KIM@example.com" }), 429).await;
    assert_eq!(body["responseCode"], "USR_011");

    // Sign-in, wrong password, unknown email.
    let pair = app.log_in("kim@example.com", "초록색-고양이-2025").await;
    assert!(s(&pair["accessToken"]).starts_with("Bearer "));
    let body = app
        .post_json("/api/v2/auth/login", json!({ "email": "kim@example.com", "password": "nope-nope-nope" }), 401)
        .await;
    assert_eq!(body["responseCode"], "USR_006");
    let body = app
        .post_json("/api/v2/auth/login", json!({ "email": "nobody@example.com", "password": "nope-nope-nope" }), 401)
        .await;
    assert_eq!(body["responseCode"], "USR_006", "unknown emails look like wrong passwords");

    // Refresh rotates. A page's parallel 401-retries (body and Refresh-Token header ways)
    // all get one successor pair and the session lives on; replaying the spent token after
    // the grace window ends the family.
    let first = s(&pair["refreshToken"]);
    let second = parallel_refreshes_agree(app, &first).await;
    app.authed(Method::GET, "/api/v2/users/me", &s(&second["accessToken"]), 200).await;
    tokio::time::sleep(std::time::Duration::from_millis(REFRESH_GRACE_SECS * 1000 + 300)).await;
    let replay = app.post_json("/api/v2/auth/token/refresh", json!({ "refreshToken": first }), 401).await;
    assert_eq!(replay["responseCode"], "USR_008");
    let after =
        app.post_json("/api/v2/auth/token/refresh", json!({ "refreshToken": s(&second["refreshToken"]) }), 401).await;
    assert_eq!(after["responseCode"], "USR_007", "the whole family is revoked");
    app.authed(Method::GET, "/api/v2/users/me", &s(&second["accessToken"]), 401).await;

    // Cercat's client: a request with Refresh-Token is answered 201 with token headers.
    let pair = app.log_in("kim@example.com", "초록색-고양이-2025").await;
    let res = app
        .req(Method::POST, "/api/v2/users/me")
        .header("Refresh-Token", s(&pair["refreshToken"]))
        .header("Origin", ORIGIN)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let access = res.headers()["access-token"].to_str().unwrap().to_owned();
    assert!(res.headers()["refresh-token"].to_str().unwrap().starts_with("Bearer "));
    assert!(res.headers()["access-control-expose-headers"].to_str().unwrap().contains("access-token"));
    let me = app.authed(Method::GET, "/api/v2/users/me", &access, 200).await;
    assert_eq!(me["result"]["email"], "kim@example.com");
    // Authorization: Bearer works as well.
    let res = app.req(Method::GET, "/api/v2/users/me").header("Authorization", &access).send().await.unwrap();
    assert_eq!(res.status(), 200);

    // Logout: the access token is refused at once, the refresh token too.
    let pair = app.log_in("kim@example.com", "초록색-고양이-2025").await;
    app.authed(Method::PATCH, "/api/v2/logout", &s(&pair["accessToken"]), 200).await;
    app.authed(Method::GET, "/api/v2/users/me", &s(&pair["accessToken"]), 401).await;
    app.post_json("/api/v2/auth/token/refresh", json!({ "refreshToken": s(&pair["refreshToken"]) }), 401).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_core_flows_in_embedded_mode() {
    core_flows(&spawn_embedded().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_are_single_use_expire_and_lock_after_wrong_tries() {
    let app = spawn_embedded().await;
    app.post_json("/api/v2/auth/email-codes", json!({ "email": "lee@example.com" }), 201).await;
    let code = app.latest_code("lee@example.com").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let body =
        json!({ "email": "lee@example.com", "code": wrong, "password": "초록색-고양이-2025", "nickname": "이자격" });
    assert_eq!(app.post_json("/api/v2/auth/signup", body, 400).await["responseCode"], "USR_005");
    // Expire the code in the database: the right code no longer works.
    let db = app.state.services.adapters().db.conn();
    let past = chrono::Utc::now() - chrono::Duration::minutes(6);
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "UPDATE email_codes SET expires_at = ?",
        [past.into()],
    ))
    .await
    .unwrap();
    let body =
        json!({ "email": "lee@example.com", "code": code, "password": "초록색-고양이-2025", "nickname": "이자격" });
    assert_eq!(app.post_json("/api/v2/auth/signup", body, 400).await["responseCode"], "USR_005");
    // A resend within a minute is throttled with Retry-After.
    let res = app
        .req(Method::POST, "/api/v2/auth/email-codes")
        .json(&json!({ "email": "lee@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() <= 60);
    // Weak passwords and bad nicknames name their field.
    app.post_json("/api/v2/auth/email-codes", json!({ "email": "park@example.com" }), 201).await;
    let code = app.latest_code("park@example.com").await;
    let body = json!({ "email": "park@example.com", "code": code, "password": "password123", "nickname": "박자격" });
    let err = app.post_json("/api/v2/auth/signup", body, 400).await;
    assert_eq!((err["responseCode"].as_str(), err["errors"][0]["field"].as_str()), (Some("USR_004"), Some("password")));
    let body =
        json!({ "email": "park@example.com", "code": code, "password": "초록색-고양이-2025", "nickname": "<b>" });
    assert_eq!(app.post_json("/api/v2/auth/signup", body, 400).await["errors"][0]["field"], "nickname");
    // The code was not consumed by refused attempts: it still signs up.
    let body =
        json!({ "email": "park@example.com", "code": code, "password": "초록색-고양이-2025", "nickname": "박자격" });
    app.post_json("/api/v2/auth/signup", body, 201).await;
    // Malformed bodies answer in the envelope.
    let res = app
        .req(Method::POST, "/api/v2/auth/login")
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(assert_json(res, 400).await["responseCode"], "GLB_002");
    assert_eq!(
        app.post_json("/api/v2/auth/login", json!({ "email": "" , "password": "x"}), 400).await["responseCode"],
        "GLB_005"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_throttled_per_account() {
    let app = spawn_embedded().await;
    for _ in 0..5 {
        app.post_json("/api/v2/auth/login", json!({ "email": "demo@cercat.dev", "password": "wrong-wrong-1" }), 401)
            .await;
    }
    let res = app
        .req(Method::POST, "/api/v2/auth/login")
        .json(&json!({ "email": "demo@cercat.dev", "password": "demo-pass-1234" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429, "even the right password waits out the lock");
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(assert_json(res, 429).await["responseCode"], "USR_011");
    // Another account is not affected.
    app.log_in("admin@cercat.dev", "admin-pass-1234").await;
}

/// An app behind a proxy on 127.0.0.1 (as nginx would be).
async fn spawn_behind_proxy() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(cercat_config::Profile::Embedded, &dir);
    s.server.behind_proxy = true;
    s.server.trusted_proxies = vec!["127.0.0.1/32".into()];
    spawn(s, dir, Vec::new()).await
}

impl TestApp {
    /// A login as the client `client` seen through the proxy, with a forged leftmost hop.
    async fn login_from(&self, client: &str, forged: &str, email: &str, password: &str) -> reqwest::Response {
        self.req(Method::POST, "/api/v2/auth/login")
            .header("X-Forwarded-For", format!("{forged}, {client}"))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_cannot_lock_the_owner_out_nor_dodge_limits_with_forged_forwarded_for() {
    let app = spawn_behind_proxy().await;
    // The stranger fails 5 times from their address: they are locked out, the owner is not.
    for i in 0..5 {
        let res = app.login_from("203.0.113.9", &format!("10.0.0.{i}"), "demo@cercat.dev", "wrong-wrong-1").await;
        assert_eq!(res.status(), 401);
    }
    let res = app.login_from("203.0.113.9", "10.9.9.9", "demo@cercat.dev", "demo-pass-1234").await;
    assert_eq!(res.status(), 429, "the stranger's own address waits");
    assert!(res.headers().contains_key("retry-after"));
    let res = app.login_from("198.51.100.1", "203.0.113.9", "demo@cercat.dev", "demo-pass-1234").await;
    assert_eq!(res.status(), 200, "the owner signs in from their own address");
    // Rotating the leftmost X-Forwarded-For value does not reset the per-client limit: 30
    // failures (over many accounts) and the client waits.
    let mut statuses = Vec::new();
    for i in 0..32 {
        let res =
            app.login_from("192.0.2.77", &format!("172.16.0.{i}"), &format!("x{i}@example.com"), "nope-nope-1").await;
        statuses.push(res.status().as_u16());
    }
    assert_eq!(&statuses[..30], &[401; 30], "{statuses:?}");
    assert_eq!(&statuses[30..], &[429, 429], "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn current_password_checks_are_throttled_before_hashing() {
    let app = spawn_embedded().await;
    let token = s(&app.log_in("demo@cercat.dev", "demo-pass-1234").await["accessToken"]);
    let guess = |i: usize| {
        let body = json!({ "currentPassword": format!("guess-number-{i}"), "newPassword": "새-비밀번호-2026" });
        app.req(Method::PATCH, "/api/v2/users/me/password").header("Access-Token", &token).json(&body).send()
    };
    let answers = futures::future::join_all((0..20).map(guess)).await;
    let statuses: Vec<u16> = answers.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 403).count(), 5, "five guesses are hashed: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 15, "the rest wait: {statuses:?}");
    // The email change's password check shares the limit.
    let body = json!({ "currentPassword": "demo-pass-1234", "newEmail": "demo2@cercat.dev", "code": "123456" });
    let res = app.req(Method::PATCH, "/api/v2/users/me/email").header("Access-Token", &token).json(&body);
    assert_eq!(res.send().await.unwrap().status(), 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_that_are_tampered_foreign_or_missing_are_refused() {
    let app = spawn_embedded().await;
    let pair = app.log_in("demo@cercat.dev", "demo-pass-1234").await;
    let token = s(&pair["accessToken"]);
    // Change one character of the payload (never a no-op, whatever the token).
    let at = token.find('.').unwrap() + 5;
    let mut tampered = token.clone();
    let replacement = if &token[at..=at] == "A" { "B" } else { "A" };
    tampered.replace_range(at..=at, replacement);
    for bad in [tampered.as_str(), "Bearer not.a.jwt", "Bearer ", "undefined"] {
        let body = app.authed(Method::GET, "/api/v2/users/me", bad, 401).await;
        assert_eq!(body["responseCode"], "USR_007", "{bad}");
    }
    let res = app.req(Method::GET, "/api/v2/users/me").send().await.unwrap();
    assert_eq!(assert_json(res, 401).await["responseCode"], "USR_007");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_updates_take_nicknames_and_images_checked_by_content() {
    let app = spawn_embedded().await;
    let token = s(&app.log_in("demo@cercat.dev", "demo-pass-1234").await["accessToken"]);
    let patch = |form: multipart::Form| {
        app.req(Method::PATCH, "/api/v2/users/me").header("Access-Token", &token).multipart(form)
    };
    // The client's quirk: file = "undefined".
    let form = multipart::Form::new()
        .part("request", multipart::Part::text(r#"{"nickname":"새이름"}"#).mime_str("application/json").unwrap())
        .text("file", "undefined");
    let body = assert_json(patch(form).send().await.unwrap(), 200).await;
    assert_eq!(body["result"]["nickname"], "새이름");
    // A real PNG.
    let png = [&[0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..], &[0u8; 64]].concat();
    let form = multipart::Form::new()
        .part("request", multipart::Part::text("{}"))
        .part("file", multipart::Part::bytes(png.clone()).file_name("me.png").mime_str("image/png").unwrap());
    let body = assert_json(patch(form).send().await.unwrap(), 200).await;
    let url = s(&body["result"]["profileImage"]);
    let path = url.split_once("/objects/").map(|(_, k)| format!("/objects/{k}")).unwrap();
    let served = app.get(&path).await;
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().to_vec(), png);
    // Text named .png is refused by content.
    let form = multipart::Form::new().part("request", multipart::Part::text("{}")).part(
        "file",
        multipart::Part::bytes(b"<?php echo 1; ?>".to_vec()).file_name("x.png").mime_str("image/png").unwrap(),
    );
    assert_eq!(assert_json(patch(form).send().await.unwrap(), 400).await["responseCode"], "USR_014");
    // A taken nickname.
    let form = multipart::Form::new().part("request", multipart::Part::text(r#"{"nickname":"데모관리자"}"#));
    assert_eq!(assert_json(patch(form).send().await.unwrap(), 409).await["responseCode"], "USR_003");
    // The `request` part is required (the client always sends it).
    let err = assert_json(patch(multipart::Form::new().text("file", "undefined")).send().await.unwrap(), 400).await;
    assert!(err["message"].as_str().unwrap().contains("`request` part is missing"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawal_hides_the_account_and_recovery_restores_it() {
    let app = spawn_embedded().await;
    let token = s(&app.log_in("demo@cercat.dev", "demo-pass-1234").await["accessToken"]);
    app.authed(Method::DELETE, "/api/v2/users/me", &token, 200).await;
    app.authed(Method::GET, "/api/v2/users/me", &token, 401).await;
    app.post_json("/api/v2/auth/login", json!({ "email": "demo@cercat.dev", "password": "demo-pass-1234" }), 401).await;
    // The email stays reserved: its owner's code leads to 409.
    app.post_json("/api/v2/auth/email-codes", json!({ "email": "demo@cercat.dev" }), 201).await;
    let code = app.latest_code("demo@cercat.dev").await;
    let body =
        json!({ "email": "demo@cercat.dev", "code": code, "password": "다른-비밀번호-2026", "nickname": "새사람" });
    assert_eq!(app.post_json("/api/v2/auth/signup", body, 409).await["responseCode"], "USR_002");
    app.post_json("/api/v2/auth/recovery-codes", json!({ "email": "demo@cercat.dev" }), 201).await;
    let code = app.latest_code("demo@cercat.dev").await;
    let restored =
        app.post_json("/api/v2/auth/recover", json!({ "email": "demo@cercat.dev", "code": code }), 200).await;
    app.authed(Method::GET, "/api/v2/users/me", &s(&restored["result"]["accessToken"]), 200).await;
    app.log_in("demo@cercat.dev", "demo-pass-1234").await;
    // An active account cannot be "recovered" — which only its mailbox learns.
    app.post_json("/api/v2/auth/recovery-codes", json!({ "email": "admin@cercat.dev" }), 201).await;
    let code = app.latest_code("admin@cercat.dev").await;
    let body = app.post_json("/api/v2/auth/recover", json!({ "email": "admin@cercat.dev", "code": code }), 409).await;
    assert_eq!(body["responseCode"], "USR_013");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_and_recovery_answer_registered_and_unknown_addresses_alike() {
    let app = spawn_embedded().await;
    // Code requests: a registered, an unknown and a withdrawn-free address look the same.
    let mut answers = Vec::new();
    for (path, email) in [
        ("/api/v2/auth/email-codes", "demo@cercat.dev"),
        ("/api/v2/auth/email-codes", "stranger@example.com"),
        ("/api/v2/auth/recovery-codes", "admin@cercat.dev"),
        ("/api/v2/auth/recovery-codes", "nobody@example.com"),
    ] {
        let res = app.req(Method::POST, path).json(&json!({ "email": email })).send().await.unwrap();
        answers.push((res.status().as_u16(), res.text().await.unwrap()));
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "one answer for every address: {answers:?}");
    assert_eq!(answers[0].0, 201);
    // Sign-up with a wrong code says "wrong code" for the registered address, not "taken".
    let body =
        json!({ "email": "demo@cercat.dev", "code": "000000", "password": "다른-비밀번호-2026", "nickname": "새사람" });
    let wrong = app.post_json("/api/v2/auth/signup", body, 400).await;
    assert_eq!(wrong["responseCode"], "USR_005");
    let body = json!({ "email": "nobody@example.com", "code": "000000" });
    assert_eq!(app.post_json("/api/v2/auth/recover", body, 400).await["responseCode"], "USR_005");
    // The owner's mailbox is told why, and the code still works for them only.
    let db = app.state.services.adapters().db.conn();
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM mail_outbox WHERE recipient = ?",
            ["nobody@example.com".into()],
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 0, "unknown addresses get no mail");
    // Verification tries are throttled per address: 10 per 15 minutes, then 429.
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let body = json!({ "email": "stranger@example.com", "code": "123456", "password": "다른-비밀번호-2026", "nickname": "낯선이" });
        statuses.push(app.req(Method::POST, "/api/v2/auth/signup").json(&body).send().await.unwrap().status().as_u16());
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_ends_the_other_sessions_only() {
    let app = spawn_embedded().await;
    let here = app.log_in("demo@cercat.dev", "demo-pass-1234").await;
    let there = app.log_in("demo@cercat.dev", "demo-pass-1234").await;
    let body = json!({ "currentPassword": "wrong-password-1", "newPassword": "새-비밀번호-2026" });
    let res = app
        .req(Method::PATCH, "/api/v2/users/me/password")
        .header("Access-Token", s(&here["accessToken"]))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(assert_json(res, 403).await["responseCode"], "USR_012");
    let body = json!({ "currentPassword": "demo-pass-1234", "newPassword": "새-비밀번호-2026" });
    let res = app
        .req(Method::PATCH, "/api/v2/users/me/password")
        .header("Access-Token", s(&here["accessToken"]))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_json(res, 200).await;
    app.authed(Method::GET, "/api/v2/users/me", &s(&here["accessToken"]), 200).await;
    app.authed(Method::GET, "/api/v2/users/me", &s(&there["accessToken"]), 401).await;
    app.post_json("/api/v2/auth/token/refresh", json!({ "refreshToken": s(&there["refreshToken"]) }), 401).await;
    app.log_in("demo@cercat.dev", "새-비밀번호-2026").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_mails_reach_the_dev_mailbox_and_sent_codes_leave_storage() {
    let dir = tempfile::tempdir().unwrap();
    let s = with_mail_delivery(settings(cercat_config::Profile::Embedded, &dir));
    let app = spawn(s, dir, Vec::new()).await;
    app.post_json("/api/v2/auth/email-codes", json!({ "email": "mail@example.com" }), 201).await;
    let dir = app.state.services.settings.data_dir.join("mail");
    let mut delivered = false;
    for _ in 0..50 {
        let files = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        if files > 0 && app.state.services.adapters().mail_queue.unsent_count().await.unwrap() == 0 {
            delivered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(delivered, "the dispatcher did not deliver the mail");
    // The sent mail's row keeps who/what/when, not the code.
    let db = app.state.services.adapters().db.conn();
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT subject, body FROM mail_outbox WHERE recipient = ?",
            ["mail@example.com".into()],
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<String>("", "subject").unwrap(), "[Cercat] 회원가입 인증번호");
    assert_eq!(row.try_get::<String>("", "body").unwrap(), "", "the code is gone from storage once sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_change_needs_the_current_password_and_the_new_address_code() {
    let app = spawn_embedded().await;
    let token = s(&app.log_in("demo@cercat.dev", "demo-pass-1234").await["accessToken"]);
    let other = s(&app.log_in("demo@cercat.dev", "demo-pass-1234").await["accessToken"]);
    let send = |email: &str| {
        app.req(Method::POST, "/api/v2/users/me/email-codes")
            .header("Access-Token", &token)
            .json(&json!({ "newEmail": email }))
    };
    assert_eq!(assert_json(send("admin@cercat.dev").send().await.unwrap(), 409).await["responseCode"], "USR_002");
    assert_json(send("demo2@cercat.dev").send().await.unwrap(), 201).await;
    let code = app.latest_code("demo2@cercat.dev").await;
    let change = |password: &str, code: &str| {
        app.req(Method::PATCH, "/api/v2/users/me/email")
            .header("Access-Token", &token)
            .json(&json!({ "currentPassword": password, "newEmail": "demo2@cercat.dev", "code": code }))
    };
    assert_eq!(
        assert_json(change("wrong-password", &code).send().await.unwrap(), 403).await["responseCode"],
        "USR_012"
    );
    let body = assert_json(change("demo-pass-1234", &code).send().await.unwrap(), 200).await;
    assert_eq!(body["result"]["email"], "demo2@cercat.dev");
    app.authed(Method::GET, "/api/v2/users/me", &other, 401).await;
    app.log_in("demo2@cercat.dev", "demo-pass-1234").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interest_certificates_replace_whole_and_the_demo_student_has_certificate_1() {
    let app = spawn_embedded().await;
    let token = s(&app.log_in("demo@cercat.dev", "demo-pass-1234").await["accessToken"]);
    let list = app.authed(Method::GET, "/api/v2/interest-certificates", &token, 200).await;
    assert_eq!(list["result"][0]["certificate"]["certificateId"], 1);
    assert_eq!(list["result"][0]["interestPriority"], "HIGH");
    let put =
        |body: Value| app.req(Method::POST, "/api/v2/interest-certificates").header("Access-Token", &token).json(&body);
    let body = json!({ "interestTargetList": [
        { "certificateId": 3, "interestPriority": "LOW" },
        { "certificateId": 2, "interestPriority": "HIGH" }
    ]});
    let got = assert_json(put(body).send().await.unwrap(), 200).await;
    assert_eq!(got["result"][0]["certificate"]["certificateId"], 2, "highest priority first");
    assert_eq!(got["result"].as_array().unwrap().len(), 2);
    let targets: Vec<Value> =
        [1, 2, 3, 1].iter().map(|id| json!({ "certificateId": id, "interestPriority": "LOW" })).collect();
    let four = json!({ "interestTargetList": targets });
    assert_eq!(assert_json(put(four).send().await.unwrap(), 400).await["responseCode"], "GLB_005");
    let twice = json!({ "interestTargetList": [{ "certificateId": 1, "interestPriority": "LOW" }, { "certificateId": 1, "interestPriority": "HIGH" }] });
    assert_eq!(assert_json(put(twice).send().await.unwrap(), 400).await["responseCode"], "CRT_010");
    let unknown = json!({ "interestTargetList": [{ "certificateId": 999, "interestPriority": "LOW" }] });
    assert_eq!(assert_json(put(unknown).send().await.unwrap(), 404).await["responseCode"], "CRT_007");
    let bad_priority = json!({ "interestTargetList": [{ "certificateId": 1, "interestPriority": "URGENT" }] });
    assert_eq!(assert_json(put(bad_priority).send().await.unwrap(), 400).await["responseCode"], "GLB_002");
}

/// A token signed with the server's own key but whose subject is not a positive user id is
/// refused like a forged one (it used to authenticate as user 0), and a path id of 0 answers
/// the same 400 `GLB_004` naming the id as before the ids were typed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_token_for_user_0_or_x_is_401_and_path_id_0_is_400() {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let app = spawn_embedded().await;
    app.state.services.seed_demo_accounts().await.unwrap();
    let token = s(&app.log_in("demo@cercat.dev", "demo-pass-1234").await["accessToken"]);
    app.authed(Method::GET, "/api/v2/users/me", &token, 200).await;
    let payload = token.trim_start_matches("Bearer ").split('.').nth(1).unwrap().to_owned();
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let key = EncodingKey::from_secret(app.state.services.adapters().jwt_secret.expose_secret().as_bytes());
    for bad in ["0", "x", "-1"] {
        claims["sub"] = bad.into();
        let forged = encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap();
        let err = app.authed(Method::GET, "/api/v2/users/me", &format!("Bearer {forged}"), 401).await;
        assert_eq!(err["responseCode"], "USR_007", "sub {bad:?}");
        let err = app.authed(Method::GET, "/api/v2/certificates/1/goals", &format!("Bearer {forged}"), 401).await;
        assert_eq!(err["responseCode"], "USR_007", "sub {bad:?} on a member route");
    }
    let err = app.authed(Method::GET, "/api/v2/certificates/0/goals", &token, 400).await;
    assert_eq!((s(&err["responseCode"]), s(&err["errors"][0]["field"])), ("GLB_004".into(), "certificateId".into()));
    assert_eq!(s(&err["message"]), "certificateId must be a positive integer");
    let err = app.authed(Method::GET, "/api/v2/mock-exams/abc/questions", &token, 400).await;
    assert_eq!(s(&err["responseCode"]), "GLB_004");
}

/// Ids in bodies and queries are typed too: 0 or a negative number is refused where it enters,
/// with a 400 that names the id, before any service sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_and_query_ids_of_0_are_400_naming_the_id() {
    let app = spawn_embedded().await;
    app.state.services.seed_demo_accounts().await.unwrap();
    let token = s(&app.log_in("demo@cercat.dev", "demo-pass-1234").await["accessToken"]);
    let send = |method: Method, path: &str, body: Value| {
        app.req(method, path).header("Access-Token", &token).json(&body).send()
    };
    let interest = json!({ "interestTargetList": [{ "certificateId": 0, "interestPriority": "LOW" }] });
    let read = json!([3, -1]);
    let reply = json!({ "content": "hi", "parentCommentId": 0 });
    for (method, path, body, name) in [
        (Method::POST, "/api/v2/interest-certificates", interest, "certificateId"),
        (Method::POST, "/alarm-api/v2/alarms/read", read, "alarmId"),
        (Method::POST, "/api/v2/posts/1/post-comments", reply, "commentId"),
    ] {
        let err = assert_json(send(method, path, body).await.unwrap(), 400).await;
        assert_eq!(err["responseCode"], "GLB_002", "{path}: {err}");
        assert!(s(&err["message"]).contains(&format!("{name} must be a positive integer")), "{path}: {err}");
    }
    let err = app.authed(Method::GET, "/api/v2/courses?certificateId=0", &token, 400).await;
    assert!(s(&err["message"]).contains("certificateId must be a positive integer"), "{err}");
    let list = app.authed(Method::GET, "/api/v2/interest-certificates", &token, 200).await;
    assert_eq!(list["result"][0]["certificate"]["certificateId"], 1, "a refused body changes nothing");
}

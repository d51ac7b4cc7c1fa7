//! OAuth2 sign-in end to end against a fake provider started on 127.0.0.1.

use crate::helpers::*;
use cercat_config::{OAuthProvider, Profile};
use reqwest::{Client, redirect::Policy};
use std::collections::HashMap;

fn provider(base: &str, client_id: &str, userinfo: bool) -> OAuthProvider {
    OAuthProvider {
        client_id: client_id.into(),
        client_secret: "shh".into(),
        authorize_url: format!("{base}/authorize"),
        token_url: format!("{base}/token"),
        userinfo_url: userinfo.then(|| format!("{base}/userinfo")),
        scope: "profile email".into(),
        subject_pointer: if userinfo { "/id".into() } else { "/sub".into() },
        email_pointer: if userinfo { "/kakao_account/email".into() } else { "/email".into() },
        email_verified_pointer: Some(if userinfo {
            "/kakao_account/is_email_verified".into()
        } else {
            "/email_verified".into()
        }),
    }
}

struct Started {
    state: String,
    cookie: String,
}

async fn start(app: &TestApp, client: &Client, name: &str) -> Started {
    let res = client.get(format!("{}/oauth2/authorization/{name}", app.base)).send().await.unwrap();
    assert_eq!(res.status(), 302);
    let location = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    let q: HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert!(q["redirect_uri"].ends_with(&format!("/login/oauth2/code/{name}")));
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    Started { state: q["state"].clone(), cookie: set_cookie.split(';').next().unwrap().to_owned() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_sign_in_end_to_end_with_a_fake_provider() {
    let base = cercat_oauth::fake::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(Profile::Embedded, &dir);
    s.oauth.providers.insert("kakao".into(), provider(&base, "cercat-kakao", true));
    s.oauth.providers.insert("apple".into(), provider(&base, "cercat-apple", false));
    // Same user info, but the flag it is told to trust says "not verified".
    let unverified = OAuthProvider {
        email_verified_pointer: Some("/kakao_account/is_email_valid".into()),
        ..provider(&base, "cercat-unverified", true)
    };
    s.oauth.providers.insert("google".into(), unverified);
    let app = spawn(s, dir, Vec::new()).await;
    let client = Client::builder().redirect(Policy::none()).build().unwrap();

    // First sign-in: a GUEST is created and sent to onboarding with its tokens.
    let st = start(&app, &client, "kakao").await;
    let res = client
        .get(format!("{}/login/oauth2/code/kakao?code=good&state={}", app.base, st.state))
        .header("cookie", &st.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let target = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(target.path(), "/onboarding");
    let q: HashMap<_, _> = target.query_pairs().into_owned().collect();
    assert!(q["accessToken"].starts_with("Bearer ") && q["refreshToken"].starts_with("Bearer "));
    let me = app.authed(reqwest::Method::GET, "/api/v2/users/me", &q["accessToken"], 200).await;
    assert_eq!((me["result"]["email"].as_str(), me["result"]["role"].as_str()), (Some("k@kakao.test"), Some("GUEST")));
    app.authed(reqwest::Method::POST, "/api/v2/users/me/onboarding", &q["accessToken"], 200).await;

    // Next sign-in: the same account, now sent home.
    let st = start(&app, &client, "kakao").await;
    let res = client
        .get(format!("{}/login/oauth2/code/kakao?code=good&state={}", app.base, st.state))
        .header("cookie", &st.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap().path(), "/home");

    // Bad states: wrong value, no cookie, tampered cookie, another provider's cookie.
    let st = start(&app, &client, "kakao").await;
    let cb = |state: &str| format!("{}/login/oauth2/code/kakao?code=good&state={state}", app.base);
    let res = client.get(cb("forged")).header("cookie", &st.cookie).send().await.unwrap();
    assert_eq!(assert_json(res, 400).await["responseCode"], "USR_016");
    let res = client.get(cb(&st.state)).send().await.unwrap();
    assert_eq!(assert_json(res, 400).await["responseCode"], "USR_016");
    let res = client.get(cb(&st.state)).header("cookie", format!("{}x", st.cookie)).send().await.unwrap();
    assert_eq!(assert_json(res, 400).await["responseCode"], "USR_016");
    let apple = start(&app, &client, "apple").await;
    let res = client.get(cb(&apple.state)).header("cookie", &apple.cookie).send().await.unwrap();
    assert_eq!(assert_json(res, 400).await["responseCode"], "USR_016");

    // The provider refuses the code.
    let res = client
        .get(format!("{}/login/oauth2/code/kakao?code=bad-code&state={}", app.base, st.state))
        .header("cookie", &st.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(assert_json(res, 401).await["responseCode"], "USR_017");

    // Apple: form_post callback, identity from the id_token.
    let res = client
        .post(format!("{}/login/oauth2/code/apple", app.base))
        .header("cookie", &apple.cookie)
        .form(&[("code", "good"), ("state", apple.state.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let target = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    let q: HashMap<_, _> = target.query_pairs().into_owned().collect();
    let me = app.authed(reqwest::Method::GET, "/api/v2/users/me", &q["accessToken"], 200).await;
    assert_eq!(me["result"]["email"], "a@apple.test");

    // A provider whose email is not verified: the account gets a placeholder address, and
    // the unverified one stays free for its real owner.
    let st = start(&app, &client, "google").await;
    let res = client
        .get(format!("{}/login/oauth2/code/google?code=good&state={}", app.base, st.state))
        .header("cookie", &st.cookie)
        .send()
        .await
        .unwrap();
    let target = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    let q: HashMap<_, _> = target.query_pairs().into_owned().collect();
    let me = app.authed(reqwest::Method::GET, "/api/v2/users/me", &q["accessToken"], 200).await;
    let email = me["result"]["email"].as_str().unwrap();
    assert!(email.ends_with("@users.noreply.cercat"), "an unverified provider email is not adopted: {email}");

    // Unconfigured providers.
    let res = client.get(format!("{}/oauth2/authorization/naver", app.base)).send().await.unwrap();
    assert_eq!(assert_json(res, 404).await["responseCode"], "USR_015");
}

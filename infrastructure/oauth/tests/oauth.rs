//! [`OAuthProviders`] against a fake provider on 127.0.0.1: the consent URL, the code exchange
//! through user info and through the id token, and how each kind of failure is reported.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cercat_common::PortError;
use cercat_oauth::{OAuthOptions, OAuthProviders, ProviderOptions};
use cercat_user::ports::{ExternalIdentity, IdentityProviderError, IdentityProviders};
use std::{collections::HashMap, time::Duration};

fn provider(base: &str, client_id: &str, userinfo: bool) -> ProviderOptions {
    ProviderOptions {
        client_id: client_id.into(),
        client_secret: "shh".into(),
        authorize_url: format!("{base}/authorize?prompt=login"),
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

fn providers(base: &str, timeout: Duration, apple_client: &str) -> OAuthProviders {
    let providers = [
        ("kakao".to_owned(), provider(base, "cercat-kakao", true)),
        ("apple".to_owned(), provider(base, apple_client, false)),
    ];
    OAuthProviders::new(OAuthOptions {
        redirect_base_url: "https://api.cercat.test/".into(),
        timeout,
        providers: providers.into_iter().collect(),
    })
    .unwrap()
}

const TIMEOUT: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consent_url_carries_the_flow_parameters() {
    let oauth = providers("http://127.0.0.1:9", TIMEOUT, "cercat-apple");
    assert!(oauth.is_configured("kakao") && !oauth.is_configured("naver"));
    let url = url::Url::parse(&oauth.authorization_url("kakao", "st4te").unwrap()).unwrap();
    let q: HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["prompt"], "login", "the configured query is kept");
    assert_eq!(
        (q["response_type"].as_str(), q["client_id"].as_str(), q["state"].as_str()),
        ("code", "cercat-kakao", "st4te")
    );
    assert_eq!(q["redirect_uri"], "https://api.cercat.test/login/oauth2/code/kakao");
    assert!(!q.contains_key("response_mode"));
    let apple = oauth.authorization_url("apple", "s").unwrap();
    assert!(apple.contains("response_mode=form_post"), "Apple posts its callback: {apple}");
    assert_eq!(oauth.authorization_url("naver", "s"), Err(IdentityProviderError::UnknownProvider("naver".into())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_is_exchanged_for_the_identity_in_the_user_info_or_the_id_token() {
    let base = cercat_oauth::fake::start().await;
    let oauth = providers(&base, TIMEOUT, "cercat-apple");
    assert_eq!(
        oauth.identify("kakao", "good").await.unwrap(),
        ExternalIdentity { subject: "4242".into(), email: Some("k@kakao.test".into()), email_verified: true }
    );
    assert_eq!(
        oauth.identify("apple", "good").await.unwrap(),
        ExternalIdentity { subject: "apple-1".into(), email: Some("a@apple.test".into()), email_verified: true }
    );
    // An id token addressed to another client is not ours to accept.
    let other = providers(&base, TIMEOUT, "someone-else");
    assert!(matches!(other.identify("apple", "good").await, Err(IdentityProviderError::Rejected(_))));
    assert_eq!(oauth.identify("naver", "good").await, Err(IdentityProviderError::UnknownProvider("naver".into())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_is_rejected_and_an_outage_is_unavailable() {
    let base = cercat_oauth::fake::start().await;
    let oauth = providers(&base, Duration::from_millis(500), "cercat-apple");
    match oauth.identify("kakao", "bad-code").await {
        Err(IdentityProviderError::Rejected(reason)) => assert!(reason.contains("400"), "{reason}"),
        other => panic!("a refused code is a rejection, got {other:?}"),
    }
    for code in ["boom", "garbage"] {
        assert!(
            matches!(
                oauth.identify("kakao", code).await,
                Err(IdentityProviderError::Unavailable(PortError::Unavailable { dependency: "oauth", .. }))
            ),
            "{code}"
        );
    }
    let started = std::time::Instant::now();
    assert_eq!(
        oauth.identify("kakao", "slow").await,
        Err(IdentityProviderError::Unavailable(PortError::timeout("oauth", Duration::from_millis(500))))
    );
    assert!(started.elapsed() < Duration::from_millis(1500), "the timeout bounds the call");

    let unreachable = providers("http://127.0.0.1:9", TIMEOUT, "cercat-apple");
    assert!(matches!(unreachable.identify("kakao", "good").await, Err(IdentityProviderError::Unavailable(_))));
}

#[test]
fn a_provider_with_an_unusable_consent_url_fails_at_start() {
    let mut bad = provider("http://127.0.0.1:9", "c", true);
    bad.authorize_url = "not a url".into();
    let options = OAuthOptions {
        redirect_base_url: "https://api.cercat.test".into(),
        timeout: TIMEOUT,
        providers: [("kakao".to_owned(), bad)].into_iter().collect(),
    };
    assert!(matches!(OAuthProviders::new(options), Err(PortError::Unavailable { dependency: "oauth", .. })));
}

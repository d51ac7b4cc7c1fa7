//! A fake OAuth2 provider on `127.0.0.1:0` (feature `fake-server`), for the tests of this crate
//! and of the programs: one server plays Kakao (user info), Google and Apple (an id token).
//!
//! - `POST /token`: code [`GOOD_CODE`] with client secret [`CLIENT_SECRET`] and a redirect URI
//!   under `/login/oauth2/code/` → an access token and an unsigned id token (subject
//!   [`ID_TOKEN_SUBJECT`], audience `cercat-apple`, email verified); `slow` answers after 2 s,
//!   `boom` with 503, `garbage` with a body that is not JSON; anything else → 400 `invalid_grant`.
//! - `GET /userinfo` with that access token → a Kakao-shaped profile (id 4242, `k@kakao.test`,
//!   `is_email_verified: true`, `is_email_valid: false`); otherwise 401.

use std::{collections::HashMap, time::Duration};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::json;

/// The code the fake exchanges for tokens.
pub const GOOD_CODE: &str = "good";
/// The client secret it expects.
pub const CLIENT_SECRET: &str = "shh";
/// The subject of the id token it issues.
pub const ID_TOKEN_SUBJECT: &str = "apple-1";
const ACCESS_TOKEN: &str = "at";

async fn token(form: web::Form<HashMap<String, String>>) -> HttpResponse {
    match form.get("code").map(String::as_str) {
        Some("slow") => actix_web::rt::time::sleep(Duration::from_secs(2)).await,
        Some("boom") => return HttpResponse::ServiceUnavailable().finish(),
        Some("garbage") => return HttpResponse::Ok().body("<html>maintenance</html>"),
        _ => {}
    }
    if form.get("code").map(String::as_str) != Some(GOOD_CODE)
        || form.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
        || form.get("redirect_uri").is_none_or(|uri| !uri.contains("/login/oauth2/code/"))
    {
        return HttpResponse::BadRequest().json(json!({ "error": "invalid_grant" }));
    }
    let claims = json!({
        "sub": ID_TOKEN_SUBJECT, "aud": "cercat-apple", "email": "a@apple.test", "email_verified": "true",
        "exp": chrono::Utc::now().timestamp() + 600
    });
    let id_token = format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(claims.to_string()));
    HttpResponse::Ok().json(json!({ "access_token": ACCESS_TOKEN, "token_type": "bearer", "id_token": id_token }))
}

async fn userinfo(req: HttpRequest) -> HttpResponse {
    let bearer = format!("Bearer {ACCESS_TOKEN}");
    if req.headers().get("authorization").and_then(|v| v.to_str().ok()) != Some(bearer.as_str()) {
        return HttpResponse::Unauthorized().finish();
    }
    HttpResponse::Ok().json(json!({
        "id": 4242,
        "kakao_account": { "email": "k@kakao.test", "is_email_verified": true, "is_email_valid": false }
    }))
}

/// Starts the fake provider; answers its base URL (`http://127.0.0.1:<port>`).
///
/// # Panics
/// When no local port can be bound (a test machine without loopback).
#[allow(clippy::expect_used)]
pub async fn start() -> String {
    let server = HttpServer::new(|| {
        App::new().route("/token", web::post().to(token)).route("/userinfo", web::get().to(userinfo))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .expect("a local port");
    let addr = server.addrs()[0];
    tokio::spawn(server.run());
    format!("http://{addr}")
}

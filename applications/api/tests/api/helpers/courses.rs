//! Prep-course set-up: students and instructors with minted tokens, calls that show the
//! status, `Retry-After` and replay header, courses, admissions, holds and the ledger check.

use super::TestApp;
use cercat_config::ExposeSecret;
use cercat_user::Role;
use reqwest::Method;
use serde_json::{Value, json};

/// A signed-in caller.
#[derive(Clone)]
pub struct Caller {
    pub id: i64,
    pub token: String,
}

pub fn mint(app: &TestApp, id: i64, role: Role) -> Caller {
    let sid = uuid::Uuid::new_v4().simple().to_string();
    let token = app.state.services.adapters().jwt.issue(id, role, &sid, chrono::Utc::now().timestamp()).unwrap();
    Caller { id, token }
}

/// `n` fresh students with tokens.
pub async fn students(app: &TestApp, n: usize) -> Vec<Caller> {
    let tag = format!("s{}x", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let ids = cercat_database::seed::load_students(&app.state.services.adapters().db, &tag, n, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(ids.len(), n);
    ids.into_iter().map(|id| mint(app, id, Role::User)).collect()
}

/// Like [`send_once`], but retries a 503 (an overloaded dependency) after a pause, as a
/// client following `Retry-After` would.
pub async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    caller: Option<&Caller>,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (u16, Value, Option<String>, bool) {
    for _ in 0..20 {
        let answer = send_once(app, method.clone(), path, caller, body.clone(), headers).await;
        if answer.0 != 503 {
            return answer;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    send_once(app, method, path, caller, body, headers).await
}

/// One call: (status, JSON body, `Retry-After`, whether it was replayed).
pub async fn send_once(
    app: &TestApp,
    method: Method,
    path: &str,
    caller: Option<&Caller>,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (u16, Value, Option<String>, bool) {
    let mut req = app.client.request(method, format!("{}{path}", app.base));
    if let Some(c) = caller {
        req = req.header("Access-Token", format!("Bearer {}", c.token));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    let replayed = res.headers().contains_key("idempotent-replayed");
    let text = res.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status} not JSON ({e}): {text}"));
    (status, body, retry, replayed)
}

pub fn code(body: &Value) -> &str {
    body["responseCode"].as_str().unwrap_or_default()
}

pub fn course_body(capacity: u32, room: bool, opens_in_mins: i64, closes_in_mins: i64) -> Value {
    let now = chrono::Utc::now();
    json!({
        "title": "정보처리기사 실기 2주 완성",
        "description": "SQL, 알고리즘, 보안 — 실기 대비 특강",
        "certificateId": 1,
        "capacity": capacity,
        "price": 99000,
        "enrollmentOpensAt": (now + chrono::Duration::minutes(opens_in_mins)).to_rfc3339(),
        "enrollmentClosesAt": (now + chrono::Duration::minutes(closes_in_mins)).to_rfc3339(),
        "waitingRoomEnabled": room,
        "admissionRatePerSecond": 500,
    })
}

pub async fn create_course(app: &TestApp, instructor: &Caller, body: Value) -> i64 {
    let (status, res, _, _) = send(app, Method::POST, "/api/v2/courses", Some(instructor), Some(body), &[]).await;
    assert_eq!(status, 201, "{res}");
    res["result"]["id"].as_i64().unwrap()
}

/// Joins the room and polls until admitted; returns the admission token.
pub async fn admitted(app: &TestApp, course: i64, who: &Caller) -> String {
    let path = format!("/api/v2/courses/{course}/queue");
    let (status, first, _, _) = send(app, Method::POST, &path, Some(who), None, &[]).await;
    assert_eq!(status, 200, "{first}");
    let mut status_body = first;
    for _ in 0..600 {
        if let Some(token) = status_body["result"]["admissionToken"].as_str() {
            return token.to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let (status, body, _, _) = send(app, Method::GET, &format!("{path}/me"), Some(who), None, &[]).await;
        assert_eq!(status, 200, "{body}");
        status_body = body;
    }
    panic!("never admitted: {status_body}");
}

/// Holds a seat; returns (status, body).
pub async fn enroll(app: &TestApp, course: i64, who: &Caller, token: Option<&str>) -> (u16, Value) {
    let path = format!("/api/v2/courses/{course}/enrollments");
    let headers: Vec<(&str, &str)> = token.map(|t| vec![("Admission-Token", t)]).unwrap_or_default();
    let (status, body, _, _) = send(app, Method::POST, &path, Some(who), None, &headers).await;
    (status, body)
}

pub async fn verify(app: &TestApp, course: i64) -> cercat_course::InvariantReport {
    let report = app.state.courses.verify(course).await.unwrap();
    assert!(report.holds(), "invariant broken: {report:?}");
    report
}

/// An instructor and `n` students.
pub async fn class(app: &TestApp, n: usize) -> (Caller, Vec<Caller>) {
    let mut people = students(app, n + 1).await;
    let teacher = people.remove(0);
    (mint(app, teacher.id, Role::Instructor), people)
}

/// Holds a seat for `who` in `course` (no waiting room); returns the enrollment's (id, order id).
pub async fn hold(app: &TestApp, course: i64, who: &Caller) -> (i64, String) {
    let (status, body) = enroll(app, course, who, None).await;
    assert_eq!(status, 201, "{body}");
    (body["result"]["id"].as_i64().unwrap(), body["result"]["orderId"].as_str().unwrap().to_owned())
}

/// Pays enrollment `id` with `key` through the simulated gateway; returns (status, body).
pub async fn pay(app: &TestApp, who: &Caller, id: i64, key: &str) -> (u16, Value) {
    let path = format!("/api/v2/enrollments/{id}/payments");
    let (status, body, _, _) = send(app, Method::POST, &path, Some(who), Some(json!({ "paymentKey": key })), &[]).await;
    (status, body)
}

/// Cancels enrollment `id`; returns (status, body).
pub async fn cancel(app: &TestApp, who: &Caller, id: i64) -> (u16, Value) {
    let (status, body, _, _) =
        send(app, Method::POST, &format!("/api/v2/enrollments/{id}/cancel"), Some(who), None, &[]).await;
    (status, body)
}

/// Sends the gateway's `PAYMENT_STATUS_CHANGED` webhook for (`key`, `order`), signed with
/// `secret`; returns the status the app answered.
pub async fn webhook(app: &TestApp, secret: &str, key: &str, order: &str, status: &str) -> u16 {
    let hook =
        json!({"eventType": "PAYMENT_STATUS_CHANGED", "data": {"paymentKey": key, "orderId": order, "status": status}})
            .to_string();
    let time = chrono::Utc::now().timestamp().to_string();
    let signature = cercat_payment::sign_webhook(secret, hook.as_bytes(), &time);
    app.client
        .post(format!("{}/api/v2/payments/webhook", app.base))
        .header("content-type", "application/json")
        .header("tosspayments-webhook-signature", signature)
        .header("tosspayments-webhook-transmission-time", time)
        .body(hook)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The secret the app's gateway signs webhooks with: the configured one (Toss), or the one
/// the payment simulator derives from the JWT secret.
pub fn webhook_secret(app: &TestApp) -> String {
    let configured = app.state.services.settings.payment.webhook_secret.as_ref().map(|s| s.expose_secret().to_owned());
    configured.unwrap_or_else(|| {
        cercat_user::tokens::digest(&[
            "cercat-simulated-webhooks",
            app.state.services.adapters().jwt_secret.expose_secret(),
        ])
    })
}

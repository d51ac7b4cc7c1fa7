//! Prep courses: CRUD and search, the waiting room, enrollment surges, payments,
//! idempotency keys, the hold sweep, and a crash in the middle of a surge.

use std::collections::{HashMap, HashSet};

use cercat_config::{ExposeSecret, PaymentGatewaySetting, Profile};
use cercat_user::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, settings, spawn};

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

pub async fn course_flows(app: &TestApp) {
    let people = students(app, 6).await;
    let teacher = mint(app, people[0].id, Role::Instructor);
    let rival = mint(app, people[5].id, Role::Instructor);
    let (s1, s2, s3) = (&people[1], &people[2], &people[3]);

    // Who may create, and what is refused.
    let (status, body, _, _) =
        send(app, Method::POST, "/api/v2/courses", Some(s1), Some(course_body(2, false, -1, 60)), &[]).await;
    assert_eq!(status, 403, "{body}");
    let (status, body, _, _) =
        send(app, Method::POST, "/api/v2/courses", Some(&teacher), Some(course_body(0, false, -1, 60)), &[]).await;
    assert_eq!((status, code(&body)), (400, "CRS_002"), "{body}");
    assert_eq!(body["errors"][0]["field"], "capacity");
    let mut bad = course_body(2, false, -1, 60);
    bad["certificateId"] = json!(999_999);
    let (status, body, _, _) = send(app, Method::POST, "/api/v2/courses", Some(&teacher), Some(bad), &[]).await;
    assert_eq!((status, code(&body)), (404, "CRT_001"), "{body}");
    let mut reversed = course_body(2, false, 60, -1);
    reversed["title"] = json!("거꾸로");
    let (status, body, _, _) = send(app, Method::POST, "/api/v2/courses", Some(&teacher), Some(reversed), &[]).await;
    assert_eq!((status, code(&body)), (400, "CRS_002"), "{body}");

    // Create, read, search, update.
    let course = create_course(app, &teacher, course_body(2, false, -1, 60)).await;
    let detail = app.get_json(&format!("/api/v2/courses/{course}"), 200).await;
    assert_eq!(detail["result"]["seatsLeft"], 2);
    assert_eq!(detail["result"]["enrollmentOpen"], true);
    assert_eq!(detail["result"]["instructorId"], teacher.id);
    let found = app.get_json("/api/v2/courses?keyword=%EC%8B%A4%EA%B8%B0&size=100", 200).await;
    assert!(found["result"]["content"].as_array().unwrap().iter().any(|c| c["id"] == course), "{found}");
    let nickname = detail["result"]["instructorNickname"].as_str().unwrap().to_owned();
    let by_teacher = app.get_json(&format!("/api/v2/courses?searchType=instructor&keyword={nickname}"), 200).await;
    assert_eq!(by_teacher["result"]["content"][0]["id"], course, "{by_teacher}");
    let nothing = app.get_json("/api/v2/courses?searchType=content&keyword=zzzz-none", 200).await;
    assert_eq!(nothing["result"]["content"].as_array().unwrap().len(), 0);
    assert_eq!(app.get("/api/v2/courses?searchType=price").await.status(), 400);
    let mut renamed = course_body(2, false, -1, 60);
    renamed["title"] = json!("정보처리기사 실기 — 개정판");
    let path = format!("/api/v2/courses/{course}");
    let (status, body, _, _) = send(app, Method::PUT, &path, Some(&rival), Some(renamed.clone()), &[]).await;
    assert_eq!((status, code(&body)), (403, "CRS_003"), "{body}");
    let (status, body, _, _) = send(app, Method::PUT, &path, Some(&teacher), Some(renamed), &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["title"], "정보처리기사 실기 — 개정판");

    // Enroll with an idempotency key: the retry is the same answer.
    let epath = format!("/api/v2/courses/{course}/enrollments");
    let key = [("Idempotency-Key", "enroll-s1-1")];
    let (status, held, _, replayed) = send(app, Method::POST, &epath, Some(s1), None, &key).await;
    assert_eq!(status, 201, "{held}");
    assert!(!replayed);
    assert_eq!(held["result"]["status"], "PENDING_PAYMENT");
    assert_eq!(held["result"]["amount"], 99000, "the server computes the amount");
    let (status, again, _, replayed) = send(app, Method::POST, &epath, Some(s1), None, &key).await;
    assert_eq!((status, replayed), (201, true));
    assert_eq!(again, held);
    let (status, body) = enroll(app, course, s1, None).await;
    assert_eq!((status, code(&body)), (409, "CRS_014"), "one live enrollment per user: {body}");
    let e1 = held["result"]["id"].as_i64().unwrap();

    // Pay: declined, then paid; a reused key with another body is refused.
    let ppath = format!("/api/v2/enrollments/{e1}/payments");
    let (status, body, _, _) =
        send(app, Method::POST, &ppath, Some(s1), Some(json!({"paymentKey": "fail-card"})), &[]).await;
    assert_eq!((status, code(&body)), (402, "CRS_011"), "{body}");
    let pkey = [("Idempotency-Key", "pay-s1-1")];
    let (status, paid, _, _) =
        send(app, Method::POST, &ppath, Some(s1), Some(json!({"paymentKey": "pk-s1"})), &pkey).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["result"]["status"], "COMPLETED");
    let (status, body, _, _) =
        send(app, Method::POST, &ppath, Some(s1), Some(json!({"paymentKey": "pk-other"})), &pkey).await;
    assert_eq!((status, code(&body)), (422, "IDM_001"), "{body}");
    let (status, body, _, _) =
        send(app, Method::POST, &ppath, Some(s2), Some(json!({"paymentKey": "pk-s2"})), &[]).await;
    assert_eq!((status, code(&body)), (404, "CRS_008"), "another's enrollment is not found: {body}");
    let (status, body, _, _) = send(app, Method::POST, &ppath, Some(s1), Some(json!({"nope": 1})), &[]).await;
    assert_eq!(status, 400, "{body}");

    // Sold out, and an error is replayed like a success.
    let (status, _) = enroll(app, course, s2, None).await;
    assert_eq!(status, 201);
    let skey = [("Idempotency-Key", "enroll-s3-1")];
    let (status, body, _, _) = send(app, Method::POST, &epath, Some(s3), None, &skey).await;
    assert_eq!((status, code(&body)), (409, "CRS_005"), "{body}");
    let mine = send(app, Method::GET, "/api/v2/enrollments", Some(s2), None, &[]).await.1;
    let e2 = mine["result"][0]["id"].as_i64().unwrap();
    let (status, body, _, _) =
        send(app, Method::POST, &format!("/api/v2/enrollments/{e2}/cancel"), Some(s2), None, &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["status"], "CANCELLED");
    let (status, body, _, replayed) = send(app, Method::POST, &epath, Some(s3), None, &skey).await;
    assert_eq!((status, code(&body), replayed), (409, "CRS_005", true), "the first answer is replayed: {body}");
    let (status, body) = enroll(app, course, s3, None).await;
    assert_eq!(status, 201, "a new request gets the freed seat: {body}");
    let (status, body, _, _) =
        send(app, Method::POST, &format!("/api/v2/enrollments/{e2}/cancel"), Some(s2), None, &[]).await;
    assert_eq!((status, code(&body)), (409, "CRS_015"), "{body}");

    // Cancel after payment refunds, then frees the seat.
    let (status, body, _, _) =
        send(app, Method::POST, &format!("/api/v2/enrollments/{e1}/cancel"), Some(s1), None, &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["status"], "REFUNDED");
    let report = verify(app, course).await;
    assert_eq!((report.pending, report.completed, report.released), (1, 0, 2), "{report:?}");
    assert_eq!(app.get_json(&format!("/api/v2/courses/{course}"), 200).await["result"]["seatsLeft"], 1);

    // The webhook: a bad signature is refused; a signed DONE completes the pending hold.
    let (status, body, _, _) = send(
        app,
        Method::POST,
        "/api/v2/payments/webhook",
        None,
        Some(json!({"data": {}})),
        &[("tosspayments-webhook-signature", "v1:AAAA"), ("tosspayments-webhook-transmission-time", "1")],
    )
    .await;
    assert_eq!((status, code(&body)), (400, "CRS_012"), "{body}");
    let pending = send(app, Method::GET, "/api/v2/enrollments", Some(s3), None, &[]).await.1;
    let order = pending["result"][0]["orderId"].as_str().unwrap().to_owned();
    let hook = json!({"eventType": "PAYMENT_STATUS_CHANGED", "data": {"paymentKey": "pk-s3", "orderId": order, "status": "DONE"}})
        .to_string();
    let secret = cercat_user::tokens::digest(&[
        "cercat-simulated-webhooks",
        app.state.services.adapters().jwt_secret.expose_secret(),
    ]);
    let time = chrono::Utc::now().timestamp().to_string();
    let signature = cercat_payment::sign_webhook(&secret, hook.as_bytes(), &time);
    let res = app
        .client
        .post(format!("{}/api/v2/payments/webhook", app.base))
        .header("content-type", "application/json")
        .header("tosspayments-webhook-signature", signature)
        .header("tosspayments-webhook-transmission-time", time)
        .body(hook)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let synced = send(app, Method::GET, "/api/v2/enrollments", Some(s3), None, &[]).await.1;
    assert_eq!(synced["result"][0]["status"], "COMPLETED", "{synced}");
    verify(app, course).await;

    // Windows and the waiting room.
    let later = create_course(app, &teacher, course_body(5, true, 60, 120)).await;
    let (status, body) = enroll(app, later, s1, Some("x")).await;
    assert_eq!((status, code(&body)), (403, "CRS_004"), "{body}");
    let (status, body, _, _) =
        send(app, Method::POST, &format!("/api/v2/courses/{later}/queue"), Some(s1), None, &[]).await;
    assert_eq!((status, code(&body)), (403, "CRS_004"), "{body}");
    let closed = create_course(app, &teacher, course_body(5, false, -120, -60)).await;
    assert_eq!(enroll(app, closed, s1, None).await.0, 403);
    let roomed = create_course(app, &teacher, course_body(5, true, -1, 60)).await;
    let (status, body) = enroll(app, roomed, s1, None).await;
    assert_eq!((status, code(&body)), (403, "CRS_006"), "{body}");
    let (status, body, _, _) =
        send(app, Method::GET, &format!("/api/v2/courses/{roomed}/queue/me"), Some(s1), None, &[]).await;
    assert_eq!((status, code(&body)), (404, "CRS_007"), "{body}");
    let t1 = admitted(app, roomed, s1).await;
    let (status, again, _, _) =
        send(app, Method::POST, &format!("/api/v2/courses/{roomed}/queue"), Some(s1), None, &[]).await;
    assert_eq!((status, again["result"]["position"].as_u64()), (200, Some(1)), "joining twice keeps the place");
    let (status, body) = enroll(app, roomed, s2, Some(&t1)).await;
    assert_eq!((status, code(&body)), (403, "CRS_006"), "a token is bound to its user: {body}");
    let (status, body) = enroll(app, course, s1, Some(&t1)).await;
    assert_ne!(code(&body), "CRS_006", "course A has no room; tokens are ignored there: {status} {body}");
    let (status, body) = enroll(app, roomed, s1, Some(&t1)).await;
    assert_eq!(status, 201, "{body}");
    let (status, body, _, _) =
        send(app, Method::POST, &format!("/api/v2/courses/{course}/queue"), Some(s1), None, &[]).await;
    assert_eq!((status, code(&body)), (409, "CRS_016"), "{body}");

    // Delete: refused once anyone enrolled; allowed otherwise.
    let (status, body, _, _) = send(app, Method::DELETE, &path, Some(&teacher), None, &[]).await;
    assert_eq!((status, code(&body)), (409, "CRS_013"), "{body}");
    let (status, _, _, _) =
        send(app, Method::DELETE, &format!("/api/v2/courses/{later}"), Some(&teacher), None, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(app.get(&format!("/api/v2/courses/{later}")).await.status(), 404);

    // Transitions reach the student as alarms.
    let mut types = Vec::new();
    for _ in 0..100 {
        let list = send(app, Method::GET, "/alarm-api/v2/alarms", Some(s1), None, &[]).await.1;
        types =
            list["result"].as_array().unwrap().iter().map(|a| a["alarmType"].as_str().unwrap().to_owned()).collect();
        if types.contains(&"COURSE_REFUNDED".to_owned()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for t in ["COURSE_SEAT_HELD", "COURSE_ENROLLED", "COURSE_REFUNDED"] {
        assert!(types.iter().any(|x| x == t), "{t} missing from {types:?}");
    }
}

/// `users` students rush one course of `capacity` seats through its waiting room (split
/// over `apps`, which share the deployment): exactly `capacity` holds, the rest sold out,
/// nobody twice.
pub async fn surge(apps: &[&TestApp], users: usize, capacity: u32) {
    let app = apps[0];
    let people = students(app, users + 1).await;
    let teacher = mint(app, people[users].id, Role::Instructor);
    let course = create_course(app, &teacher, course_body(capacity, true, -1, 60)).await;
    let tasks = people[..users].iter().enumerate().map(|(i, who)| {
        let who = who.clone();
        let target = apps[i % apps.len()];
        async move {
            let token = admitted(target, course, &who).await;
            let (status, body) = enroll(target, course, &who, Some(&token)).await;
            (who.id, status, code(&body).to_owned(), body)
        }
    });
    let results = futures::future::join_all(tasks).await;
    let mut by_outcome: HashMap<(u16, String), usize> = HashMap::new();
    let mut winners = HashSet::new();
    for (user, status, code, body) in &results {
        *by_outcome.entry((*status, code.clone())).or_default() += 1;
        if *status == 201 {
            assert!(winners.insert(*user), "user {user} won twice");
            assert_eq!(body["result"]["status"], "PENDING_PAYMENT");
        }
    }
    // A hold whose answer was lost (a 503 from a timeout after the commit, on a machine under
    // load) is retried by `send` and then answered CRS_014 "you already hold a seat": that
    // student holds one seat too, which the ledger check below confirms.
    let held = |code: &str| by_outcome.get(&(if code == "SUCCESS" { 201 } else { 409 }, code.into())).copied();
    assert_eq!(held("SUCCESS").unwrap_or(0) + held("CRS_014").unwrap_or(0), capacity as usize, "{by_outcome:?}");
    assert_eq!(
        by_outcome.get(&(409, "CRS_005".into())).copied().unwrap_or(0),
        users - capacity as usize,
        "{by_outcome:?}"
    );
    let report = verify(app, course).await;
    assert_eq!((report.pending, report.seats_taken), (capacity, capacity), "{report:?}");
    let status = app.state.courses.live_status(course).await.unwrap();
    assert_eq!((status.queue_length, status.seats_left), (users as u64, 0));
}

/// The same rush with payments that fail at random, holds that expire and students who
/// cancel: the invariant holds throughout, and every released seat is sold again at most once.
pub async fn chaotic_surge(app: &TestApp, users: usize, capacity: u32) -> cercat_course::InvariantReport {
    let people = students(app, users + 1).await;
    let teacher = mint(app, people[users].id, Role::Instructor);
    let course = create_course(app, &teacher, course_body(capacity, false, -1, 60)).await;
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(8);
    let tasks = people[..users].iter().enumerate().map(|(i, who)| {
        let who = who.clone();
        async move {
            let mut paid = false;
            while !paid && tokio::time::Instant::now() < until {
                let (status, body) = enroll(app, course, &who, None).await;
                match (status, code(&body)) {
                    (201, _) => {
                        let id = body["result"]["id"].as_i64().unwrap();
                        match i % 4 {
                            // Walks away: the hold expires and the sweep frees it.
                            0 => {}
                            // Cancels before paying.
                            1 => {
                                let path = format!("/api/v2/enrollments/{id}/cancel");
                                let s = send(app, Method::POST, &path, Some(&who), None, &[]).await.0;
                                assert!(s == 200 || s == 409, "cancel {s}");
                            }
                            // Pays (the simulator declines some).
                            _ => {
                                let path = format!("/api/v2/enrollments/{id}/payments");
                                // Some cards are always declined (`fail-`), by the simulator and the fake Toss alike.
                                let key =
                                    if i % 8 == 3 { format!("fail-{}", who.id) } else { format!("pk-{}-{i}", who.id) };
                                let (s, b, _, _) =
                                    send(app, Method::POST, &path, Some(&who), Some(json!({"paymentKey": key})), &[])
                                        .await;
                                assert!(matches!(s, 200 | 402 | 409), "pay {s} {b}");
                                paid = s == 200;
                                if paid && i % 16 == 2 {
                                    // Changes their mind after paying: refunded, seat freed.
                                    let path = format!("/api/v2/enrollments/{id}/cancel");
                                    let (s, b, _, _) = send(app, Method::POST, &path, Some(&who), None, &[]).await;
                                    assert_eq!((s, b["result"]["status"].as_str()), (200, Some("REFUNDED")), "{b}");
                                }
                            }
                        }
                    }
                    (409, "CRS_005" | "CRS_014") => {}
                    other => panic!("unexpected {other:?}: {body}"),
                }
                tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            }
        }
    });
    futures::future::join_all(tasks).await;
    // Let the remaining holds expire and the sweep return them.
    let mut report = verify(app, course).await;
    for _ in 0..100 {
        if report.pending == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        report = verify(app, course).await;
    }
    assert_eq!(report.pending, 0, "every unpaid hold was swept: {report:?}");
    assert!(report.completed <= capacity);
    assert!(report.completed > 0 && report.released > 0, "the storm exercised payments and releases: {report:?}");
    // Holds ever made = seats sold once + seats re-sold after a release, never more.
    let holds = report.completed + report.released;
    assert!(holds <= capacity + report.released, "{report:?}");
    assert_eq!(report.seats_taken, report.completed, "{report:?}");
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn course_crud_waiting_room_enrollment_payment_and_idempotency() {
    let app = crate::helpers::spawn_embedded().await;
    course_flows(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_students_rush_fifty_seats_embedded() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(Profile::Embedded, &dir);
    s.course.admitter_interval_ms = 50;
    let app = spawn(s, dir, Vec::new()).await;
    surge(&[&app], 1000, 50).await;
}

/// Runs the `course-holds-sweep` job in this instance every second (one-second holds expire fast).
fn sweep_every_second(s: &mut cercat_config::Settings) {
    s.jobs.in_process = true;
    s.jobs.schedules.insert("course-holds-sweep".into(), "* * * * * *".into());
}

fn chaos_settings(profile: Profile, dir: &tempfile::TempDir) -> cercat_config::Settings {
    let mut s = settings(profile, dir);
    s.course.hold_seconds = 1;
    sweep_every_second(&mut s);
    s.payment.gateway = PaymentGatewaySetting::Simulator;
    s.payment.simulator_failure_percent = 30;
    s.payment.simulator_latency_ms = 20;
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_payments_expiries_and_cancels_keep_the_invariant_embedded() {
    let dir = tempfile::tempdir().unwrap();
    let s = chaos_settings(Profile::Embedded, &dir);
    let app = spawn(s, dir, Vec::new()).await;
    chaotic_surge(&app, 200, 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_hold_goes_back_once_and_a_key_in_flight_is_409() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = chaos_settings(Profile::Embedded, &dir);
    s.payment.simulator_failure_percent = 0;
    s.payment.simulator_latency_ms = 700;
    let app = spawn(s, dir, Vec::new()).await;
    let people = students(&app, 3).await;
    let teacher = mint(&app, people[2].id, Role::Instructor);
    let course = create_course(&app, &teacher, course_body(1, false, -1, 60)).await;

    // Two identical payments at once with one key: one runs, the other is told it is in flight.
    let (status, held) = enroll(&app, course, &people[0], None).await;
    assert_eq!(status, 201, "{held}");
    let id = held["result"]["id"].as_i64().unwrap();
    let path = format!("/api/v2/enrollments/{id}/payments");
    let key = [("Idempotency-Key", "same-key")];
    let body = || Some(json!({"paymentKey": "pk-slow"}));
    let (a, b) = tokio::join!(
        send(&app, Method::POST, &path, Some(&people[0]), body(), &key),
        send(&app, Method::POST, &path, Some(&people[0]), body(), &key)
    );
    let mut codes = vec![(a.0, code(&a.1).to_owned()), (b.0, code(&b.1).to_owned())];
    codes.sort();
    // Either the first already finished (replayed) or it was still running.
    assert!(
        codes == vec![(200, "SUCCESS".into()), (200, "SUCCESS".into())]
            || codes == vec![(200, "SUCCESS".into()), (409, "IDM_002".into())],
        "{codes:?}"
    );
    let (status, body) = enroll(&app, course, &people[1], None).await;
    assert_eq!((status, code(&body)), (409, "CRS_005"), "{body}");
    let (status, _, _, _) =
        send(&app, Method::POST, &format!("/api/v2/enrollments/{id}/cancel"), Some(&people[0]), None, &[]).await;
    assert_eq!(status, 200);

    // A hold nobody pays goes back after its deadline, once; paying it then is refused.
    let (status, held) = enroll(&app, course, &people[1], None).await;
    assert_eq!(status, 201, "{held}");
    let id = held["result"]["id"].as_i64().unwrap();
    let mut state = String::new();
    for _ in 0..50 {
        let (_, body, _, _) =
            send(&app, Method::GET, &format!("/api/v2/enrollments/{id}"), Some(&people[1]), None, &[]).await;
        state = body["result"]["status"].as_str().unwrap().to_owned();
        if state == "EXPIRED" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(state, "EXPIRED");
    let (status, body, _, _) = send(
        &app,
        Method::POST,
        &format!("/api/v2/enrollments/{id}/payments"),
        Some(&people[1]),
        Some(json!({"paymentKey": "pk-late"})),
        &[],
    )
    .await;
    assert_eq!((status, code(&body)), (409, "CRS_010"), "{body}");
    let report = verify(&app, course).await;
    assert_eq!((report.seats_taken, report.released), (0, 2), "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
async fn a_thousand_students_rush_fifty_seats_over_two_instances_and_a_redis_flush() {
    let deployment = crate::production::Deployment::new().await;
    let a = deployment.instance_with(|s| s.course.admitter_interval_ms = 50).await;
    let b = deployment.instance_with(|s| s.course.admitter_interval_ms = 50).await;
    surge(&[&a, &b], 1000, 50).await;

    // Redis loses the waiting rooms: seats stay exact (the database is the truth), and the
    // room starts again for whoever joins next.
    let people = students(&a, 2).await;
    let teacher = mint(&a, people[1].id, Role::Instructor);
    let course = create_course(&a, &teacher, course_body(1, true, -1, 60)).await;
    let token = admitted(&a, course, &people[0]).await;
    assert_eq!(enroll(&a, course, &people[0], Some(&token)).await.0, 201);
    let client = deadpool_redis::redis::Client::open(cercat_testing::redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = deadpool_redis::redis::cmd("KEYS")
        .arg(format!("{}course:*", deployment.redis_prefix))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(!keys.is_empty());
    let _: i64 = deadpool_redis::redis::cmd("DEL").arg(&keys).query_async(&mut conn).await.unwrap();
    let detail = b.get_json(&format!("/api/v2/courses/{course}"), 200).await;
    assert_eq!(detail["result"]["seatsLeft"], 0, "{detail}");
    let late = students(&b, 1).await;
    let token = admitted(&b, course, &late[0]).await;
    let (status, body) = enroll(&b, course, &late[0], Some(&token)).await;
    assert_eq!((status, code(&body)), (409, "CRS_005"), "{body}");
    verify(&a, course).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
async fn failed_payments_expiries_and_cancels_keep_the_invariant_over_mariadb_and_toss() {
    let toss = cercat_payment::fake::FakeToss::start();
    let (url, key) = (toss.base_url(), toss.secret_key().to_owned());
    let deployment = crate::production::Deployment::new().await;
    let app = deployment
        .instance_with(|s| {
            s.course.hold_seconds = 1;
            sweep_every_second(s);
            s.payment.gateway = PaymentGatewaySetting::Toss;
            s.payment.toss_base_url = url;
            s.payment.toss_secret_key = Some(key.into());
            s.payment.webhook_secret = Some("webhook-secret-0123456789".into());
        })
        .await;
    let report = chaotic_surge(&app, 200, 20).await;
    let confirms = toss.confirms();
    assert!(confirms.len() as u32 >= report.completed, "every completed enrollment was confirmed at Toss");
    assert!(confirms.iter().all(|(key, _, amount)| !key.starts_with("fail-") && *amount == 99000), "{confirms:?}");
    assert!(!toss.cancels().is_empty(), "refunds went through the Toss API");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_api(dir: &std::path::Path, port: u16, secret: &str) -> Child {
    // Wrapped at once: dropping the guard kills and reaps the process on every path.
    let child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_cercat-api"))
            .env("CERCAT__DATA_DIR", dir)
            .env("CERCAT__SERVER__PORT", port.to_string())
            .env("CERCAT__AUTH__JWT_SECRET", secret)
            .env("CERCAT__LOG__LEVEL", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let client = crate::helpers::test_client();
    for _ in 0..300 {
        if let Ok(res) = client.get(format!("http://127.0.0.1:{port}/health/live")).send().await
            && res.status() == 200
        {
            return child;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the api process did not start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_process_killed_mid_surge_keeps_the_invariant() {
    let secret = "kill-test-secret-kill-test-secret-0123";
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    // An in-process observer on the same SQLite file: it mints tokens and checks the data.
    let mut s = settings(Profile::Embedded, &dir);
    s.auth.jwt_secret = Some(secret.into());
    let observer = spawn(s, dir, Vec::new()).await;
    let port = free_port();
    let mut child = start_api(&data, port, secret).await;
    let target = TestApp {
        base: format!("http://127.0.0.1:{port}"),
        client: crate::helpers::test_client(),
        state: observer.state.clone(),
        server: observer.server.clone(),
        stopped: None,
        _dir: tempfile::tempdir().unwrap(),
        _extra: Vec::new(),
    };
    let people = students(&observer, 301).await;
    let teacher = mint(&observer, people[300].id, Role::Instructor);
    let course = create_course(&observer, &teacher, course_body(50, false, -1, 60)).await;

    // 300 students rush the process; it is killed (SIGKILL) while they are at it.
    let attempts = people[..300].iter().map(|who| {
        let (who, target) = (who.clone(), &target);
        async move {
            let url = format!("{}/api/v2/courses/{course}/enrollments", target.base);
            let res = target.client.post(url).header("Access-Token", format!("Bearer {}", who.token)).send().await;
            (who, res.ok().map(|r| r.status().as_u16()))
        }
    });
    let rush = futures::future::join_all(attempts);
    let kill = async {
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        child.0.kill().unwrap();
    };
    let (results, ()) = tokio::join!(rush, kill);
    drop(child);
    let told_held: Vec<&Caller> = results.iter().filter(|(_, s)| *s == Some(201)).map(|(w, _)| w).collect();
    let cut_off = results.iter().filter(|(_, s)| s.is_none()).count();
    verify(&observer, course).await;

    // Restarted, it serves the rest: whoever was told "held" still holds; nobody holds twice.
    let _child = start_api(&data, port, secret).await;
    for who in &told_held {
        let mine = send(&target, Method::GET, "/api/v2/enrollments", Some(who), None, &[]).await.1;
        assert_eq!(
            mine["result"][0]["status"], "PENDING_PAYMENT",
            "a hold the student was told about survived: {mine}"
        );
    }
    let retries = results.iter().filter(|(_, s)| *s != Some(201)).map(|(who, _)| {
        let (who, target) = (who.clone(), &target);
        async move { enroll(target, course, &who, None).await }
    });
    for (status, body) in futures::future::join_all(retries).await {
        assert!(matches!((status, code(&body)), (201, _) | (409, "CRS_005" | "CRS_014")), "{status} {body}");
    }
    let report = verify(&observer, course).await;
    assert_eq!(
        report.pending, 50,
        "every seat is held once the rush is over ({cut_off} requests were cut off): {report:?}"
    );
}

//! Prep courses: CRUD and search, the waiting room, enrollment, payments and idempotency keys
//! (one test per behaviour, each on a fresh app in both modes), enrollment surges, the hold
//! sweep, and a crash in the middle of a surge.

use std::collections::{HashMap, HashSet};

use cercat_config::{PaymentGatewaySetting, Profile};
use cercat_user::Role;
use reqwest::Method;
use serde_json::json;

use crate::helpers::courses::*;
use crate::helpers::{TestApp, in_both_modes, settings, spawn, wait_for};

in_both_modes!(
    only_instructors_create_courses_and_bad_drafts_are_refused,
    courses_are_read_searched_and_updated_by_their_instructor_only,
    an_enrollment_retried_with_its_idempotency_key_gets_the_same_answer,
    a_declined_payment_can_be_retried_and_a_reused_key_with_another_body_is_refused,
    a_sold_out_answer_is_replayed_and_a_freed_seat_goes_to_a_new_request,
    cancelling_after_payment_refunds_and_frees_the_seat,
    a_signed_webhook_completes_a_pending_hold_and_a_bad_signature_is_refused,
    enrollment_windows_and_the_waiting_room_gate_the_holds,
    a_course_with_enrollments_cannot_be_deleted_but_an_empty_one_can,
    enrollment_transitions_reach_the_student_as_alarms,
    the_waiting_room_streams_the_place_then_the_token_during_a_surge,
);

async fn only_instructors_create_courses_and_bad_drafts_are_refused(app: &TestApp) {
    let (teacher, people) = class(app, 1).await;
    let s1 = &people[0];
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
}

async fn courses_are_read_searched_and_updated_by_their_instructor_only(app: &TestApp) {
    let (teacher, people) = class(app, 1).await;
    let rival = mint(app, people[0].id, Role::Instructor);
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
}

async fn an_enrollment_retried_with_its_idempotency_key_gets_the_same_answer(app: &TestApp) {
    let (teacher, people) = class(app, 1).await;
    let s1 = &people[0];
    let course = create_course(app, &teacher, course_body(2, false, -1, 60)).await;
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
}

async fn a_declined_payment_can_be_retried_and_a_reused_key_with_another_body_is_refused(app: &TestApp) {
    let (teacher, people) = class(app, 2).await;
    let (s1, s2) = (&people[0], &people[1]);
    let course = create_course(app, &teacher, course_body(2, false, -1, 60)).await;
    let (e1, _) = hold(app, course, s1).await;
    let ppath = format!("/api/v2/enrollments/{e1}/payments");
    let (status, body) = pay(app, s1, e1, "fail-card").await;
    assert_eq!((status, code(&body)), (402, "CRS_011"), "{body}");
    let pkey = [("Idempotency-Key", "pay-s1-1")];
    let (status, paid, _, _) =
        send(app, Method::POST, &ppath, Some(s1), Some(json!({"paymentKey": "pk-s1"})), &pkey).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["result"]["status"], "COMPLETED");
    let (status, body, _, _) =
        send(app, Method::POST, &ppath, Some(s1), Some(json!({"paymentKey": "pk-other"})), &pkey).await;
    assert_eq!((status, code(&body)), (422, "IDM_001"), "{body}");
    let (status, body) = pay(app, s2, e1, "pk-s2").await;
    assert_eq!((status, code(&body)), (404, "CRS_008"), "another's enrollment is not found: {body}");
    let (status, body, _, _) = send(app, Method::POST, &ppath, Some(s1), Some(json!({"nope": 1})), &[]).await;
    assert_eq!(status, 400, "{body}");
}

async fn a_sold_out_answer_is_replayed_and_a_freed_seat_goes_to_a_new_request(app: &TestApp) {
    let (teacher, people) = class(app, 3).await;
    let (s1, s2, s3) = (&people[0], &people[1], &people[2]);
    let course = create_course(app, &teacher, course_body(2, false, -1, 60)).await;
    hold(app, course, s1).await;
    let (e2, _) = hold(app, course, s2).await;
    let epath = format!("/api/v2/courses/{course}/enrollments");
    let skey = [("Idempotency-Key", "enroll-s3-1")];
    let (status, body, _, _) = send(app, Method::POST, &epath, Some(s3), None, &skey).await;
    assert_eq!((status, code(&body)), (409, "CRS_005"), "{body}");
    let mine = send(app, Method::GET, "/api/v2/enrollments", Some(s2), None, &[]).await.1;
    assert_eq!(mine["result"][0]["id"], e2);
    let (status, body) = cancel(app, s2, e2).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["status"], "CANCELLED");
    // An error is replayed like a success…
    let (status, body, _, replayed) = send(app, Method::POST, &epath, Some(s3), None, &skey).await;
    assert_eq!((status, code(&body), replayed), (409, "CRS_005", true), "the first answer is replayed: {body}");
    // …while a new request gets the seat.
    let (status, body) = enroll(app, course, s3, None).await;
    assert_eq!(status, 201, "a new request gets the freed seat: {body}");
    let (status, body) = cancel(app, s2, e2).await;
    assert_eq!((status, code(&body)), (409, "CRS_015"), "{body}");
}

async fn cancelling_after_payment_refunds_and_frees_the_seat(app: &TestApp) {
    let (teacher, people) = class(app, 3).await;
    let (s1, s2, s3) = (&people[0], &people[1], &people[2]);
    let course = create_course(app, &teacher, course_body(2, false, -1, 60)).await;
    // s1 paid, s2 cancelled, s3 holds: the ledger has a released seat and a pending one.
    let (e1, _) = hold(app, course, s1).await;
    assert_eq!(pay(app, s1, e1, "pk-s1").await.0, 200);
    let (e2, _) = hold(app, course, s2).await;
    assert_eq!(cancel(app, s2, e2).await.0, 200);
    hold(app, course, s3).await;
    let (status, body) = cancel(app, s1, e1).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["status"], "REFUNDED");
    let report = verify(app, course).await;
    assert_eq!((report.pending, report.completed, report.released), (1, 0, 2), "{report:?}");
    assert_eq!(app.get_json(&format!("/api/v2/courses/{course}"), 200).await["result"]["seatsLeft"], 1);
}

async fn a_signed_webhook_completes_a_pending_hold_and_a_bad_signature_is_refused(app: &TestApp) {
    let (teacher, people) = class(app, 1).await;
    let s3 = &people[0];
    let course = create_course(app, &teacher, course_body(2, false, -1, 60)).await;
    let (status, body, _, _) = send(
        app,
        Method::POST,
        "/api/v2/payments/webhook",
        None,
        Some(json!({"data": {}})),
        &[("tosspayments-webhook-signature", "v1:AAAA"), ("tosspayments-webhook-transmission-time", "1")],
    )
    .await;
    assert_eq!((status, code(&body)), (401, "CRS_012"), "{body}");
    hold(app, course, s3).await;
    let pending = send(app, Method::GET, "/api/v2/enrollments", Some(s3), None, &[]).await.1;
    let order = pending["result"][0]["orderId"].as_str().unwrap().to_owned();
    assert_eq!(webhook(app, &webhook_secret(app), "pk-s3", &order, "DONE").await, 200);
    let synced = send(app, Method::GET, "/api/v2/enrollments", Some(s3), None, &[]).await.1;
    assert_eq!(synced["result"][0]["status"], "COMPLETED", "{synced}");
    verify(app, course).await;
}

async fn enrollment_windows_and_the_waiting_room_gate_the_holds(app: &TestApp) {
    let (teacher, people) = class(app, 2).await;
    let (s1, s2) = (&people[0], &people[1]);
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
    let open = create_course(app, &teacher, course_body(2, false, -1, 60)).await;
    let (status, body) = enroll(app, open, s1, Some(&t1)).await;
    assert_ne!(code(&body), "CRS_006", "this course has no room; tokens are ignored there: {status} {body}");
    let (status, body) = enroll(app, roomed, s1, Some(&t1)).await;
    assert_eq!(status, 201, "{body}");
    let (status, body, _, _) =
        send(app, Method::POST, &format!("/api/v2/courses/{open}/queue"), Some(s1), None, &[]).await;
    assert_eq!((status, code(&body)), (409, "CRS_016"), "{body}");
}

async fn a_course_with_enrollments_cannot_be_deleted_but_an_empty_one_can(app: &TestApp) {
    let (teacher, people) = class(app, 1).await;
    let taken = create_course(app, &teacher, course_body(2, false, -1, 60)).await;
    hold(app, taken, &people[0]).await;
    let (status, body, _, _) =
        send(app, Method::DELETE, &format!("/api/v2/courses/{taken}"), Some(&teacher), None, &[]).await;
    assert_eq!((status, code(&body)), (409, "CRS_013"), "{body}");
    let later = create_course(app, &teacher, course_body(5, true, 60, 120)).await;
    let (status, _, _, _) =
        send(app, Method::DELETE, &format!("/api/v2/courses/{later}"), Some(&teacher), None, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(app.get(&format!("/api/v2/courses/{later}")).await.status(), 404);
}

async fn enrollment_transitions_reach_the_student_as_alarms(app: &TestApp) {
    let (teacher, people) = class(app, 1).await;
    let s1 = &people[0];
    let course = create_course(app, &teacher, course_body(2, false, -1, 60)).await;
    let (e1, _) = hold(app, course, s1).await;
    assert_eq!(pay(app, s1, e1, "pk-s1").await.0, 200);
    assert_eq!(cancel(app, s1, e1).await.1["result"]["status"], "REFUNDED");
    let types = wait_for(30, "the refund alarm", || async {
        let list = send(app, Method::GET, "/alarm-api/v2/alarms", Some(s1), None, &[]).await.1;
        let types: Vec<String> =
            list["result"].as_array().unwrap().iter().map(|a| a["alarmType"].as_str().unwrap().to_owned()).collect();
        types.contains(&"COURSE_REFUNDED".to_owned()).then_some(types)
    })
    .await;
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
    // Whether a surge student paid then cancelled depends on who won seats in its window; one
    // refund made for sure checks that refunds go through the Toss API.
    let (teacher, class) = class(&app, 1).await;
    let course = create_course(&app, &teacher, course_body(1, false, -1, 60)).await;
    let (id, _) = hold(&app, course, &class[0]).await;
    assert_eq!(pay(&app, &class[0], id, "pk-refund-me").await.0, 200);
    let (status, body) = cancel(&app, &class[0], id).await;
    assert_eq!((status, body["result"]["status"].as_str()), (200, Some("REFUNDED")), "{body}");
    assert!(toss.cancels().iter().any(|k| k == "pk-refund-me"), "{:?}", toss.cancels());
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub(crate) struct Child(pub std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) async fn start_api(dir: &std::path::Path, port: u16, secret: &str) -> Child {
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

/// Twenty students join a room that admits five a second; the last one follows its place on
/// the position stream instead of polling: `position` frames with fewer people ahead each
/// time, then `admitted` with a token that enrolls. A student not in the room is refused
/// before any stream opens.
async fn the_waiting_room_streams_the_place_then_the_token_during_a_surge(app: &TestApp) {
    let (teacher, people) = class(app, 21).await;
    let mut body = course_body(50, true, -1, 60);
    body["admissionRatePerSecond"] = json!(5);
    let course = create_course(app, &teacher, body).await;
    let join = format!("/api/v2/courses/{course}/queue");
    for who in &people[..20] {
        let (status, res, _, _) = send(app, Method::POST, &join, Some(who), None, &[]).await;
        assert_eq!(status, 200, "{res}");
    }
    let stream_path = format!("/api/v2/courses/{course}/queue/me/stream");
    let (status, refused, _, _) = send(app, Method::GET, &stream_path, Some(&people[20]), None, &[]).await;
    assert_eq!((status, refused["responseCode"].as_str()), (404, Some("CRS_007")), "{refused}");

    let last = &people[19];
    let mut res = app.req(Method::GET, &stream_path).header("Access-Token", &last.token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let mut text = String::new();
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while !text.contains("event: admitted") {
        assert!(tokio::time::Instant::now() < until, "never admitted: {text}");
        match tokio::time::timeout(std::time::Duration::from_secs(30), res.chunk()).await {
            Ok(Ok(Some(bytes))) => text.push_str(&String::from_utf8_lossy(&bytes)),
            other => panic!("the stream ended before the token: {other:?} {text}"),
        }
    }
    let frames: Vec<(&str, serde_json::Value)> = text
        .split("\n\n")
        .filter_map(|f| {
            let name = f.lines().find_map(|l| l.strip_prefix("event: "))?;
            let data = f.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((name, serde_json::from_str(data).unwrap()))
        })
        .collect();
    let ahead: Vec<u64> =
        frames.iter().filter(|(n, _)| *n == "position").map(|(_, v)| v["ahead"].as_u64().unwrap()).collect();
    assert!(ahead.len() >= 2, "the place was pushed as it changed: {text}");
    assert!(ahead.windows(2).all(|w| w[1] < w[0]), "fewer ahead each time: {ahead:?}");
    let (name, admitted) = frames.last().unwrap();
    assert_eq!(*name, "admitted");
    let token = admitted["admissionToken"].as_str().unwrap();
    let (status, held) = enroll(app, course, last, Some(token)).await;
    assert_eq!(status, 201, "{held}");
}

//! Money around enrollments: a payment key pays one enrollment, extra charges are refunded
//! through the gateway exactly once, free courses need no gateway, and webhooks that cancel
//! another charge or only part of one leave the seat alone.

use cercat_config::{PaymentGatewaySetting, Profile};
use cercat_payment::fake::FakeToss;
use cercat_user::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::courses::{
    self, Caller, code, course_body, create_course, enroll, hold, mint, pay, send, students, verify,
};
use crate::helpers::{TestApp, settings, spawn};

const WEBHOOK_SECRET: &str = "webhook-secret-0123456789";

/// An embedded app whose gateway is Toss's API, served by `toss`.
async fn over_toss(toss: &FakeToss) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(Profile::Embedded, &dir);
    s.payment.gateway = PaymentGatewaySetting::Toss;
    s.payment.toss_base_url = toss.base_url();
    s.payment.toss_secret_key = Some(toss.secret_key().into());
    s.payment.webhook_secret = Some(WEBHOOK_SECRET.into());
    spawn(s, dir, Vec::new()).await
}

async fn webhook(app: &TestApp, key: &str, order: &str, status: &str) -> u16 {
    courses::webhook(app, WEBHOOK_SECRET, key, order, status).await
}

async fn status_of(app: &TestApp, who: &Caller, id: i64) -> Value {
    send(app, Method::GET, &format!("/api/v2/enrollments/{id}"), Some(who), None, &[]).await.1["result"].clone()
}

/// Confirms `key` for `order` at the fake behind the app's back (a second payment the
/// gateway captured through another tab or client).
async fn charge_directly(toss: &FakeToss, key: &str, order: &str, amount: i64) {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/payments/confirm", toss.base_url()))
        .basic_auth(toss.secret_key(), Some(""))
        .header("Idempotency-Key", format!("elsewhere-{key}"))
        .json(&json!({"paymentKey": key, "orderId": order, "amount": amount}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_key_of_one_enrollment_never_pays_another() {
    let toss = FakeToss::start();
    let app = over_toss(&toss).await;
    let people = students(&app, 3).await;
    let teacher = mint(&app, people[2].id, Role::Instructor);
    let x = create_course(&app, &teacher, course_body(5, false, -1, 60)).await;
    let y = create_course(&app, &teacher, course_body(5, false, -1, 60)).await;
    let (a, b) = (&people[0], &people[1]);

    let (ax, _) = hold(&app, x, a).await;
    assert_eq!(pay(&app, a, ax, "pk-a").await.0, 200);
    // The same key for another course of A's, and for B's enrollment: declined, nothing paid.
    let (ay, _) = hold(&app, y, a).await;
    let (status, body) = pay(&app, a, ay, "pk-a").await;
    assert_eq!((status, code(&body)), (402, "CRS_011"), "{body}");
    let (bx, _) = hold(&app, x, b).await;
    let (status, body) = pay(&app, b, bx, "pk-a").await;
    assert_eq!((status, code(&body)), (402, "CRS_011"), "{body}");
    assert_eq!(status_of(&app, a, ay).await["status"], "PENDING_PAYMENT");
    assert_eq!(status_of(&app, b, bx).await["status"], "PENDING_PAYMENT");
    // B cancelling does not refund A's payment.
    let (status, body, _, _) =
        send(&app, Method::POST, &format!("/api/v2/enrollments/{bx}/cancel"), Some(b), None, &[]).await;
    assert_eq!((status, body["result"]["status"].as_str()), (200, Some("CANCELLED")), "{body}");
    assert!(toss.cancel_attempts().is_empty(), "{:?}", toss.cancel_attempts());
    assert_eq!(toss.confirms().len(), 1);
    assert_eq!(status_of(&app, a, ax).await["status"], "COMPLETED");
    verify(&app, x).await;
    verify(&app, y).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_payments_with_different_keys_keep_one_and_refund_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(Profile::Embedded, &dir);
    s.payment.gateway = PaymentGatewaySetting::Simulator;
    s.payment.simulator_latency_ms = 150;
    let app = spawn(s, dir, Vec::new()).await;
    let people = students(&app, 2).await;
    let teacher = mint(&app, people[1].id, Role::Instructor);
    let course = create_course(&app, &teacher, course_body(2, false, -1, 60)).await;
    let who = &people[0];
    let (id, order) = hold(&app, course, who).await;

    let keys = ["pk-tab-1", "pk-tab-2", "pk-tab-3"];
    let answers = futures::future::join_all(keys.iter().map(|k| pay(&app, who, id, k))).await;
    let mut codes: Vec<(u16, String)> = answers.iter().map(|(s, b)| (*s, code(b).to_owned())).collect();
    codes.sort();
    assert_eq!(codes, vec![(200, "SUCCESS".into()), (409, "CRS_017".into()), (409, "CRS_017".into())], "{answers:?}");
    let kept = keys[answers.iter().position(|(s, _)| *s == 200).unwrap()];
    // At the gateway: the kept charge is still captured, the two others are cancelled.
    let gateway = &app.state.services.adapters().gateway;
    for key in keys {
        let probe = gateway.confirm(key, &order, 99_000).await;
        if key == kept {
            assert!(probe.is_ok(), "{key}: {probe:?}");
        } else {
            assert!(
                matches!(&probe, Err(cercat_course::ports::GatewayError::Declined { code, .. }) if code == "ALREADY_CANCELED_PAYMENT"),
                "{key}: {probe:?}"
            );
        }
    }
    let report = verify(&app, course).await;
    assert_eq!((report.completed, report.charges, report.refunds_due), (1, 3, 0), "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extra_charge_is_refunded_through_the_gateway_exactly_once_and_durably() {
    let toss = FakeToss::start();
    let app = over_toss(&toss).await;
    let people = students(&app, 2).await;
    let teacher = mint(&app, people[1].id, Role::Instructor);
    let course = create_course(&app, &teacher, course_body(2, false, -1, 60)).await;
    let who = &people[0];
    let (id, order) = hold(&app, course, who).await;
    assert_eq!(pay(&app, who, id, "pk-first").await.0, 200);

    // A second charge of the same order reaches us by webhook while the gateway is down: it
    // is recorded as due, and the refund waits for the sweep.
    charge_directly(&toss, "pk-second", &order, 99_000).await;
    toss.set_down(true);
    assert_eq!(webhook(&app, "pk-second", &order, "DONE").await, 200);
    let report = verify(&app, course).await;
    assert_eq!((report.charges, report.refunds_due), (2, 1), "{report:?}");
    toss.set_down(false);
    let swept = app.state.courses.sweep(100).await.unwrap();
    assert_eq!(swept.refunded, 1, "{swept:?}");
    // Resent webhooks and more sweeps change nothing: one cancel request, ever.
    assert_eq!(webhook(&app, "pk-second", &order, "DONE").await, 200);
    app.state.courses.sweep(100).await.unwrap();
    assert_eq!(toss.cancel_attempts(), vec!["pk-second".to_owned()]);
    let payments = toss.payments();
    assert!(payments.contains(&("pk-second".into(), order.clone(), 99_000, true)), "{payments:?}");
    assert!(payments.contains(&("pk-first".into(), order.clone(), 99_000, false)), "{payments:?}");

    // Its CANCELED webhook, and a partial cancel of the real payment, keep the seat paid.
    assert_eq!(webhook(&app, "pk-second", &order, "CANCELED").await, 200);
    assert_eq!(webhook(&app, "pk-first", &order, "PARTIAL_CANCELED").await, 200);
    assert_eq!(status_of(&app, who, id).await["status"], "COMPLETED");
    let report = verify(&app, course).await;
    assert_eq!((report.completed, report.seats_taken, report.refunds_due), (1, 1, 0), "{report:?}");
    // The payment itself cancelled in full at the gateway: refunded, the seat goes back.
    assert_eq!(webhook(&app, "pk-first", &order, "CANCELED").await, 200);
    assert_eq!(status_of(&app, who, id).await["status"], "REFUNDED");
    let report = verify(&app, course).await;
    assert_eq!((report.completed, report.seats_taken), (0, 0), "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_free_course_completes_without_the_gateway() {
    let toss = FakeToss::start();
    let app = over_toss(&toss).await;
    let people = students(&app, 2).await;
    let teacher = mint(&app, people[1].id, Role::Instructor);
    let mut body = course_body(1, false, -1, 60);
    body["price"] = json!(0);
    let course = create_course(&app, &teacher, body).await;
    let who = &people[0];
    let (status, e) = enroll(&app, course, who, None).await;
    assert_eq!((status, e["result"]["status"].as_str()), (201, Some("COMPLETED")), "{e}");
    let id = e["result"]["id"].as_i64().unwrap();
    verify(&app, course).await;
    let (status, again) = pay(&app, who, id, "pk-free").await;
    assert_eq!((status, again["result"]["status"].as_str()), (200, Some("COMPLETED")), "{again}");
    let (status, body, _, _) =
        send(&app, Method::POST, &format!("/api/v2/enrollments/{id}/cancel"), Some(who), None, &[]).await;
    assert_eq!((status, body["result"]["status"].as_str()), (200, Some("CANCELLED")), "{body}");
    assert!(toss.confirms().is_empty() && toss.cancel_attempts().is_empty(), "the gateway was never called");
    let report = verify(&app, course).await;
    assert_eq!((report.seats_taken, report.completed, report.released), (0, 0, 1), "{report:?}");
}

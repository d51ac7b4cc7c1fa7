//! The payment adapters against their contract: [`TossGateway`] against the fake Toss server,
//! webhook signatures, and the [`SimulatedGateway`].

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cercat_common::PortError;
use cercat_course::ports::{GatewayError, GatewayStatus, PaymentApproval, PaymentGateway};
use cercat_payment::{SimulatedGateway, SimulatorOptions, TossGateway, TossOptions, fake::FakeToss, sign_webhook};
use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};

const WEBHOOK_SECRET: &str = "whsec_test";

fn toss(fake: &FakeToss, timeout: Duration) -> TossGateway {
    TossGateway::new(TossOptions {
        base_url: fake.base_url(),
        secret_key: fake.secret_key().to_owned(),
        webhook_secret: WEBHOOK_SECRET.to_owned(),
        timeout,
    })
    .unwrap()
}

fn declined_code(result: Result<impl std::fmt::Debug, GatewayError>) -> String {
    match result {
        Err(GatewayError::Declined { code, .. }) => code,
        other => panic!("expected Declined, got {other:?}"),
    }
}

const TIMEOUT: Duration = Duration::from_secs(5);

// ---- Toss over HTTP ----

#[tokio::test(flavor = "multi_thread")]
async fn toss_confirm_ok() {
    let fake = FakeToss::start();
    let gateway = toss(&fake, TIMEOUT);
    let approval = gateway.confirm("pk_1", "order-1", 15_000).await.unwrap();
    assert_eq!(approval, PaymentApproval { payment_key: "pk_1".into(), order_id: "order-1".into(), amount: 15_000 });
    assert_eq!(fake.confirms(), vec![("pk_1".to_owned(), "order-1".to_owned(), 15_000)]);
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn toss_confirm_declined() {
    let fake = FakeToss::start();
    let gateway = toss(&fake, TIMEOUT);
    match gateway.confirm("fail-card", "order-2", 1_000).await {
        Err(GatewayError::Declined { code, message }) => {
            assert_eq!(code, "REJECT_CARD_PAYMENT");
            assert!(!message.is_empty());
        }
        other => panic!("expected Declined, got {other:?}"),
    }
    assert!(fake.confirms().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn toss_confirm_already_processed_is_ok() {
    let fake = FakeToss::start();
    let gateway = toss(&fake, TIMEOUT);
    gateway.confirm("pk_again", "order-3", 2_000).await.unwrap();
    let again = gateway.confirm("pk_again", "order-3", 2_000).await.unwrap();
    assert_eq!(again, PaymentApproval { payment_key: "pk_again".into(), order_id: "order-3".into(), amount: 2_000 });
    assert_eq!(fake.confirms().len(), 1);
}

/// Confirms `key` for `order` behind the adapter's back, with its own idempotency key (as
/// another client of the same merchant would).
async fn confirm_directly(fake: &FakeToss, key: &str, order: &str, amount: i64) {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/payments/confirm", fake.base_url()))
        .basic_auth(fake.secret_key(), Some(""))
        .header("Idempotency-Key", format!("elsewhere-{key}"))
        .json(&serde_json::json!({"paymentKey": key, "orderId": order, "amount": amount}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn toss_already_processed_is_accepted_only_for_its_own_order_and_amount() {
    let fake = FakeToss::start();
    let gateway = toss(&fake, TIMEOUT);
    confirm_directly(&fake, "pk_x", "order-x", 2_000).await;
    // Processed for this very order and amount: fetched, checked, accepted.
    let again = gateway.confirm("pk_x", "order-x", 2_000).await.unwrap();
    assert_eq!(again, PaymentApproval { payment_key: "pk_x".into(), order_id: "order-x".into(), amount: 2_000 });
    // The key of order X does not pay order Y, nor X for another amount.
    assert_eq!(declined_code(gateway.confirm("pk_x", "order-y", 2_000).await), "PAYMENT_OF_ANOTHER_ORDER");
    assert_eq!(declined_code(gateway.confirm("pk_x", "order-x", 5_000).await), "AMOUNT_MISMATCH");
    assert_eq!(fake.confirms().len(), 1, "nothing more was charged");
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn toss_a_key_confirmed_for_one_order_never_completes_another() {
    let fake = FakeToss::start();
    let gateway = toss(&fake, TIMEOUT);
    gateway.confirm("pk_k", "order-a", 3_000).await.unwrap();
    assert_eq!(declined_code(gateway.confirm("pk_k", "order-b", 3_000).await), "PAYMENT_OF_ANOTHER_ORDER");
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn toss_confirm_is_idempotent_per_order() {
    let fake = FakeToss::start();
    let gateway = toss(&fake, TIMEOUT);
    let first = gateway.confirm("pk_1st", "order-o", 4_000).await.unwrap();
    // A second key for the same order (a double submit): Toss replays the order's first
    // approval, so nothing more is charged and the answer names the key that paid.
    let second = gateway.confirm("pk_2nd", "order-o", 4_000).await.unwrap();
    assert_eq!(second, first);
    assert_eq!(second.payment_key, "pk_1st");
    assert_eq!(fake.confirms().len(), 1);
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn toss_confirm_amount_mismatch_is_declined() {
    let fake = FakeToss::start();
    fake.set_charged_amount(Some(999));
    let gateway = toss(&fake, TIMEOUT);
    assert_eq!(declined_code(gateway.confirm("pk_mm", "order-4", 1_000).await), "AMOUNT_MISMATCH");
}

#[tokio::test(flavor = "multi_thread")]
async fn toss_gateway_down_is_unavailable() {
    let fake = FakeToss::start();
    fake.set_down(true);
    let gateway = toss(&fake, TIMEOUT);
    match gateway.confirm("pk_down", "order-5", 1_000).await {
        Err(GatewayError::Unavailable(PortError::Unavailable { dependency, .. })) => assert_eq!(dependency, "payment"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(matches!(gateway.cancel("pk_down", "r").await, Err(GatewayError::Unavailable(_))));
    fake.set_down(false);
    gateway.confirm("pk_down", "order-5", 1_000).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn toss_connection_refused_is_unavailable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let gateway = TossGateway::new(TossOptions {
        base_url: format!("http://127.0.0.1:{port}"),
        secret_key: "sk".into(),
        webhook_secret: WEBHOOK_SECRET.into(),
        timeout: TIMEOUT,
    })
    .unwrap();
    assert!(matches!(gateway.confirm("pk", "order", 1).await, Err(GatewayError::Unavailable(_))));
}

#[tokio::test(flavor = "multi_thread")]
async fn toss_slow_gateway_times_out() {
    let fake = FakeToss::start();
    fake.set_delay(Duration::from_secs(3));
    let gateway = toss(&fake, Duration::from_millis(300));
    match gateway.confirm("pk_slow", "order-6", 1_000).await {
        Err(GatewayError::Unavailable(PortError::Timeout { dependency, after_ms })) => {
            assert_eq!(dependency, "payment");
            assert_eq!(after_ms, 300);
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(matches!(gateway.cancel("pk_slow", "r").await, Err(GatewayError::Unavailable(PortError::Timeout { .. }))));
}

#[tokio::test(flavor = "multi_thread")]
async fn toss_wrong_secret_is_declined() {
    let fake = FakeToss::start();
    let gateway = TossGateway::new(TossOptions {
        base_url: fake.base_url(),
        secret_key: "test_sk_wrong".into(),
        webhook_secret: WEBHOOK_SECRET.into(),
        timeout: TIMEOUT,
    })
    .unwrap();
    assert_eq!(declined_code(gateway.confirm("pk_auth", "order-7", 1_000).await), "UNAUTHORIZED_KEY");
    assert!(fake.confirms().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn toss_cancel_twice_is_ok() {
    let fake = FakeToss::start();
    let gateway = toss(&fake, TIMEOUT);
    // A key needing path escaping.
    let key = "pk cancel/é";
    gateway.confirm(key, "order-8", 3_000).await.unwrap();
    gateway.cancel(key, "customer asked").await.unwrap();
    gateway.cancel(key, "customer asked").await.unwrap();
    assert_eq!(fake.cancels(), vec![key.to_owned()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn toss_cancel_unknown_is_declined() {
    let fake = FakeToss::start();
    let gateway = toss(&fake, TIMEOUT);
    assert_eq!(declined_code(gateway.cancel("pk_nope", "r").await), "NOT_FOUND_PAYMENT");
    assert!(fake.cancels().is_empty());
}

#[test]
fn toss_rejects_a_bad_base_url() {
    let options = |base_url: &str| TossOptions {
        base_url: base_url.into(),
        secret_key: "sk".into(),
        webhook_secret: "w".into(),
        timeout: TIMEOUT,
    };
    assert!(TossGateway::new(options("not a url")).is_err());
    assert!(TossGateway::new(options("mailto:x@example.com")).is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn fake_stops_when_dropped() {
    let fake = FakeToss::start();
    let gateway = toss(&fake, TIMEOUT);
    gateway.confirm("pk_drop", "order-9", 1).await.unwrap();
    drop(fake);
    let mut refused = false;
    for _ in 0..50 {
        if matches!(gateway.confirm("pk_drop2", "order-10", 1).await, Err(GatewayError::Unavailable(_))) {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused, "the fake kept answering after drop");
}

// ---- webhooks ----

fn webhook_body(status: &str) -> Vec<u8> {
    format!(
        r#"{{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-11-22T10:00:00.000000","data":{{"paymentKey":"pk_w","orderId":"order-w","status":"{status}"}}}}"#
    )
    .into_bytes()
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

const NOW: i64 = 1_790_000_000;

fn gateways() -> Vec<Box<dyn PaymentGateway>> {
    let toss = TossGateway::new(TossOptions {
        base_url: "http://127.0.0.1:9".into(),
        secret_key: "sk".into(),
        webhook_secret: WEBHOOK_SECRET.into(),
        timeout: TIMEOUT,
    })
    .unwrap();
    let simulator = SimulatedGateway::new(SimulatorOptions {
        latency: Duration::ZERO,
        failure_rate: 0.0,
        webhook_secret: WEBHOOK_SECRET.into(),
    });
    vec![Box::new(toss), Box::new(simulator)]
}

#[test]
fn webhook_valid_signature_is_accepted_and_statuses_are_mapped() {
    let time = NOW.to_string();
    for gateway in gateways() {
        for (status, expected) in [
            ("DONE", GatewayStatus::Done),
            ("CANCELED", GatewayStatus::Canceled),
            ("PARTIAL_CANCELED", GatewayStatus::PartiallyCanceled),
            ("WAITING_FOR_DEPOSIT", GatewayStatus::Other),
            ("ABORTED", GatewayStatus::Other),
        ] {
            let body = webhook_body(status);
            let signature = sign_webhook(WEBHOOK_SECRET, &body, &time);
            assert!(signature.starts_with("v1:"));
            let event = gateway.verify_webhook(&signature, &time, &body, at(NOW + 10)).unwrap();
            assert_eq!(event.payment_key, "pk_w");
            assert_eq!(event.order_id, "order-w");
            assert_eq!(event.status, expected, "{status}");
        }
    }
}

#[test]
fn webhook_accepts_any_of_several_signatures() {
    let time = NOW.to_string();
    let body = webhook_body("DONE");
    let good = sign_webhook(WEBHOOK_SECRET, &body, &time);
    let old = sign_webhook("previous-secret", &body, &time);
    for gateway in gateways() {
        let header = format!("{old}, v1:bm90LWEtc2lnbmF0dXJl,{good}");
        assert!(gateway.verify_webhook(&header, &time, &body, at(NOW)).is_ok());
        assert_eq!(gateway.verify_webhook(&old, &time, &body, at(NOW)).unwrap_err(), "signature mismatch");
    }
}

#[test]
fn webhook_tampered_body_is_rejected() {
    let time = NOW.to_string();
    let body = webhook_body("CANCELED");
    let signature = sign_webhook(WEBHOOK_SECRET, &body, &time);
    let tampered = webhook_body("DONE");
    for gateway in gateways() {
        assert_eq!(gateway.verify_webhook(&signature, &time, &tampered, at(NOW)).unwrap_err(), "signature mismatch");
        // Signed for another time than the header claims.
        let later = (NOW + 1).to_string();
        assert_eq!(gateway.verify_webhook(&signature, &later, &body, at(NOW)).unwrap_err(), "signature mismatch");
    }
}

#[test]
fn webhook_old_or_future_time_is_rejected() {
    let body = webhook_body("DONE");
    for gateway in gateways() {
        for sent in [NOW - 301, NOW + 301, NOW - 86_400] {
            let time = sent.to_string();
            let signature = sign_webhook(WEBHOOK_SECRET, &body, &time);
            assert_eq!(
                gateway.verify_webhook(&signature, &time, &body, at(NOW)).unwrap_err(),
                "transmission time too old"
            );
        }
        for sent in [NOW - 300, NOW + 300] {
            let time = sent.to_string();
            let signature = sign_webhook(WEBHOOK_SECRET, &body, &time);
            assert!(gateway.verify_webhook(&signature, &time, &body, at(NOW)).is_ok());
        }
        let signature = sign_webhook(WEBHOOK_SECRET, &body, "soon");
        assert_eq!(
            gateway.verify_webhook(&signature, "soon", &body, at(NOW)).unwrap_err(),
            "transmission time unreadable"
        );
    }
}

#[test]
fn webhook_missing_signature_or_unreadable_body_is_rejected() {
    let time = NOW.to_string();
    let body = webhook_body("DONE");
    for gateway in gateways() {
        assert_eq!(gateway.verify_webhook("", &time, &body, at(NOW)).unwrap_err(), "signature missing");
        assert_eq!(gateway.verify_webhook("  ", &time, &body, at(NOW)).unwrap_err(), "signature missing");
        let junk = b"not json".to_vec();
        let signature = sign_webhook(WEBHOOK_SECRET, &junk, &time);
        assert_eq!(gateway.verify_webhook(&signature, &time, &junk, at(NOW)).unwrap_err(), "body unreadable");
    }
}

// ---- simulator ----

fn simulator(latency: Duration, failure_rate: f64) -> SimulatedGateway {
    SimulatedGateway::new(SimulatorOptions { latency, failure_rate, webhook_secret: WEBHOOK_SECRET.into() })
}

#[tokio::test(flavor = "multi_thread")]
async fn simulator_without_failures_approves() {
    let gateway = simulator(Duration::ZERO, 0.0);
    for i in 0..50 {
        let key = format!("pk_{i}");
        let order = format!("order-{i}");
        let approval = gateway.confirm(&key, &order, 1_000 + i).await.unwrap();
        assert_eq!(approval, PaymentApproval { payment_key: key, order_id: order, amount: 1_000 + i });
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn simulator_with_certain_failure_declines() {
    let gateway = simulator(Duration::ZERO, 1.0);
    for i in 0..50 {
        assert_eq!(
            declined_code(gateway.confirm(&format!("pk_{i}"), &format!("order-{i}"), 1_000).await),
            "REJECT_CARD_PAYMENT"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn simulator_fail_keys_decline() {
    let gateway = simulator(Duration::ZERO, 0.0);
    assert_eq!(declined_code(gateway.confirm("fail-123", "order-1", 1_000).await), "REJECT_CARD_PAYMENT");
    // Never recorded: cancelling it finds nothing.
    assert_eq!(declined_code(gateway.cancel("fail-123", "r").await), "NOT_FOUND_PAYMENT");
}

#[tokio::test(flavor = "multi_thread")]
async fn simulator_respects_latency() {
    let latency = Duration::from_millis(150);
    let gateway = simulator(latency, 0.0);
    let started = Instant::now();
    gateway.confirm("pk_lat", "order-1", 1_000).await.unwrap();
    assert!(started.elapsed() >= latency);
    let started = Instant::now();
    gateway.cancel("pk_lat", "r").await.unwrap();
    assert!(started.elapsed() >= latency);
}

#[tokio::test(flavor = "multi_thread")]
async fn simulator_confirm_is_idempotent_per_order() {
    let gateway = simulator(Duration::ZERO, 0.0);
    gateway.confirm("pk_same", "order-1", 1_000).await.unwrap();
    assert_eq!(
        gateway.confirm("pk_same", "order-1", 1_000).await.unwrap(),
        PaymentApproval { payment_key: "pk_same".into(), order_id: "order-1".into(), amount: 1_000 }
    );
    assert_eq!(declined_code(gateway.confirm("pk_same", "order-2", 1_000).await), "DUPLICATED_PAYMENT_KEY");
    assert_eq!(declined_code(gateway.confirm("pk_same", "order-1", 2_000).await), "AMOUNT_MISMATCH");
}

#[tokio::test(flavor = "multi_thread")]
async fn simulator_cancel_semantics() {
    let gateway = simulator(Duration::ZERO, 0.0);
    assert_eq!(declined_code(gateway.cancel("pk_unknown", "r").await), "NOT_FOUND_PAYMENT");
    gateway.confirm("pk_c", "order-1", 1_000).await.unwrap();
    gateway.cancel("pk_c", "r").await.unwrap();
    gateway.cancel("pk_c", "r").await.unwrap();
    assert_eq!(declined_code(gateway.confirm("pk_c", "order-1", 1_000).await), "ALREADY_CANCELED_PAYMENT");
}

#[tokio::test(flavor = "multi_thread")]
async fn simulator_partial_failure_rate_declines_some() {
    let gateway = simulator(Duration::ZERO, 0.5);
    let mut declined = 0;
    for i in 0..400 {
        if gateway.confirm(&format!("pk_{i}"), &format!("order-{i}"), 1_000).await.is_err() {
            declined += 1;
        }
    }
    // 400 draws at p = 0.5: outside 100..=300 is astronomically unlikely.
    assert!((100..=300).contains(&declined), "{declined} declined");
}

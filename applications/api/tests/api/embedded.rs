//! Embedded mode: no servers.

use crate::helpers::*;
use cercat_certificate::ports::SCHEDULE_TOPIC;
use cercat_config::Profile;
use chrono::Utc;
use reqwest::Method;
use std::time::Duration as StdDuration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_have_the_shapes_the_web_client_reads() {
    let app = spawn_embedded().await;
    let list = app.get_json("/api/v2/certificates", 200).await;
    assert_eq!(list["result"][0]["certificateId"], 1);
    assert_eq!(list["result"][0]["certificateName"], "정보처리기사");

    let detail = app.get_json("/api/v2/certificates/1", 200).await;
    assert_eq!(detail["result"]["maxScore"], 500);
    assert_eq!(detail["result"]["subjects"].as_array().unwrap().len(), 5);
    assert_eq!(detail["result"]["subjects"][0]["subjectName"], "소프트웨어 설계");
    assert_eq!(detail["result"]["subjects"][0]["numberOfQuestions"], 20);

    let exam = app.get_json("/api/v2/certificates/1/certificate-exams", 200).await;
    let info = &exam["result"]["examInfo"];
    assert_eq!(exam["result"]["certificate"]["certificateName"], "정보처리기사");
    for field in
        ["applicationStartDateTime", "applicationDeadlineDateTime", "resultAnnouncementDateTime", "examDateTime"]
    {
        let text = info["examSchedule"][field].as_str().unwrap_or_else(|| panic!("{field} missing"));
        chrono::DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{field}={text}: {e}"));
    }
    let exam_at = chrono::DateTime::parse_from_rfc3339(info["examSchedule"]["examDateTime"].as_str().unwrap()).unwrap();
    assert!(exam_at > Utc::now(), "the next exam is in the future");
    assert!(info["examFee"]["writtenExamFee"].is_i64());
    assert!(info["examTimeLimit"]["writtenExamTimeLimit"].is_i64());
    assert_eq!(info["passingCriteria"]["totalAvgCriteria"], 60);
    assert!(info["subjectsInfo"].as_str().unwrap().contains("데이터베이스 구축"));
    for field in ["examYear", "round", "description", "examFormat", "examEligibility"] {
        assert!(!info[field].is_null(), "{field} missing");
    }
    let previous = app.get_json("/api/v2/certificates/1/certificate-exams/previous", 200).await;
    assert!(previous["result"]["examInfo"]["examYear"].as_i64() <= info["examYear"].as_i64());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_4xx_in_the_envelope_never_plain_text() {
    let app = spawn_embedded().await;
    let body = app.get_json("/api/v2/certificates/abc", 400).await;
    assert_eq!(body["responseCode"], "GLB_004");
    let body = app.get_json("/api/v2/certificates/99999999999999999999", 400).await;
    assert_eq!(body["responseCode"], "GLB_004");
    let body = app.get_json("/api/v2/certificates/0", 400).await;
    assert_eq!(body["errors"][0]["field"], "certificateId");
    let body = app.get_json("/api/v2/certificates/-5/certificate-exams", 400).await;
    assert_eq!(body["responseCode"], "GLB_004");
    let body = app.get_json("/api/v2/certificates/424242", 404).await;
    assert_eq!(body["responseCode"], "CRT_001");
    let body = app.get_json("/api/v2/certificates/424242/certificate-exams", 404).await;
    assert_eq!(body["responseCode"], "CRT_001");
    let body = app.get_json("/no/such/route", 404).await;
    assert_eq!(body["responseCode"], "GLB_006");
    let res = app.client.delete(format!("{}/api/v2/certificates/1", app.base)).send().await.unwrap();
    assert_eq!(res.headers()["allow"], "GET", "a 405 says what the path answers (RFC 9110)");
    let body = assert_json(res, 405).await;
    assert_eq!(body["responseCode"], "GLB_007");
    let res = app.client.put(format!("{}/api/v2/users/me", app.base)).send().await.unwrap();
    assert_eq!(res.headers()["allow"], "GET, DELETE, PATCH");
    let res = app
        .client
        .get(format!("{}/api/v2/certificates", app.base))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123", "a well-formed request id is echoed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_without_schedules_answers_crt_002() {
    let app = spawn_embedded().await;
    // Certificates 1-3 all have schedules; move every schedule of 3 into the past by deleting them.
    use sea_orm::ConnectionTrait;
    app.state
        .services
        .adapters()
        .db
        .conn()
        .execute_unprepared("DELETE FROM exam_schedules WHERE certificate_id = 3")
        .await
        .unwrap();
    let body = app.get_json("/api/v2/certificates/3/certificate-exams", 404).await;
    assert_eq!(body["responseCode"], "CRT_002");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_answers_the_configured_origin_exactly_with_credentials() {
    let app = spawn_embedded().await;
    let res = app
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/api/v2/certificates/1", app.base))
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "PATCH")
        .header("Access-Control-Request-Headers", "access-token, refresh-token, content-type")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    assert_eq!(res.headers()["access-control-allow-origin"], ORIGIN);
    assert_eq!(res.headers()["access-control-allow-credentials"], "true");
    let allowed = res.headers()["access-control-allow-headers"].to_str().unwrap().to_owned();
    for h in ["access-token", "refresh-token", "content-type"] {
        assert!(allowed.contains(h), "{allowed}");
    }

    let res =
        app.client.get(format!("{}/api/v2/certificates", app.base)).header("Origin", ORIGIN).send().await.unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], ORIGIN);
    let exposed = res.headers()["access-control-expose-headers"].to_str().unwrap().to_owned();
    assert!(exposed.contains("access-token") && exposed.contains("refresh-token"), "{exposed}");

    let res = app
        .client
        .get(format!("{}/api/v2/certificates", app.base))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none(), "an unknown origin gets no CORS grant");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_metrics_and_offline_docs_are_served() {
    let app = spawn_embedded().await;
    app.get_json("/health", 200).await;
    app.get_json("/health/live", 200).await;
    // The public answer is the status only; an ADMIN token gets each dependency.
    let ready = app.get_json("/health/ready", 200).await;
    assert_eq!(ready["result"], serde_json::json!({ "status": "UP" }));
    let admin = app.log_in("admin@cercat.dev", "admin-pass-1234").await["accessToken"].as_str().unwrap().to_owned();
    let user = app.log_in("demo@cercat.dev", "demo-pass-1234").await["accessToken"].as_str().unwrap().to_owned();
    let detailed = |token: String| {
        let req = app.client.get(format!("{}/health/ready", app.base)).header("Access-Token", token);
        async move { assert_json(req.send().await.unwrap(), 200).await }
    };
    let ready = detailed(admin).await;
    assert_eq!(ready["result"]["checks"]["database"]["status"], "UP");
    assert_eq!(ready["result"]["checks"]["storage"]["status"], "UP");
    assert!(detailed(user).await["result"].get("checks").is_none(), "a USER token sees the status only");

    app.get_json("/api/v2/certificates/1", 200).await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics
            .contains(r#"http_requests_total{method="GET",route="/api/v2/certificates/{certificateId}",status="200"}"#),
        "{metrics}"
    );
    assert!(metrics.contains("http_request_duration_seconds_bucket"), "{metrics}");

    let doc = app.get_json_raw("/api-docs/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v2/certificates/{certificateId}/certificate-exams"]["get"].is_object());
    assert!(doc["info"]["description"].as_str().unwrap().contains("CRT_001"));
    let page = app.get("/docs/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(!html.contains("cdn") && !html.contains("unpkg"), "the docs UI must not load from a CDN");
    let bundle = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status(), 200, "Swagger UI assets are vendored into the binary");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_database_degrades_to_opaque_503s_and_flips_readiness() {
    let app = spawn_embedded().await;
    app.state.services.adapters().db.conn().close_by_ref().await.unwrap();
    let body = app.get_json("/api/v2/certificates", 503).await;
    assert_eq!(body["responseCode"], "GLB_008");
    assert!(body["requestId"].is_string());
    let text = body.to_string();
    assert!(!text.contains("sqlite") && !text.contains("Pool"), "driver details must not leak: {text}");
    // Publicly, readiness says only that it is not ready — no dependency names or errors
    // (the admin port's /health/ready has them: tested in the admin tests).
    let ready = app.get_json("/health/ready", 503).await;
    assert_eq!((ready["responseCode"].as_str(), ready["message"].as_str()), (Some("GLB_008"), Some("not ready")));
    assert_eq!(ready["errors"], serde_json::json!([]));
    let text = ready.to_string();
    assert!(!text.contains("database") && !text.contains("sqlite") && !text.contains("Pool"), "{text}");
    app.get_json("/health/live", 200).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedule_changes_reach_the_bus_through_the_outbox() {
    let app = spawn_embedded().await;
    let mut sub = app.state.services.events.consumer.subscribe("test-listener", &[SCHEDULE_TOPIC]).await.unwrap();
    let draft = schedule_draft(2, 2035, 1);
    app.state.certificates.import_schedule(&draft).await.unwrap();
    let mut seen = None;
    for _ in 0..50 {
        if let Some(cercat_common::events::Received::Event(d)) = sub.next(StdDuration::from_millis(200)).await.unwrap()
            && d.event.payload["examYear"] == 2035
        {
            seen = Some(d);
            break;
        }
    }
    let delivery = seen.expect("the relay publishes the outbox row");
    assert_eq!(delivery.event.event_type, "ExamScheduleChanged");
    assert_eq!(delivery.event.payload["certificateId"], 2);
    for _ in 0..50 {
        if app.state.services.backlog.unsent().await.unwrap() == 0 {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("sent rows must be marked sent");
}

#[tokio::test]
async fn the_committed_openapi_document_matches_the_code() {
    let unresolved = cercat_http::openapi::unresolved_refs(&cercat_api::openapi::document());
    assert!(unresolved.is_empty(), "references to no component: {unresolved:?}");
    let generated = cercat_api::openapi::document_json();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test --workspace --test api openapi` and commit it"
    );
}

/// A fresh embedded app with the demo accounts shows a live community and market to the demo
/// student: posts of each kind on board 1 with comments and likes, an open course, market
/// products on sale, reserved and sold, a usable coupon and an open first-come event — made
/// once, by the services.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_demo_shows_posts_a_course_products_a_coupon_and_an_open_coupon_event() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(Profile::Embedded, &dir);
    s.seed.demo_content = true;
    let app = spawn(s, dir, Vec::new()).await;
    assert_eq!(app.state.services.seed_demo_accounts().await.unwrap(), 0, "the app made the accounts at start");
    let token = app.log_in("demo@cercat.dev", "demo-pass-1234").await["accessToken"].as_str().unwrap().to_owned();
    let posts = app.authed(Method::GET, "/api/v2/certificates/1/posts?page=0&size=10", &token, 200).await;
    let kinds: Vec<&str> =
        posts["result"]["content"].as_array().unwrap().iter().map(|p| p["postType"].as_str().unwrap()).collect();
    for kind in ["NORMAL", "TIP", "COMMENTARY"] {
        assert!(kinds.contains(&kind), "a {kind} post on board 1: {kinds:?}");
    }
    let liked =
        posts["result"]["content"].as_array().unwrap().iter().filter(|p| p["likeCount"].as_i64() > Some(0)).count();
    assert!(liked >= 2, "{posts}");
    let courses = app.authed(Method::GET, "/api/v2/courses?page=0&size=10", &token, 200).await;
    assert!(courses["result"]["content"].as_array().unwrap().iter().any(|c| c["enrollmentOpen"] == true), "{courses}");
    let coupons = app.authed(Method::GET, "/api/v2/coupons/me?state=USABLE", &token, 200).await;
    assert_eq!(coupons["result"].as_array().unwrap().len(), 1, "{coupons}");
    let event = app.authed(Method::GET, "/api/v2/coupon-events/1", &token, 200).await;
    assert_eq!((event["result"]["remaining"].as_u64(), event["result"]["claimed"].as_bool()), (Some(100), Some(false)));
    let claimed = app.authed(Method::POST, "/api/v2/coupon-events/1/claims", &token, 201).await;
    assert_eq!(claimed["result"]["source"], "EVENT");
    let products = app.authed(Method::GET, "/api/v2/products?certificateId=1", &token, 200).await;
    let states: Vec<&str> =
        products["result"]["content"].as_array().unwrap().iter().map(|p| p["status"].as_str().unwrap()).collect();
    for state in ["ON_SALE", "RESERVED", "SOLD"] {
        assert!(states.contains(&state), "a {state} product: {states:?}");
    }
    let bought = app.authed(Method::GET, "/api/v2/orders/me?role=BUYER", &token, 200).await;
    let orders: Vec<&str> =
        bought["result"]["content"].as_array().unwrap().iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(orders, ["PAID", "PENDING_PAYMENT"], "{bought}");
}

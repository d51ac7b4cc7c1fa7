//! The admin HTTP API: ADMIN only, certificate and schedule management, its own OpenAPI.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cercat_admin::AdminServer;
use cercat_config::{Profile, Settings};
use reqwest::{Client, Method};
use serde_json::{Value, json};

struct Admin {
    base: String,
    client: Client,
    admin: String,
    user: String,
    _dir: tempfile::TempDir,
}

async fn spawn() -> Admin {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Settings::defaults(Profile::Embedded);
    s.data_dir = dir.path().to_path_buf();
    s.admin.port = 0;
    let server = AdminServer::build(s.resolve().unwrap()).await.unwrap();
    let infra = server.state().infra.clone();
    infra.seed_demo().await.unwrap();
    infra.seed_demo_accounts().await.unwrap();
    let accounts = infra.account_service();
    let admin = accounts.login("admin@cercat.dev", "admin-pass-1234", "127.0.0.1").await.unwrap().access_token;
    let user = accounts.login("demo@cercat.dev", "demo-pass-1234", "127.0.0.1").await.unwrap().access_token;
    let base = format!("http://127.0.0.1:{}", server.port());
    tokio::spawn(server.run_until_stopped());
    Admin { base, client: Client::new(), admin, user, _dir: dir }
}

impl Admin {
    async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>, status: u16) -> Value {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header("Access-Token", t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let got = res.status().as_u16();
        let text = res.text().await.unwrap();
        assert_eq!(got, status, "{path}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

fn certificate(name: &str) -> Value {
    json!({
        "certificateName": name,
        "category": "전기",
        "subjects": [
            { "subjectName": "전기자기학", "numberOfQuestions": 20, "totalScore": 100 },
            { "subjectName": "전력공학", "numberOfQuestions": 20, "totalScore": 100 }
        ],
        "passingCriteria": { "subjectPassingCriteria": 40, "totalAvgCriteria": 60, "practicalPassingCriteria": 60 }
    })
}

fn schedule(year: i32) -> Value {
    json!({
        "examYear": year, "round": 1,
        "applicationStartDateTime": format!("{year}-01-10T10:00:00+09:00"),
        "applicationDeadlineDateTime": format!("{year}-01-17T18:00:00+09:00"),
        "examDateTime": format!("{year}-03-01T09:00:00+09:00"),
        "resultAnnouncementDateTime": format!("{year}-03-30T09:00:00+09:00"),
        "writtenExamFee": 19400
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_may_call_the_admin_api() {
    let a = spawn().await;
    let body = a.call(Method::GET, "/admin/v1/certificates", None, None, 401).await;
    assert_eq!(body["responseCode"], "USR_007");
    let body = a.call(Method::GET, "/admin/v1/certificates", Some(&a.user), None, 403).await;
    assert_eq!(body["responseCode"], "USR_009");
    let body = a.call(Method::POST, "/admin/v1/certificates", Some(&a.user), Some(certificate("전기기사")), 403).await;
    assert_eq!(body["responseCode"], "USR_009", "a USER cannot create certificates");
    let list = a.call(Method::GET, "/admin/v1/certificates", Some(&a.admin), None, 200).await;
    assert_eq!(list["result"].as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_certificates_and_schedules() {
    let a = spawn().await;
    let token = Some(a.admin.as_str());
    let created = a.call(Method::POST, "/admin/v1/certificates", token, Some(certificate("전기기사")), 201).await;
    let id = created["result"]["certificateId"].as_i64().unwrap();
    assert_eq!(created["result"]["maxScore"], 200);
    let dup = a.call(Method::POST, "/admin/v1/certificates", token, Some(certificate("전기기사")), 409).await;
    assert_eq!(dup["responseCode"], "CRT_008");
    let mut bad = certificate("x");
    bad["subjects"] = json!([{ "subjectName": "", "numberOfQuestions": 0, "totalScore": 100 }]);
    let invalid = a.call(Method::POST, "/admin/v1/certificates", token, Some(bad), 400).await;
    assert_eq!(invalid["responseCode"], "GLB_005");
    assert!(
        invalid["errors"].as_array().unwrap().iter().any(|e| e["field"] == "subjects[0].numberOfQuestions"),
        "{invalid}"
    );

    let mut renamed = certificate("전기산업기사");
    renamed["subjects"] = json!([{ "subjectName": "회로이론", "numberOfQuestions": 20, "totalScore": 100 }]);
    let replaced = a.call(Method::PUT, &format!("/admin/v1/certificates/{id}"), token, Some(renamed), 200).await;
    assert_eq!(replaced["result"]["subjects"].as_array().unwrap().len(), 1);
    a.call(Method::PUT, "/admin/v1/certificates/999999", token, Some(certificate("없음")), 404).await;

    let sched = a
        .call(Method::POST, &format!("/admin/v1/certificates/{id}/exam-schedules"), token, Some(schedule(2031)), 201)
        .await;
    let sid = sched["result"]["examScheduleId"].as_i64().unwrap();
    let dup = a
        .call(Method::POST, &format!("/admin/v1/certificates/{id}/exam-schedules"), token, Some(schedule(2031)), 409)
        .await;
    assert_eq!(dup["responseCode"], "CRT_008");
    let mut out_of_order = schedule(2032);
    out_of_order["examDateTime"] = json!("2031-01-01T09:00:00+09:00");
    let bad = a
        .call(Method::POST, &format!("/admin/v1/certificates/{id}/exam-schedules"), token, Some(out_of_order), 400)
        .await;
    assert_eq!(bad["responseCode"], "CRT_006");
    let mut changed = schedule(2031);
    changed["writtenExamFee"] = json!(20000);
    let replaced = a.call(Method::PUT, &format!("/admin/v1/exam-schedules/{sid}"), token, Some(changed), 200).await;
    assert_eq!(replaced["result"]["writtenExamFee"], 20000);
    let listed = a.call(Method::GET, &format!("/admin/v1/certificates/{id}/exam-schedules"), token, None, 200).await;
    assert_eq!(listed["result"].as_array().unwrap().len(), 1);
    a.call(Method::DELETE, &format!("/admin/v1/exam-schedules/{sid}"), token, None, 200).await;
    assert_eq!(
        a.call(Method::DELETE, &format!("/admin/v1/exam-schedules/{sid}"), token, None, 404).await["responseCode"],
        "CRT_009"
    );
    a.call(Method::DELETE, &format!("/admin/v1/certificates/{id}"), token, None, 200).await;
    a.call(Method::DELETE, &format!("/admin/v1/certificates/{id}"), token, None, 404).await;
    a.call(Method::GET, "/admin/v1/job-runs?limit=5", token, None, 200).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_has_its_own_openapi_document_and_offline_docs() {
    let a = spawn().await;
    let doc: Value =
        a.client.get(format!("{}/api-docs/openapi.json", a.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/admin/v1/certificates"]["post"].is_object());
    assert!(doc["paths"].get("/api/v2/certificates").is_none(), "the public API is a separate document");
    assert_eq!(a.client.get(format!("{}/docs/", a.base)).send().await.unwrap().status(), 200);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/admin-openapi.json");
    let generated = cercat_admin::admin_document_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    assert!(
        std::fs::read_to_string(&path).unwrap_or_default() == generated,
        "docs/admin-openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test --workspace --test admin` and commit it"
    );
}

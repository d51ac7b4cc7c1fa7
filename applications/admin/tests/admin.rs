//! The admin HTTP API: ADMIN only, certificate and schedule management, its own OpenAPI.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cercat_admin::AdminServer;
use cercat_config::{Profile, Settings};
use reqwest::{Client, Method};
use serde_json::{Value, json};

#[path = "admin/users.rs"]
mod users;

struct Admin {
    base: String,
    client: Client,
    admin: String,
    user: String,
    user_id: i64,
    settings: Settings,
    services: cercat_bootstrap::Services,
    _dir: tempfile::TempDir,
}

async fn spawn() -> Admin {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Settings::defaults(Profile::Embedded);
    s.data_dir = dir.path().to_path_buf();
    s.admin.port = 0;
    let settings = s.resolve().unwrap();
    let server = AdminServer::build(settings.clone()).await.unwrap();
    let services = server.state().services.clone();
    services.seed_demo().await.unwrap();
    services.seed_demo_accounts().await.unwrap();
    let accounts = services.accounts.clone();
    let admin = accounts.login("admin@cercat.dev", "admin-pass-1234", "127.0.0.1").await.unwrap().access_token;
    let user = accounts.login("demo@cercat.dev", "demo-pass-1234", "127.0.0.1").await.unwrap().access_token;
    let user_id = accounts.authenticate(&user).await.unwrap().sub.get();
    let base = format!("http://127.0.0.1:{}", server.port());
    tokio::spawn(server.run_until_stopped());
    Admin { base, client: Client::new(), admin, user, user_id, settings, services, _dir: dir }
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

/// Embedded mode: the api is another process with its own memory; a logout there must end the
/// admin token here too (and a flood of other cache entries must not push that out).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_through_the_api_process_ends_the_token_on_the_admin_api() {
    let a = spawn().await;
    // "The api process": its own adapters over the same data folder.
    let api = cercat_bootstrap::Services::connect(&a.settings).await.unwrap();
    let accounts = api.accounts.clone();
    let pair = accounts.login("admin@cercat.dev", "admin-pass-1234", "127.0.0.1").await.unwrap();
    a.call(Method::GET, "/admin/v1/certificates", Some(&pair.access_token), None, 200).await;
    let claims = accounts.authenticate(&pair.access_token).await.unwrap();
    accounts.logout(&claims).await.unwrap();
    for i in 0..10_000 {
        api.adapters().cache.set(&format!("report:{i}"), b"x", std::time::Duration::from_secs(60)).await.unwrap();
    }
    // The admin process trusts a "still alive" answer for at most a second.
    let mut refused = false;
    for _ in 0..30 {
        let res = a.client.get(format!("{}/admin/v1/certificates", a.base)).header("Access-Token", &pair.access_token);
        if res.send().await.unwrap().status() == 401 {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(refused, "the admin API refuses the logged-out token within a second");
    let body = a.call(Method::GET, "/admin/v1/certificates", Some(&pair.access_token), None, 401).await;
    assert_eq!(body["responseCode"], "USR_007");
    // Other admin sessions are untouched.
    a.call(Method::GET, "/admin/v1/certificates", Some(&a.admin), None, 200).await;
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
    for limit in ["0", "201", "2147483648", "x"] {
        let path = format!("/admin/v1/job-runs?limit={limit}");
        assert_eq!(a.call(Method::GET, &path, token, None, 400).await["responseCode"], "GLB_003", "{limit}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_has_its_own_openapi_document_and_offline_docs() {
    let a = spawn().await;
    let doc: Value =
        a.client.get(format!("{}/api-docs/openapi.json", a.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/admin/v1/certificates"]["post"].is_object());
    assert!(doc["paths"].get("/api/v2/certificates").is_none(), "the public API is a separate document");
    let declared = cercat_http::openapi::errors::with_error_responses(cercat_admin::admin_declared_document());
    let unresolved = cercat_http::openapi::unresolved_refs(&declared);
    assert!(unresolved.is_empty(), "references to no component: {unresolved:?}");
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

impl Admin {
    async fn raw(&self, method: Method, path: &str, body: Vec<u8>, content_type: &str, status: u16) -> Value {
        let res = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("Access-Token", &self.admin)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let got = res.status().as_u16();
        let text = res.text().await.unwrap();
        assert_eq!(got, status, "{path}: {text}");
        serde_json::from_str(&text).unwrap()
    }
}

fn document(round: i32) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "examYear": 2023, "round": round, "timeLimit": 90, "score": 100, "source": "ignored",
        "questions": [
            { "subjectSeq": 1, "questionNumber": 1, "question": "엔터티의 특징이 아닌 것은?", "choices": ["식별자", "속성", "관계", "인덱스"], "answer": 4 },
            { "subjectSeq": 1, "questionNumber": 2, "question": "식별자의 특징이 아닌 것은?", "choices": ["유일성", "최소성", "불변성", "가변성"], "answer": 4 },
            { "subjectSeq": 2, "questionNumber": 3, "question": "DDL이 아닌 것은?", "choices": ["CREATE", "ALTER", "DROP", "SELECT"], "answer": 4 },
            { "subjectSeq": 2, "questionNumber": 4, "question": "집계 함수가 아닌 것은?", "choices": ["SUM", "AVG", "COUNT", "SUBSTR"], "answer": 4 }
        ]
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_import_edit_illustrate_and_delete_mock_exams() {
    let a = spawn().await;
    let json = "application/json";
    let res = a
        .client
        .post(format!("{}/admin/v1/certificates/3/mock-exams", a.base))
        .header("Access-Token", &a.user)
        .header("content-type", json)
        .body(document(1))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "only admins import");
    let created = a.raw(Method::POST, "/admin/v1/certificates/3/mock-exams", document(1), json, 201).await;
    let exam = &created["result"]["mockExam"];
    assert_eq!((exam["maxScore"].as_i64(), exam["timeLimit"].as_i64()), (Some(100), Some(5_400_000)));
    let questions = created["result"]["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 4);
    assert_eq!(questions[2]["subject"]["subjectName"], "SQL 기본과 활용");
    assert_eq!(questions[2]["score"], 25);
    let id = exam["mockExamId"].as_i64().unwrap();

    let dup = a.raw(Method::POST, "/admin/v1/certificates/3/mock-exams", document(1), json, 409).await;
    assert_eq!(dup["responseCode"], "MEX_006");
    let mut broken: Value = serde_json::from_slice(&document(2)).unwrap();
    broken["questions"][3]["answer"] = json!(9);
    let broken = serde_json::to_vec(&broken).unwrap();
    let bad = a.raw(Method::POST, "/admin/v1/certificates/3/mock-exams", broken, json, 400).await;
    assert_eq!(bad["responseCode"], "MEX_005");
    assert!(bad["message"].as_str().unwrap().contains("question 4"), "{bad}");
    let garbage =
        a.raw(Method::POST, "/admin/v1/certificates/3/mock-exams", b"{\"examYear\":".to_vec(), json, 400).await;
    assert_eq!(garbage["responseCode"], "MEX_005");
    let missing = a.raw(Method::POST, "/admin/v1/certificates/999/mock-exams", document(3), json, 404).await;
    assert_eq!(missing["responseCode"], "CRT_001");

    // Read it once (cached), edit, and read again: the edit shows at once.
    a.call(Method::GET, &format!("/admin/v1/mock-exams/{id}"), Some(&a.admin), None, 200).await;
    let edit = json!({ "questionText": "식별자의 특징으로 옳지 않은 것은?", "options": ["유일성", "최소성", "가변성", "존재성"], "correctOption": 3, "score": 40 });
    a.call(Method::PUT, &format!("/admin/v1/mock-exams/{id}/questions/2"), Some(&a.admin), Some(edit.clone()), 200)
        .await;
    let got = a.call(Method::GET, &format!("/admin/v1/mock-exams/{id}"), Some(&a.admin), None, 200).await;
    assert_eq!(got["result"]["mockExam"]["maxScore"], 115);
    assert_eq!(got["result"]["questions"][1]["correctOption"], 3);
    assert_eq!(got["result"]["questions"][1]["questionOptions"][2]["optionContent"], "가변성");
    let mut bad_edit = edit.clone();
    bad_edit["correctOption"] = json!(5);
    let err = a
        .call(Method::PUT, &format!("/admin/v1/mock-exams/{id}/questions/2"), Some(&a.admin), Some(bad_edit), 400)
        .await;
    assert_eq!(
        (err["responseCode"].as_str(), err["errors"][0]["field"].as_str()),
        (Some("MEX_012"), Some("correctOption"))
    );
    a.call(Method::PUT, &format!("/admin/v1/mock-exams/{id}/questions/9"), Some(&a.admin), Some(edit), 404).await;

    // Images: checked by content; URLs come back in the question set.
    let png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];
    let up = a
        .raw(Method::PUT, &format!("/admin/v1/mock-exams/{id}/questions/1/image"), png.clone(), "image/png", 200)
        .await;
    let url = up["result"]["url"].as_str().unwrap().to_owned();
    assert!(url.ends_with(".png"), "{url}");
    a.raw(
        Method::PUT,
        &format!("/admin/v1/mock-exams/{id}/questions/1/options/2/image"),
        png.clone(),
        "image/png",
        200,
    )
    .await;
    let not_image = a
        .raw(Method::PUT, &format!("/admin/v1/mock-exams/{id}/questions/1/image"), b"hello".to_vec(), "image/png", 400)
        .await;
    assert_eq!(not_image["responseCode"], "MEX_010");
    let no_option = a
        .raw(Method::PUT, &format!("/admin/v1/mock-exams/{id}/questions/1/options/7/image"), png, "image/png", 404)
        .await;
    assert_eq!(no_option["responseCode"], "MEX_011");
    let got = a.call(Method::GET, &format!("/admin/v1/mock-exams/{id}"), Some(&a.admin), None, 200).await;
    assert_eq!(got["result"]["questions"][0]["questionImage"], url);
    assert!(got["result"]["questions"][0]["questionOptions"][1]["optionImage"].as_str().unwrap().ends_with(".png"));

    a.call(Method::DELETE, &format!("/admin/v1/mock-exams/{id}"), Some(&a.admin), None, 200).await;
    let gone = a.call(Method::GET, &format!("/admin/v1/mock-exams/{id}"), Some(&a.admin), None, 404).await;
    assert_eq!(gone["responseCode"], "MEX_001");
    let audit = a.call(Method::GET, &format!("/admin/v1/audit?target=mock-exam:{id}"), Some(&a.admin), None, 200).await;
    let actions: Vec<_> = audit["result"]["content"].as_array().unwrap().iter().map(|e| e["action"].clone()).collect();
    assert_eq!(actions.first(), Some(&json!("mock-exam.delete")), "{audit}");
    assert_eq!(actions.last(), Some(&json!("mock-exam.import")), "{audit}");
    assert!(actions.contains(&json!("mock-exam.question.edit")) && actions.contains(&json!("mock-exam.image.upload")));
    // The demo exam has results once someone takes it; such an exam cannot be deleted (tested
    // in the API suite through the service); an unknown one is 404.
    a.call(Method::DELETE, "/admin/v1/mock-exams/999999", Some(&a.admin), None, 404).await;
    // A certificate with mock exams cannot be deleted (the demo exam belongs to certificate 1)…
    let busy = a.call(Method::DELETE, "/admin/v1/certificates/1", Some(&a.admin), None, 409).await;
    assert_eq!(busy["responseCode"], "CRT_011");
    // …and replacing its subjects keeps their ids, which questions and results refer to.
    let before = a.call(Method::GET, "/admin/v1/mock-exams/1", Some(&a.admin), None, 200).await;
    let subject_id = before["result"]["questions"][0]["subject"]["subjectId"].clone();
    let mut renamed = certificate("정보처리기사");
    renamed["subjects"] = json!([
        { "subjectName": "소프트웨어 설계 (개정)", "numberOfQuestions": 20, "totalScore": 100 },
        { "subjectName": "소프트웨어 개발", "numberOfQuestions": 20, "totalScore": 100 },
        { "subjectName": "데이터베이스 구축", "numberOfQuestions": 20, "totalScore": 100 },
        { "subjectName": "프로그래밍 언어 활용", "numberOfQuestions": 20, "totalScore": 100 },
        { "subjectName": "정보시스템 구축 관리", "numberOfQuestions": 20, "totalScore": 100 }
    ]);
    a.call(Method::GET, "/admin/v1/mock-exams/1", Some(&a.admin), None, 200).await; // cached again
    a.call(Method::PUT, "/admin/v1/certificates/1", Some(&a.admin), Some(renamed), 200).await;
    let after = a.call(Method::GET, "/admin/v1/mock-exams/1", Some(&a.admin), None, 200).await;
    assert_eq!(after["result"]["questions"][0]["subject"]["subjectId"], subject_id);
    assert_eq!(after["result"]["questions"][0]["subject"]["subjectName"], "소프트웨어 설계 (개정)");
}

/// Runs `cercat-admin` in embedded mode over `data_dir`.
fn cli(data_dir: &std::path::Path) -> impl Fn(&[&str]) -> std::process::Output + '_ {
    move |args| {
        std::process::Command::new(env!("CARGO_BIN_EXE_cercat-admin"))
            .args(args)
            .env("CERCAT__DATA_DIR", data_dir)
            .env("CERCAT__LOG__LEVEL", "warn")
            .output()
            .unwrap()
    }
}

#[test]
fn the_cli_imports_a_mock_exam_file_and_explains_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let admin = cli(dir.path());
    assert!(admin(&["migrate", "up"]).status.success());
    assert!(admin(&["seed", "--demo"]).status.success());
    let file = dir.path().join("exam.json");
    std::fs::write(&file, document(7)).unwrap();
    let out = admin(&["import-mock-exam", file.to_str().unwrap(), "--certificate", "3"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("4 questions, max score 100"), "{stdout}");
    // The same year and round again is refused; so is a broken document, naming the question.
    let again = admin(&["import-mock-exam", file.to_str().unwrap(), "--certificate", "3"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has a mock exam for 2023 round 7"));
    let mut broken: Value = serde_json::from_slice(&document(8)).unwrap();
    broken["questions"][1]["choices"] = json!(["하나", "둘"]);
    std::fs::write(&file, serde_json::to_vec(&broken).unwrap()).unwrap();
    let bad = admin(&["import-mock-exam", file.to_str().unwrap(), "--certificate", "3"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("question 2: must have 4 or 5 choices"));
    let missing = admin(&["import-mock-exam", "/nonexistent.json", "--certificate", "3"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_lists_and_replays_dead_letters() {
    use cercat_common::events::{DeadLetter, EventEnvelope};
    let dir = tempfile::tempdir().unwrap();
    let admin = cli(dir.path());
    assert!(admin(&["migrate", "up"]).status.success());
    let mut s = Settings::defaults(Profile::Embedded);
    s.data_dir = dir.path().to_path_buf();
    let services = cercat_bootstrap::Services::connect(&s.resolve().unwrap()).await.unwrap();
    let event = EventEnvelope::new(
        "community.post-liked",
        "post",
        "9",
        "PostLiked",
        json!({ "receiverId": "nobody" }),
        chrono::Utc::now(),
    );
    let letter = |event: Option<EventEnvelope>| DeadLetter {
        id: uuid::Uuid::now_v7(),
        group: "alarm.store".into(),
        topic: "community.post-liked".into(),
        key: Some("9".into()),
        payload: event.is_none().then(|| "{garbage".into()),
        event,
        error: "corrupt data: bad receiverId".into(),
        attempts: 1,
        failed_at: chrono::Utc::now(),
        position: None,
    };
    services.adapters().dead_letters.add(&letter(Some(event.clone()))).await.unwrap();
    services.adapters().dead_letters.add(&letter(None)).await.unwrap();

    let list = admin(&["dlq", "list"]);
    let out = String::from_utf8_lossy(&list.stdout);
    assert!(list.status.success(), "{out} {}", String::from_utf8_lossy(&list.stderr));
    assert!(out.contains(&format!("PostLiked {}", event.id)) && out.contains("group=alarm.store"), "{out}");
    assert!(out.contains("undecodable message (8 bytes)") && out.contains("2 letter(s) waiting"), "{out}");

    let unsent_before = services.backlog.unsent().await.unwrap();
    let replay = admin(&["dlq", "replay"]);
    let out = String::from_utf8_lossy(&replay.stdout);
    assert!(out.contains("replayed 1 event(s), discarded 0, 1 letter(s) left"), "{out}");
    assert_eq!(services.backlog.unsent().await.unwrap(), unsent_before + 1, "the event is back in the outbox");
    let replay = admin(&["dlq", "replay", "--discard-undecodable"]);
    assert!(String::from_utf8_lossy(&replay.stdout).contains("replayed 0 event(s), discarded 1, 0 letter(s) left"));
    assert_eq!(services.backlog.dead_letter_count().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_verifies_a_courses_invariant() {
    let dir = tempfile::tempdir().unwrap();
    let admin = cli(dir.path());
    assert!(admin(&["migrate", "up"]).status.success());
    assert!(admin(&["seed", "--demo"]).status.success());
    let mut s = Settings::defaults(Profile::Embedded);
    s.data_dir = dir.path().to_path_buf();
    let services = cercat_bootstrap::Services::connect(&s.resolve().unwrap()).await.unwrap();
    let ids =
        cercat_database::seed::load_students(&services.adapters().db, "verify", 3, chrono::Utc::now()).await.unwrap();
    let courses = services.courses.clone();
    let now = chrono::Utc::now();
    let draft = cercat_course::CourseDraft {
        title: "검증용 강의".into(),
        description: "invariant".into(),
        certificate_id: 1,
        capacity: 2,
        price: 1000,
        opens_at: now - chrono::Duration::minutes(1),
        closes_at: now + chrono::Duration::hours(1),
        waiting_room: false,
        admission_rate: None,
    };
    let course = courses.create(ids[0], draft).await.unwrap().id;
    courses.enroll(ids[1], course, None, &[]).await.unwrap();
    courses.enroll(ids[2], course, None, &[]).await.unwrap();

    let out = admin(&["course", "verify", &course.to_string()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("capacity 2, seat counter 2, pending 2") && stdout.contains("invariant holds"), "{stdout}");
    let json = admin(&["course", "verify", &course.to_string(), "--json"]);
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!((report["pending"].as_u64(), report["violations"].as_array().map(Vec::len)), (Some(2), Some(0)));
    let missing = admin(&["course", "verify", "999999"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("course 999999 does not exist"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_port_tells_readiness_with_each_dependency() {
    let a = spawn().await;
    let ready = a.call(Method::GET, "/health/ready", None, None, 200).await;
    assert_eq!(ready["result"]["status"], "UP");
    assert_eq!(ready["result"]["checks"]["database"]["status"], "UP");
    assert!(ready["result"]["checks"]["database"]["latencyMs"].is_u64());
}

/// `cercat-admin serve` (a process) and the api's start (its composition root, in this
/// process) at the same instant on one fresh data folder: both come up — the migrations take a
/// lock, so the second start finds them applied — and they share one JWT secret (a token the
/// api's account service issues works on the admin API).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_and_admin_serve_started_together_on_a_fresh_folder_both_come_up() {
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut admin = KillOnDrop(
            std::process::Command::new(env!("CARGO_BIN_EXE_cercat-admin"))
                .arg("serve")
                .env("CERCAT__DATA_DIR", dir.path())
                .env("CERCAT__ADMIN__PORT", port.to_string())
                .env("CERCAT__LOG__LEVEL", "warn")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let mut s = Settings::defaults(Profile::Embedded);
        s.data_dir = dir.path().to_path_buf();
        let settings = s.resolve().unwrap();
        // What the api does first when it starts: the composition root connects (migrating under
        // the lock) and seeds. The api program itself is not started here: programs do not
        // depend on each other, and its HTTP side plays no part in this race.
        let services = cercat_bootstrap::Services::connect(&settings).await;
        let services =
            services.unwrap_or_else(|e| panic!("the api's services did not start next to cercat-admin serve: {e}"));
        services.seed_demo().await.unwrap();
        let client = Client::new();
        let mut up = false;
        for _ in 0..300 {
            if let Some(status) = admin.0.try_wait().unwrap() {
                let mut err = String::new();
                std::io::Read::read_to_string(admin.0.stderr.as_mut().unwrap(), &mut err).unwrap();
                panic!("cercat-admin serve exited ({status}): {err}");
            }
            if client.get(format!("http://127.0.0.1:{port}/health/live")).send().await.is_ok_and(|r| r.status() == 200)
            {
                up = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(up, "cercat-admin serve came up");
        services.seed_demo_accounts().await.unwrap();
        let token = services.accounts.login("admin@cercat.dev", "admin-pass-1234", "127.0.0.1").await.unwrap();
        let res = client
            .get(format!("http://127.0.0.1:{port}/admin/v1/job-runs"))
            .header("Access-Token", token.access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "one JWT secret for both programs");
        drop(admin);
    }
}

/// A child process killed and reaped when dropped, on every path (a failed assertion too).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn every_code_an_admin_route_lists_is_in_a_table() {
    let unknown = cercat_http::openapi::errors::unknown_error_codes(cercat_admin::admin_declared_document());
    assert_eq!(unknown, Vec::<(String, String)>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coupons_are_defined_granted_once_and_vouchered_by_admins_only() {
    let a = spawn().await;
    let fixed = json!({
        "name": "겨울 특강 3,000원", "kind": "FIXED", "amount": 3000, "scope": "COURSE",
        "validFrom": "2026-01-01T00:00:00+09:00", "validUntil": "2099-01-01T00:00:00+09:00"
    });
    let refused = a.call(Method::POST, "/admin/v1/coupons", Some(&a.user), Some(fixed.clone()), 403).await;
    assert_eq!(refused["responseCode"], "USR_009");
    a.call(Method::POST, "/admin/v1/coupons", None, Some(fixed.clone()), 401).await;
    let made = a.call(Method::POST, "/admin/v1/coupons", Some(&a.admin), Some(fixed), 201).await["result"].clone();
    let coupon = made["couponId"].as_i64().unwrap();
    assert_eq!(
        (made["kind"].as_str(), made["amount"].as_i64(), made["scope"].as_str()),
        (Some("FIXED"), Some(3000), Some("COURSE"))
    );
    assert_eq!(made["validFrom"], "2025-12-31T15:00:00Z", "stored in UTC");
    let pct = json!({
        "name": "10%", "kind": "PERCENT", "percent": 10, "maxDiscount": 5000, "exclusive": true, "minOrderAmount": 20000,
        "scope": "ANY", "validFrom": "2026-01-01T00:00:00Z", "validUntil": "2099-01-01T00:00:00Z"
    });
    let pct =
        a.call(Method::POST, "/admin/v1/coupons", Some(&a.admin), Some(pct), 201).await["result"]["couponId"].clone();
    let list = a.call(Method::GET, "/admin/v1/coupons", Some(&a.admin), None, 200).await;
    assert_eq!(list["result"][0]["couponId"], pct, "newest first");
    let audit =
        a.call(Method::GET, &format!("/admin/v1/audit?target=coupon:{coupon}"), Some(&a.admin), None, 200).await;
    let defined = &audit["result"]["content"][0];
    assert_eq!((defined["action"].as_str(), defined["after"]["amount"].as_i64()), (Some("coupon.define"), Some(3000)));

    for (body, field) in [
        (
            json!({"name": "", "kind": "FIXED", "amount": 1, "scope": "ANY", "validFrom": "2026-01-01T00:00:00Z", "validUntil": "2027-01-01T00:00:00Z"}),
            "name",
        ),
        (
            json!({"name": "x", "kind": "FIXED", "scope": "ANY", "validFrom": "2026-01-01T00:00:00Z", "validUntil": "2027-01-01T00:00:00Z"}),
            "amount",
        ),
        (
            json!({"name": "x", "kind": "PERCENT", "percent": 0, "scope": "ANY", "validFrom": "2026-01-01T00:00:00Z", "validUntil": "2027-01-01T00:00:00Z"}),
            "percent",
        ),
        (
            json!({"name": "x", "kind": "FIXED", "amount": 1, "scope": "ANY", "validFrom": "yesterday", "validUntil": "2027-01-01T00:00:00Z"}),
            "validFrom",
        ),
        (
            json!({"name": "x", "kind": "FIXED", "amount": 1, "scope": "ANY", "validFrom": "2027-01-01T00:00:00Z", "validUntil": "2026-01-01T00:00:00Z"}),
            "validUntil",
        ),
    ] {
        let err = a.call(Method::POST, "/admin/v1/coupons", Some(&a.admin), Some(body), 400).await;
        assert_eq!(
            (err["responseCode"].as_str(), err["errors"][0]["field"].as_str()),
            (Some("CPN_009"), Some(field)),
            "{err}"
        );
    }
    let unknown_kind = json!({"name": "x", "kind": "GIFT", "scope": "ANY", "validFrom": "2026-01-01T00:00:00Z", "validUntil": "2027-01-01T00:00:00Z"});
    assert_eq!(
        a.call(Method::POST, "/admin/v1/coupons", Some(&a.admin), Some(unknown_kind), 400).await["responseCode"],
        "GLB_002"
    );

    let grants = format!("/admin/v1/coupons/{coupon}/grants");
    let body = json!({ "userIds": [a.user_id, 987_654_321, a.user_id] });
    let report = a.call(Method::POST, &grants, Some(&a.admin), Some(body.clone()), 200).await["result"].clone();
    assert_eq!(report, json!({ "granted": [a.user_id], "already": [], "unknown": [987_654_321] }));
    let again = a.call(Method::POST, &grants, Some(&a.admin), Some(body), 200).await["result"].clone();
    assert_eq!(again["already"], json!([a.user_id]), "a grant is once per user");
    let none = a.call(Method::POST, &grants, Some(&a.admin), Some(json!({ "userIds": [] })), 400).await;
    assert_eq!(none["errors"][0]["field"], "userIds");
    let missing = a
        .call(Method::POST, "/admin/v1/coupons/999999/grants", Some(&a.admin), Some(json!({ "userIds": [1] })), 404)
        .await;
    assert_eq!(missing["responseCode"], "CPN_008");
    assert_eq!(
        a.call(Method::POST, "/admin/v1/coupons/0/grants", Some(&a.admin), Some(json!({ "userIds": [1] })), 400).await
            ["responseCode"],
        "GLB_004"
    );

    let v = json!({ "couponId": coupon, "code": "winter-2026", "kind": "PUBLIC", "maxRedemptions": 100 });
    let made = a.call(Method::POST, "/admin/v1/vouchers", Some(&a.admin), Some(v.clone()), 201).await["result"].clone();
    assert_eq!(
        (made["code"].as_str(), made["maxRedemptions"].as_u64(), made["redemptions"].as_u64()),
        (Some("WINTER-2026"), Some(100), Some(0))
    );
    assert_eq!(
        a.call(Method::POST, "/admin/v1/vouchers", Some(&a.admin), Some(v), 409).await["responseCode"],
        "CPN_013"
    );
    let generated = json!({ "couponId": coupon, "kind": "PRIVATE" });
    let made = a.call(Method::POST, "/admin/v1/vouchers", Some(&a.admin), Some(generated), 201).await["result"].clone();
    assert_eq!(made["code"].as_str().map(str::len), Some(14), "a generated XXXX-XXXX-XXXX code: {made}");
    for (body, field) in [
        (json!({ "couponId": coupon, "kind": "PRIVATE", "maxRedemptions": 3 }), "maxRedemptions"),
        (json!({ "couponId": coupon, "kind": "PUBLIC" }), "maxRedemptions"),
        (json!({ "couponId": coupon, "kind": "SECRET" }), "kind"),
        (json!({ "couponId": coupon, "kind": "PRIVATE", "code": "a b" }), "code"),
    ] {
        let err = a.call(Method::POST, "/admin/v1/vouchers", Some(&a.admin), Some(body), 400).await;
        assert_eq!(err["errors"][0]["field"].as_str(), Some(field), "{err}");
    }
    let nothing = json!({ "couponId": 999999, "kind": "PRIVATE" });
    assert_eq!(
        a.call(Method::POST, "/admin/v1/vouchers", Some(&a.admin), Some(nothing), 404).await["responseCode"],
        "CPN_008"
    );
    let ev = json!({ "couponId": coupon, "quantity": 1000, "opensAt": "2026-12-24T10:00:00+09:00", "closesAt": "2026-12-24T11:00:00+09:00" });
    let made =
        a.call(Method::POST, "/admin/v1/coupon-events", Some(&a.admin), Some(ev.clone()), 201).await["result"].clone();
    assert_eq!((made["quantity"].as_u64(), made["remaining"].as_u64()), (Some(1000), Some(1000)));
    assert_eq!(made["opensAt"], "2026-12-24T01:00:00Z");
    let id = made["eventId"].as_i64().unwrap();
    let got = a.call(Method::GET, &format!("/admin/v1/coupon-events/{id}"), Some(&a.admin), None, 200).await;
    assert_eq!(got["result"]["remaining"], 1000);
    a.call(Method::POST, "/admin/v1/coupon-events", Some(&a.user), Some(ev), 403).await;
    for (body, field) in [
        (
            json!({ "couponId": coupon, "quantity": 0, "opensAt": "2026-12-24T10:00:00+09:00", "closesAt": "2026-12-24T11:00:00+09:00" }),
            "quantity",
        ),
        (
            json!({ "couponId": coupon, "quantity": 5, "opensAt": "2026-12-24T11:00:00+09:00", "closesAt": "2026-12-24T10:00:00+09:00" }),
            "closesAt",
        ),
        (
            json!({ "couponId": coupon, "quantity": 5, "opensAt": "soon", "closesAt": "2026-12-24T10:00:00+09:00" }),
            "opensAt",
        ),
    ] {
        let err = a.call(Method::POST, "/admin/v1/coupon-events", Some(&a.admin), Some(body), 400).await;
        assert_eq!(err["errors"][0]["field"].as_str(), Some(field), "{err}");
    }
    let missing = json!({ "couponId": 999999, "quantity": 5, "opensAt": "2026-12-24T10:00:00+09:00", "closesAt": "2026-12-24T11:00:00+09:00" });
    assert_eq!(
        a.call(Method::POST, "/admin/v1/coupon-events", Some(&a.admin), Some(missing), 404).await["responseCode"],
        "CPN_008"
    );
    assert_eq!(
        a.call(Method::GET, "/admin/v1/coupon-events/999999", Some(&a.admin), None, 404).await["responseCode"],
        "CPN_015"
    );
}

/// The embedded demo's market, moderated: an admin sees any product and hides a student's
/// (then nobody else sees, lists or orders it) and shows it again, and looks up any order
/// with its history; users are refused, bad input is a 4xx naming the field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_hide_products_and_look_up_orders() {
    use cercat_market::{OrderRole, service::Actor};
    let a = spawn().await;
    let market = a.services.market.clone();
    let page = cercat_common::paging::KeysetRequest::first(cercat_market::PRODUCTS_LIST, 100);
    let query = cercat_market::service::ProductQuery { seller_id: Some(a.user_id), ..Default::default() };
    let mine = market.products(query.clone(), page.clone(), a.user_id).await.unwrap();
    let product = mine.content.first().expect("the demo student sells a workbook").id;
    let path = format!("/admin/v1/products/{product}");
    assert_eq!(a.call(Method::GET, &path, Some(&a.user), None, 403).await["responseCode"], "USR_009");
    let seen = a.call(Method::GET, &path, Some(&a.admin), None, 200).await;
    assert_eq!((seen["result"]["status"].as_str(), seen["result"]["hidden"].as_bool()), (Some("ON_SALE"), Some(false)));

    let hidden = a.call(Method::PATCH, &path, Some(&a.admin), Some(json!({"hidden": true})), 200).await;
    assert_eq!(hidden["result"]["hidden"], true);
    let stranger = Actor { user_id: a.user_id + 1_000, admin: false };
    let err = market.product(product, stranger).await.unwrap_err();
    assert_eq!(cercat_common::DomainError::code(&err), "MKT_001", "hidden from others");
    assert!(
        market.products(query.clone(), page.clone(), stranger.user_id).await.unwrap().content.is_empty(),
        "and unlisted"
    );
    let seller = Actor { user_id: a.user_id, admin: false };
    assert!(market.product(product, seller).await.unwrap().hidden, "its seller still sees it");
    a.call(Method::PATCH, &path, Some(&a.admin), Some(json!({"hidden": false})), 200).await;
    assert_eq!(market.products(query, page, stranger.user_id).await.unwrap().content.len(), 1, "shown again");
    let audit =
        a.call(Method::GET, &format!("/admin/v1/audit?target=product:{product}"), Some(&a.admin), None, 200).await;
    let actions: Vec<_> = audit["result"]["content"].as_array().unwrap().iter().map(|e| e["action"].clone()).collect();
    assert_eq!(actions, [json!("product.show"), json!("product.hide")], "each moderation is audited, newest first");

    let bad = a.call(Method::PATCH, &path, Some(&a.admin), Some(json!({"hidden": "yes"})), 400).await;
    assert_eq!(bad["responseCode"], "GLB_002");
    let gone = a.call(Method::GET, "/admin/v1/products/987654321", Some(&a.admin), None, 404).await;
    assert_eq!(gone["responseCode"], "MKT_001");
    let zero = a.call(Method::GET, "/admin/v1/products/0", Some(&a.admin), None, 400).await;
    assert_eq!(zero["errors"][0]["field"], "productId");

    let orders = market
        .orders(a.user_id, OrderRole::Buyer, cercat_common::paging::KeysetRequest::first(OrderRole::Buyer.list(), 100))
        .await
        .unwrap();
    let order = orders.content.first().expect("the demo student ordered").id;
    let opath = format!("/admin/v1/orders/{order}");
    a.call(Method::GET, &opath, Some(&a.user), None, 403).await;
    let detail = a.call(Method::GET, &opath, Some(&a.admin), None, 200).await;
    assert_eq!(detail["result"]["orderId"].as_i64(), Some(order));
    assert_eq!(detail["result"]["buyerId"].as_i64(), Some(a.user_id));
    assert_eq!(detail["result"]["history"][0]["to"], "PENDING_PAYMENT", "{detail}");
    let missing = a.call(Method::GET, "/admin/v1/orders/987654321", Some(&a.admin), None, 404).await;
    assert_eq!(missing["responseCode"], "MKT_007");
}

/// The dead-letter queue over HTTP: admins list the letters (of one group, with the payload and
/// the last error) and replay them into the outbox, oldest first; users are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_list_and_replay_dead_letters_over_http() {
    use cercat_common::events::{DeadLetter, EventEnvelope};
    let a = spawn().await;
    let event = EventEnvelope::new(
        "community.post-liked",
        "post",
        "9",
        "PostLiked",
        json!({ "receiverId": "nobody" }),
        chrono::Utc::now(),
    );
    let letter = |group: &str, event: Option<EventEnvelope>| DeadLetter {
        id: uuid::Uuid::now_v7(),
        group: group.into(),
        topic: "community.post-liked".into(),
        key: Some("9".into()),
        payload: event.is_none().then(|| "{garbage".into()),
        event,
        error: "corrupt data: bad receiverId".into(),
        attempts: 3,
        failed_at: chrono::Utc::now(),
        position: None,
    };
    let queue = &a.services.adapters().dead_letters;
    queue.add(&letter("alarm.store", Some(event.clone()))).await.unwrap();
    queue.add(&letter("search.index", None)).await.unwrap();

    a.call(Method::GET, "/admin/v1/dead-letters", Some(&a.user), None, 403).await;
    let all = a.call(Method::GET, "/admin/v1/dead-letters", Some(&a.admin), None, 200).await["result"].clone();
    assert_eq!((all["waiting"].as_u64(), all["letters"].as_array().unwrap().len()), (Some(2), 2), "{all}");
    let alarms = a.call(Method::GET, "/admin/v1/dead-letters?group=alarm.store", Some(&a.admin), None, 200).await;
    let letters = alarms["result"]["letters"].as_array().unwrap();
    assert_eq!(letters.len(), 1, "{alarms}");
    assert_eq!((letters[0]["eventType"].as_str(), letters[0]["attempts"].as_u64()), (Some("PostLiked"), Some(3)));
    assert_eq!(letters[0]["payload"]["receiverId"], "nobody");
    assert_eq!(letters[0]["error"], "corrupt data: bad receiverId");
    let bad = a.call(Method::GET, "/admin/v1/dead-letters?limit=0", Some(&a.admin), None, 400).await;
    assert_eq!(bad["errors"][0]["field"], "limit");

    let unsent = a.services.backlog.unsent().await.unwrap();
    let one =
        a.call(Method::POST, "/admin/v1/dead-letters/replay", Some(&a.admin), Some(json!({"limit": 1})), 200).await;
    assert_eq!((one["result"]["replayed"].as_u64(), one["result"]["left"].as_u64()), (Some(1), Some(1)), "{one}");
    assert_eq!(a.services.backlog.unsent().await.unwrap(), unsent + 1, "the event is back in the outbox");
    let stuck = a.call(Method::POST, "/admin/v1/dead-letters/replay", Some(&a.admin), Some(json!({})), 200).await;
    assert_eq!((stuck["result"]["replayed"].as_u64(), stuck["result"]["left"].as_u64()), (Some(0), Some(1)));
    let body = json!({"discardUndecodable": true});
    let dropped = a.call(Method::POST, "/admin/v1/dead-letters/replay", Some(&a.admin), Some(body), 200).await;
    assert_eq!((dropped["result"]["discarded"].as_u64(), dropped["result"]["left"].as_u64()), (Some(1), Some(0)));
    let unknown = json!({"limit": 1, "all": true});
    let refused = a.call(Method::POST, "/admin/v1/dead-letters/replay", Some(&a.admin), Some(unknown), 400).await;
    assert_eq!(refused["responseCode"], "GLB_002");
}

/// Operators see every course with its owner (the demo's course is the demo admin's), found by
/// title or by the instructor's nickname; users are refused, bad paging is a 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_list_courses_with_their_owners() {
    let a = spawn().await;
    a.call(Method::GET, "/admin/v1/courses", Some(&a.user), None, 403).await;
    let all = a.call(Method::GET, "/admin/v1/courses", Some(&a.admin), None, 200).await["result"].clone();
    let first = &all["content"][0];
    assert!(first["instructorId"].as_i64().is_some(), "{all}");
    assert_eq!(first["instructorNickname"], "데모관리자", "{all}");
    let by_owner =
        a.call(Method::GET, "/admin/v1/courses?keyword=데모관리자&byInstructor=true", Some(&a.admin), None, 200).await;
    assert_eq!(by_owner["result"]["content"].as_array().unwrap().len(), 1, "{by_owner}");
    let nobody =
        a.call(Method::GET, "/admin/v1/courses?keyword=없는강사&byInstructor=true", Some(&a.admin), None, 200).await;
    assert!(nobody["result"]["content"].as_array().unwrap().is_empty());
    let bad = a.call(Method::GET, "/admin/v1/courses?size=0", Some(&a.admin), None, 400).await;
    assert_eq!(bad["errors"][0]["field"], "size");
}

//! Spawning the app and calling it.

use cercat_api::{AppState, Application};
use cercat_certificate::{ExamFees, ExamScheduleDraft, ExamTimeLimits};
use cercat_config::{Profile, Settings};
use chrono::{Duration, TimeZone, Utc};
use reqwest::{Client, Response};
use serde_json::Value;

/// A running app and a client for it.
pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub state: AppState,
    pub server: actix_web::dev::ServerHandle,
    pub stopped: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    pub _dir: tempfile::TempDir,
    pub _extra: Vec<Box<dyn std::any::Any>>,
}

pub const ORIGIN: &str = "http://localhost:3000";

fn init_logs() {
    if std::env::var_os("TEST_LOG").is_some() {
        cercat_logging::init(cercat_logging::LogFormat::Pretty, "info");
    }
}

/// Settings for `profile` with data under a temp dir and port 0.
pub fn settings(profile: Profile, dir: &tempfile::TempDir) -> Settings {
    let mut s = Settings::defaults(profile);
    s.data_dir = dir.path().to_path_buf();
    s.server.port = 0;
    s.server.workers = 2;
    s.outbox.poll_interval_ms = 100;
    // Mails stay queued (a sent mail's body, the code, is dropped); tests that deliver mail
    // use `with_mail_delivery`.
    s.mail.poll_interval_ms = 600_000;
    s.cors.allowed_origins = vec![ORIGIN.into()];
    // Short enough for a test to wait it out, long enough for a busy machine's parallel refreshes.
    s.auth.refresh_grace_secs = REFRESH_GRACE_SECS;
    s
}

/// Settings whose mail dispatcher delivers every 100 ms.
pub fn with_mail_delivery(mut s: Settings) -> Settings {
    s.mail.poll_interval_ms = 100;
    s
}

/// The refresh grace window of test apps.
pub const REFRESH_GRACE_SECS: u64 = 5;

/// Builds and runs the app from `settings`.
pub async fn spawn(settings: Settings, dir: tempfile::TempDir, extra: Vec<Box<dyn std::any::Any>>) -> TestApp {
    init_logs();
    let settings = settings.resolve().expect("valid test settings");
    let app = Application::build(settings).await.expect("the app starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    let server = app.handle();
    let stopped = Some(tokio::spawn(app.run_until_stopped()));
    TestApp { base, client: test_client(), state, server, stopped, _dir: dir, _extra: extra }
}

/// An embedded-mode app with demo data.
pub async fn spawn_embedded() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(Profile::Embedded, &dir);
    spawn(s, dir, Vec::new()).await
}

impl TestApp {
    /// Stops the instance like SIGTERM would: open connections are cut, background tasks
    /// (relay, consumers) end.
    pub async fn stop(&mut self) {
        self.server.stop(false).await;
        if let Some(task) = self.stopped.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(20), task).await;
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    /// GETs `path`, asserts the status and that the body is the JSON envelope, returns it.
    pub async fn get_json(&self, path: &str, status: u16) -> Value {
        let res = self.get(path).await;
        assert_json(res, status).await
    }
}

/// Asserts status and a JSON body (every answer, error or not, is JSON in the envelope).
pub async fn assert_json(res: Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let content_type = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "unexpected status; body: {text}");
    assert!(content_type.starts_with("application/json"), "content-type {content_type}; body: {text}");
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    let code = body["responseCode"].as_str().unwrap_or_else(|| panic!("no responseCode: {text}"));
    if status < 400 {
        assert_eq!(code, "SUCCESS");
    } else {
        assert!(body["message"].is_string(), "{text}");
        assert!(body["errors"].is_array(), "{text}");
    }
    body
}

impl TestApp {
    /// GETs a JSON document that is not in the envelope (the OpenAPI document).
    pub async fn get_json_raw(&self, path: &str) -> Value {
        let res = self.get(path).await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }
}

/// A valid schedule draft for `certificate_id` with its exam on 1 May of `year`.
pub fn schedule_draft(certificate_id: i64, year: i32, round: i32) -> ExamScheduleDraft {
    let exam = Utc.with_ymd_and_hms(year, 5, 1, 0, 0, 0).unwrap();
    ExamScheduleDraft {
        certificate_id,
        exam_year: year,
        round,
        application_start: exam - Duration::days(30),
        application_deadline: exam - Duration::days(20),
        exam_date: exam,
        result_announcement: exam + Duration::days(10),
        fees: ExamFees { written: Some(1000), practical: None },
        time_limits: ExamTimeLimits::default(),
        eligibility: None,
        description: None,
        exam_format: None,
    }
}

/// A client whose idle connections close well before the server's keep-alive (75 s) ends, as
/// a proxy's would: a request never goes out on a connection the server is closing.
pub fn test_client() -> Client {
    Client::builder().pool_idle_timeout(std::time::Duration::from_secs(30)).build().unwrap_or_default()
}

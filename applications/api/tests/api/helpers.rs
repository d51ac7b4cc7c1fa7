//! Spawning the app and calling it: every `TestApp` helper lives here (and in the submodules
//! for one context's set-up), so a test sets up only what it needs with a few calls.

pub mod community;
pub mod courses;
pub mod study;

use cercat_api::{AppState, Application};
use cercat_certificate::{ExamFees, ExamScheduleDraft, ExamTimeLimits};
use cercat_config::{Profile, Settings};
use chrono::{Duration, TimeZone, Utc};
use reqwest::{Client, Method, RequestBuilder, Response};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

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
    static LOGS: std::sync::OnceLock<cercat_logging::LogGuard> = std::sync::OnceLock::new();
    if std::env::var_os("TEST_LOG").is_some() {
        LOGS.get_or_init(|| cercat_logging::init(cercat_logging::LogFormat::Pretty, "info"));
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
    // Tests start from empty boards; `embedded.rs` checks the demo content itself.
    s.seed.demo_content = false;
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

/// The string in `v`, or "" (for terse comparisons).
pub fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

impl TestApp {
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    pub async fn post_json(&self, path: &str, body: Value, status: u16) -> Value {
        assert_json(self.req(Method::POST, path).json(&body).send().await.unwrap(), status).await
    }

    pub async fn authed(&self, method: Method, path: &str, token: &str, status: u16) -> Value {
        assert_json(self.req(method, path).header("Access-Token", token).send().await.unwrap(), status).await
    }

    /// Calls `path` as `token` with an optional JSON body; asserts the status and the envelope.
    pub async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>, status: u16) -> Value {
        let mut req = self.req(method, path).header("Access-Token", token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        assert_json(req.send().await.unwrap(), status).await
    }

    /// The code in the newest mail to `email` (read from the mail outbox).
    pub async fn latest_code(&self, email: &str) -> String {
        let db = self.state.services.adapters().db.conn();
        let sql = "SELECT body FROM mail_outbox WHERE recipient = ? ORDER BY id DESC LIMIT 1";
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                sql,
                [email.to_lowercase().into()],
            ))
            .await
            .unwrap()
            .expect("a mail was queued");
        let body: String = row.try_get("", "body").unwrap();
        let at = body.find("인증번호: ").expect("the mail carries a code") + "인증번호: ".len();
        body[at..at + 6].to_owned()
    }

    /// Signs up `email` through both steps; returns the signup result.
    pub async fn sign_up(&self, email: &str, nickname: &str, password: &str) -> Value {
        self.post_json("/api/v2/auth/email-codes", json!({ "email": email }), 201).await;
        let code = self.latest_code(email).await;
        let body = json!({ "email": email, "code": code, "password": password, "nickname": nickname });
        self.post_json("/api/v2/auth/signup", body, 201).await["result"].clone()
    }

    pub async fn log_in(&self, email: &str, password: &str) -> Value {
        self.post_json("/api/v2/auth/login", json!({ "email": email, "password": password }), 200).await["result"]
            .clone()
    }

    /// The first number a raw SQL count query answers.
    pub async fn count(&self, sql: &str) -> i64 {
        let db = self.state.services.adapters().db.conn();
        let row =
            db.query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_owned())).await.unwrap().unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }
}

/// A new signed-in user (a GUEST: onboarding not done); returns the access token.
pub async fn new_user(app: &TestApp, name: &str) -> String {
    let email = format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple());
    let nickname = format!("{name}{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let signed = app.sign_up(&email, &nickname, "correct-horse-battery").await;
    s(&signed["accessToken"])
}

/// A member (onboarding done); returns (token, user id).
pub async fn member(app: &TestApp, name: &str) -> (String, i64) {
    let guest = new_user(app, name).await;
    let onboarded = app.call(Method::POST, "/api/v2/users/me/onboarding", &guest, None, 200).await;
    let token = s(&onboarded["result"]["accessToken"]);
    let me = app.call(Method::GET, "/api/v2/users/me", &token, None, 200).await;
    (token, me["result"]["userId"].as_i64().unwrap())
}

/// A signed-in admin (created through the account service, as `cercat-admin` does); returns the token.
pub async fn admin(app: &TestApp) -> String {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let email = format!("admin-{tag}@example.com");
    let role = cercat_user::Role::Admin;
    app.state.accounts.create_account(&email, "admin-pass-12345", &format!("관리{}", &tag[..6]), role).await.unwrap();
    s(&app.log_in(&email, "admin-pass-12345").await["accessToken"])
}

/// Polls `probe` every 100 ms until it answers `Some` (events travel asynchronously); gives up
/// after `secs`, generous for a busy machine, with `what` in the panic.
pub async fn wait_for<T, F, Fut>(secs: u64, what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(tokio::time::Instant::now() < until, "gave up after {secs} s waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// One test per behaviour, in both modes: for each `behaviour` (an `async fn(&TestApp)` of the
/// calling module), a module `behaviour` with the test `embedded` (a fresh embedded app) and the
/// test `on_mariadb_redis_and_kafka` (a fresh production deployment; ignored unless the servers
/// exist, as in CI). Fresh apps keep each behaviour's data, and the sign-up throttle, its own.
macro_rules! in_both_modes {
    ($($behaviour:ident),* $(,)?) => {$(
        mod $behaviour {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                let app = crate::helpers::spawn_embedded().await;
                super::$behaviour(&app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
            async fn on_mariadb_redis_and_kafka() {
                let deployment = crate::production::Deployment::new().await;
                let app = deployment.instance().await;
                super::$behaviour(&app).await;
            }
        }
    )*};
}
pub(crate) use in_both_modes;

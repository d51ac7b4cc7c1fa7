//! [`FakeToss`]: a fake Toss Payments server for tests (feature `fake-server`). It runs actix-web
//! on `127.0.0.1:0` in its own thread and runtime, so it can be started from inside any tokio
//! runtime (or none), and serves `POST /v1/payments/confirm`,
//! `POST /v1/payments/{paymentKey}/cancel` and `GET /v1/payments/{paymentKey}` with Toss's
//! JSON shapes.
//!
//! Behaviour, as Toss: a payment key belongs to the one order it was first confirmed for.
//! Wrong Basic auth → 401 `UNAUTHORIZED_KEY`; missing `Idempotency-Key` on a POST → 400
//! `INVALID_REQUEST`; a POST with an `Idempotency-Key` that already succeeded is answered with
//! that first answer again, whatever its body (Toss keys idempotency on key, API key, path
//! and method); keys starting with `fail-` → 400 `REJECT_CARD_PAYMENT`; confirming an
//! approved key again (for any order) → 400 `ALREADY_PROCESSED_PAYMENT`; `GET` of an unknown
//! key → 404 `NOT_FOUND_PAYMENT`; cancelling twice → 400
//! `ALREADY_CANCELED_PAYMENT`; cancelling an unknown key → 404 `NOT_FOUND_PAYMENT`; while
//! [`FakeToss::set_down`] → 503; every answer waits [`FakeToss::set_delay`] first.

use actix_web::{
    App, HttpRequest, HttpResponse, HttpServer,
    dev::ServerHandle,
    http::StatusCode,
    web::{self, Data, Json, Path},
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use serde::Deserialize;
use serde_json::json;
use std::{
    collections::HashMap,
    net::{SocketAddr, TcpListener},
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

const SECRET_KEY: &str = "test_sk_fake_toss_secret";

#[derive(Default)]
struct State {
    /// payment key → (order id, amount, cancelled).
    payments: HashMap<String, (String, i64, bool)>,
    confirms: Vec<(String, String, i64)>,
    cancels: Vec<String>,
    cancel_attempts: Vec<String>,
    /// (path, idempotency key) → the first successful answer, replayed for a repeat.
    replays: HashMap<(String, String), serde_json::Value>,
    down: bool,
    delay: Duration,
    charged_amount: Option<i64>,
}

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<State>>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A running fake Toss server; stops when dropped.
pub struct FakeToss {
    addr: SocketAddr,
    state: Shared,
    handle: Option<ServerHandle>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for FakeToss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeToss").field("addr", &self.addr).finish()
    }
}

impl FakeToss {
    /// Binds `127.0.0.1:0` and starts serving in a background thread.
    ///
    /// # Panics
    /// If the port cannot be bound or the server thread cannot start (a test environment failure).
    #[allow(clippy::expect_used)]
    pub fn start() -> FakeToss {
        let listener = TcpListener::bind("127.0.0.1:0").expect("fake toss: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake toss: local addr");
        let state = Shared::default();
        let app_state = state.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("fake-toss".into())
            .spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    let server = HttpServer::new(move || {
                        App::new()
                            .app_data(Data::new(app_state.clone()))
                            .app_data(web::JsonConfig::default().error_handler(|err, _| {
                                let response = failure(StatusCode::BAD_REQUEST, "INVALID_REQUEST", &err.to_string());
                                actix_web::error::InternalError::from_response(err, response).into()
                            }))
                            .route("/v1/payments/confirm", web::post().to(confirm))
                            .route("/v1/payments/{payment_key}/cancel", web::post().to(cancel))
                            .route("/v1/payments/{payment_key}", web::get().to(payment))
                    })
                    .workers(1)
                    .disable_signals()
                    .shutdown_timeout(0)
                    .listen(listener);
                    let server = match server {
                        Ok(server) => server.run(),
                        Err(e) => {
                            let _ = tx.send(Err(e.to_string()));
                            return;
                        }
                    };
                    let _ = tx.send(Ok(server.handle()));
                    let _ = server.await;
                });
            })
            .expect("fake toss: spawn thread");
        let handle = rx.recv().expect("fake toss: server thread died").expect("fake toss: listen");
        FakeToss { addr, state, handle: Some(handle), thread: Some(thread) }
    }

    /// `http://127.0.0.1:<port>`, for [`TossOptions::base_url`](crate::TossOptions::base_url).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The secret key the server accepts (Basic auth `"{key}:"`).
    pub fn secret_key(&self) -> &str {
        SECRET_KEY
    }

    /// Approved confirms so far, in order: (payment key, order id, amount charged).
    pub fn confirms(&self) -> Vec<(String, String, i64)> {
        self.state.lock().confirms.clone()
    }

    /// Payment keys cancelled so far, in order (a refused second cancel is not listed).
    pub fn cancels(&self) -> Vec<String> {
        self.state.lock().cancels.clone()
    }

    /// Payment keys of every cancel request that passed auth, in order — replays and refused
    /// repeats included, to prove a charge was asked to be refunded only once.
    pub fn cancel_attempts(&self) -> Vec<String> {
        self.state.lock().cancel_attempts.clone()
    }

    /// Every payment it holds, as (payment key, order id, amount, cancelled), sorted by key.
    pub fn payments(&self) -> Vec<(String, String, i64, bool)> {
        let mut all: Vec<_> =
            self.state.lock().payments.iter().map(|(k, (o, a, c))| (k.clone(), o.clone(), *a, *c)).collect();
        all.sort();
        all
    }

    /// While `true`, every call is answered 503 `FAILED_INTERNAL_SYSTEM_PROCESSING`.
    pub fn set_down(&self, down: bool) {
        self.state.lock().down = down;
    }

    /// Waits this long before answering each call.
    pub fn set_delay(&self, delay: Duration) {
        self.state.lock().delay = delay;
    }

    /// Approves (and reports as `totalAmount`) this amount instead of the one requested, to
    /// provoke an amount mismatch; `None` restores the default.
    pub fn set_charged_amount(&self, amount: Option<i64>) {
        self.state.lock().charged_amount = amount;
    }

    /// Stops the server and waits until it has.
    pub async fn stop(mut self) {
        if let Some(handle) = self.handle.take() {
            handle.stop(false).await;
        }
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

impl Drop for FakeToss {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            // The stop command is sent now; the returned future only waits for completion.
            drop(handle.stop(false));
        }
    }
}

fn failure(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "code": code, "message": message }))
}

/// Delay, availability, auth and idempotency key; `Some(response)` ends the call.
async fn gate(state: &Shared, request: &HttpRequest) -> Option<HttpResponse> {
    let delay = state.lock().delay;
    if !delay.is_zero() {
        actix_web::rt::time::sleep(delay).await;
    }
    if state.lock().down {
        return Some(failure(StatusCode::SERVICE_UNAVAILABLE, "FAILED_INTERNAL_SYSTEM_PROCESSING", "fake is down"));
    }
    let expected = format!("Basic {}", STANDARD.encode(format!("{SECRET_KEY}:")));
    let authorization = request.headers().get("authorization").and_then(|v| v.to_str().ok());
    if authorization != Some(expected.as_str()) {
        return Some(failure(StatusCode::UNAUTHORIZED, "UNAUTHORIZED_KEY", "unknown secret key"));
    }
    if let Some(key) = request.path().strip_prefix("/v1/payments/").and_then(|p| p.strip_suffix("/cancel")) {
        state.lock().cancel_attempts.push(key.to_owned());
    }
    if request.method() == actix_web::http::Method::POST {
        let Some(key) = idempotency_key(request) else {
            return Some(failure(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "Idempotency-Key missing"));
        };
        if let Some(first) = state.lock().replays.get(&(request.path().to_owned(), key)) {
            return Some(HttpResponse::Ok().json(first));
        }
    }
    None
}

fn idempotency_key(request: &HttpRequest) -> Option<String> {
    request.headers().get("idempotency-key").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// Answers 200 with `body` and keeps it for repeats of the request's idempotency key.
fn succeed(state: &mut State, request: &HttpRequest, body: serde_json::Value) -> HttpResponse {
    if let Some(key) = idempotency_key(request) {
        state.replays.insert((request.path().to_owned(), key), body.clone());
    }
    HttpResponse::Ok().json(body)
}

fn payment_json(payment_key: &str, order_id: &str, amount: i64, cancelled: bool) -> serde_json::Value {
    json!({
        "paymentKey": payment_key,
        "orderId": order_id,
        "totalAmount": amount,
        "balanceAmount": if cancelled { 0 } else { amount },
        "status": if cancelled { "CANCELED" } else { "DONE" },
        "method": "카드",
    })
}

async fn payment(state: Data<Shared>, request: HttpRequest, path: Path<String>) -> HttpResponse {
    if let Some(response) = gate(&state, &request).await {
        return response;
    }
    let payment_key = path.into_inner();
    let state = state.lock();
    match state.payments.get(&payment_key) {
        Some((order_id, amount, cancelled)) => {
            HttpResponse::Ok().json(payment_json(&payment_key, order_id, *amount, *cancelled))
        }
        None => failure(StatusCode::NOT_FOUND, "NOT_FOUND_PAYMENT", "no such payment"),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfirmBody {
    payment_key: String,
    order_id: String,
    amount: i64,
}

async fn confirm(state: Data<Shared>, request: HttpRequest, body: Json<ConfirmBody>) -> HttpResponse {
    if let Some(response) = gate(&state, &request).await {
        return response;
    }
    let ConfirmBody { payment_key, order_id, amount } = body.into_inner();
    if payment_key.starts_with("fail-") {
        return failure(StatusCode::BAD_REQUEST, "REJECT_CARD_PAYMENT", "card declined by the issuer (fake)");
    }
    let mut state = state.lock();
    if state.payments.contains_key(&payment_key) {
        return failure(StatusCode::BAD_REQUEST, "ALREADY_PROCESSED_PAYMENT", "payment already processed");
    }
    let charged = state.charged_amount.unwrap_or(amount);
    state.payments.insert(payment_key.clone(), (order_id.clone(), charged, false));
    state.confirms.push((payment_key.clone(), order_id.clone(), charged));
    let body = payment_json(&payment_key, &order_id, charged, false);
    succeed(&mut state, &request, body)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CancelBody {
    cancel_reason: String,
}

async fn cancel(state: Data<Shared>, request: HttpRequest, path: Path<String>, body: Json<CancelBody>) -> HttpResponse {
    if let Some(response) = gate(&state, &request).await {
        return response;
    }
    let payment_key = path.into_inner();
    let mut state = state.lock();
    let Some(payment) = state.payments.get_mut(&payment_key) else {
        return failure(StatusCode::NOT_FOUND, "NOT_FOUND_PAYMENT", "no such payment");
    };
    if payment.2 {
        return failure(StatusCode::BAD_REQUEST, "ALREADY_CANCELED_PAYMENT", "payment already cancelled");
    }
    payment.2 = true;
    let (order_id, amount) = (payment.0.clone(), payment.1);
    state.cancels.push(payment_key.clone());
    let mut answer = payment_json(&payment_key, &order_id, amount, true);
    answer["cancels"] = json!([{ "cancelAmount": amount, "cancelReason": body.cancel_reason }]);
    succeed(&mut state, &request, answer)
}

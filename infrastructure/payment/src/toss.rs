//! [`TossGateway`]: the Toss Payments API over HTTP (reqwest). Confirm sends an
//! `Idempotency-Key` derived from the order (Toss replays the first answer for a key, so a
//! retry after [`GatewayError::Unavailable`] cannot charge twice, and a key of another order
//! can never be answered with this order's approval); cancel one derived from the payment key.
//! Every approval is checked against the order and amount asked for: a success body, and on
//! `ALREADY_PROCESSED_PAYMENT` the payment itself (`GET /v1/payments/{paymentKey}`).

use async_trait::async_trait;
use base64::{Engine as _, engine::general_purpose::STANDARD};
use cercat_common::PortError;
use cercat_course::ports::{GatewayError, PaymentApproval, PaymentGateway, WebhookEvent};
use chrono::{DateTime, Utc};
use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};
use std::time::Duration;

use crate::{DEP, webhook};

/// How to reach Toss Payments.
#[derive(Clone)]
pub struct TossOptions {
    /// API base, e.g. `https://api.tosspayments.com` (a path prefix is kept).
    pub base_url: String,
    /// The secret API key (`test_sk_…` / `live_sk_…`), sent as Basic auth user with no password.
    pub secret_key: String,
    /// The secret webhooks are signed with.
    pub webhook_secret: String,
    /// Bound on every call (connect, send, and reading the answer).
    pub timeout: Duration,
}

impl std::fmt::Debug for TossOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TossOptions")
            .field("base_url", &self.base_url)
            .field("secret_key", &"<redacted>")
            .field("webhook_secret", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The Toss Payments adapter of [`PaymentGateway`].
#[derive(Clone)]
pub struct TossGateway {
    client: reqwest::Client,
    base: Url,
    authorization: String,
    webhook_secret: String,
    timeout: Duration,
}

impl std::fmt::Debug for TossGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TossGateway").field("base", &self.base.as_str()).field("timeout", &self.timeout).finish()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConfirmRequest<'a> {
    payment_key: &'a str,
    order_id: &'a str,
    amount: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CancelRequest<'a> {
    cancel_reason: &'a str,
}

/// A payment as Toss reports it (confirm answers and `GET /v1/payments/{key}`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PaymentBody {
    payment_key: String,
    order_id: String,
    total_amount: i64,
    status: String,
}

#[derive(Deserialize)]
struct FailureBody {
    code: String,
    #[serde(default)]
    message: String,
}

/// What came back, before interpreting it per endpoint.
enum Answer {
    /// 2xx with its body.
    Success(Vec<u8>),
    /// A 4xx refusal with Toss's `{code, message}`.
    Refused { code: String, message: String },
}

impl TossGateway {
    /// Builds the HTTP client. Fails if `base_url` is not an absolute http(s) URL or the TLS
    /// stack cannot be set up.
    pub fn new(options: TossOptions) -> Result<Self, PortError> {
        let base = Url::parse(&options.base_url)
            .map_err(|e| PortError::unavailable(DEP, format!("bad base url {:?}: {e}", options.base_url)))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(PortError::unavailable(DEP, format!("bad base url {:?}: not http(s)", options.base_url)));
        }
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| PortError::unavailable(DEP, format!("http client: {e}")))?;
        let authorization = format!("Basic {}", STANDARD.encode(format!("{}:", options.secret_key)));
        Ok(Self { client, base, authorization, webhook_secret: options.webhook_secret, timeout: options.timeout })
    }

    /// `{base}/{segments…}`, each segment percent-escaped.
    fn url(&self, segments: &[&str]) -> Result<Url, PortError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| PortError::unavailable(DEP, "base url cannot take a path"))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    fn failure(&self, error: reqwest::Error) -> PortError {
        if error.is_timeout() { PortError::timeout(DEP, self.timeout) } else { PortError::unavailable(DEP, error) }
    }

    /// POSTs `body` as JSON with auth and the idempotency key; see [`Self::send`].
    async fn post<B: Serialize + Sync>(&self, url: Url, idempotency_key: &str, body: &B) -> Result<Answer, PortError> {
        let request = self.client.post(url).header("Idempotency-Key", idempotency_key).json(body);
        self.send(request).await
    }

    /// Sends `request` with auth under the timeout and sorts the answer into success, a
    /// refusal, or [`PortError`] (5xx, 408/429, transport errors, timeouts, unreadable bodies).
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Answer, PortError> {
        let call = async {
            let response = request
                .header(reqwest::header::AUTHORIZATION, &self.authorization)
                .send()
                .await
                .map_err(|e| self.failure(e))?;
            let status = response.status();
            let bytes = response.bytes().await.map_err(|e| self.failure(e))?;
            Ok::<_, PortError>((status, bytes))
        };
        let (status, bytes) =
            tokio::time::timeout(self.timeout, call).await.map_err(|_| PortError::timeout(DEP, self.timeout))??;
        if status.is_success() {
            return Ok(Answer::Success(bytes.to_vec()));
        }
        let retryable = matches!(status, StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS);
        if status.is_client_error() && !retryable {
            let failure: FailureBody = serde_json::from_slice(&bytes).map_err(|e| {
                PortError::unavailable(DEP, format!("unreadable {status} answer: {e}: {}", snippet(&bytes)))
            })?;
            return Ok(Answer::Refused { code: failure.code, message: failure.message });
        }
        Err(PortError::unavailable(DEP, format!("answered {status}: {}", snippet(&bytes))))
    }
}

/// The start of a body, for error details.
fn snippet(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(200).collect()
}

fn declined(code: impl Into<String>, message: impl Into<String>) -> GatewayError {
    GatewayError::Declined { code: code.into(), message: message.into() }
}

/// `cancel-{sha256(payment key)}`: one per charge, and plain ASCII within Toss's 300
/// characters whatever the key holds (keys come from clients).
fn cancel_idempotency_key(payment_key: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(payment_key.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("cancel-{hex}")
}

fn read_payment(bytes: &[u8], what: &str) -> Result<PaymentBody, PortError> {
    serde_json::from_slice(bytes)
        .map_err(|e| PortError::unavailable(DEP, format!("unreadable {what} answer: {e}: {}", snippet(bytes))))
}

/// Accepts `payment` as the approval of `order_id` for `amount`, or says what does not match.
fn approval_of(payment: PaymentBody, order_id: &str, amount: i64) -> Result<PaymentApproval, GatewayError> {
    if payment.order_id != order_id {
        tracing::error!(
            payment_key = %payment.payment_key,
            order_id,
            paid_order = %payment.order_id,
            "payment confirm: the payment belongs to another order"
        );
        return Err(declined("PAYMENT_OF_ANOTHER_ORDER", "the payment key belongs to another order"));
    }
    if payment.status != "DONE" {
        tracing::warn!(payment_key = %payment.payment_key, order_id, status = %payment.status, "payment confirm: not DONE");
        return Err(declined("PAYMENT_NOT_DONE", format!("payment status is {}", payment.status)));
    }
    if payment.total_amount != amount {
        tracing::error!(
            payment_key = %payment.payment_key,
            order_id,
            requested = amount,
            approved = payment.total_amount,
            "payment confirm: amount mismatch"
        );
        return Err(declined(
            "AMOUNT_MISMATCH",
            format!("approved {} for order {order_id}, expected {amount}", payment.total_amount),
        ));
    }
    Ok(PaymentApproval { payment_key: payment.payment_key, order_id: payment.order_id, amount: payment.total_amount })
}

#[async_trait]
impl PaymentGateway for TossGateway {
    /// `POST /v1/payments/confirm` with the idempotency key `confirm-{orderId}`. The answer
    /// must be a `DONE` payment of `order_id` for `amount` (else `PAYMENT_OF_ANOTHER_ORDER`,
    /// `PAYMENT_NOT_DONE` or `AMOUNT_MISMATCH`); its payment key may differ from the one asked
    /// for when Toss replays an earlier confirm of this order, and is then the order's payment.
    /// On `ALREADY_PROCESSED_PAYMENT` the payment is fetched and held to the same checks.
    async fn confirm(&self, payment_key: &str, order_id: &str, amount: i64) -> Result<PaymentApproval, GatewayError> {
        let url = self.url(&["v1", "payments", "confirm"])?;
        let request = ConfirmRequest { payment_key, order_id, amount };
        let answer = self.post(url, &format!("confirm-{order_id}"), &request).await.inspect_err(|e| {
            tracing::warn!(payment_key, order_id, error = %e, "payment confirm: gateway unavailable");
        })?;
        match answer {
            Answer::Success(bytes) => {
                let approval = approval_of(read_payment(&bytes, "confirm")?, order_id, amount)?;
                tracing::debug!(payment_key = %approval.payment_key, order_id, amount, "payment confirmed");
                Ok(approval)
            }
            Answer::Refused { code, .. } if code == "ALREADY_PROCESSED_PAYMENT" => {
                // Processed — but for which order? Only the payment itself can say.
                let url = self.url(&["v1", "payments", payment_key])?;
                let payment = match self.send(self.client.get(url)).await? {
                    Answer::Success(bytes) => read_payment(&bytes, "payment")?,
                    Answer::Refused { code, message } => return Err(declined(code, message)),
                };
                if payment.payment_key != payment_key {
                    return Err(declined("PAYMENT_OF_ANOTHER_ORDER", "the gateway answered for another payment"));
                }
                let approval = approval_of(payment, order_id, amount)?;
                tracing::info!(payment_key, order_id, "payment confirm: already processed for this order");
                Ok(approval)
            }
            Answer::Refused { code, message } => {
                tracing::info!(payment_key, order_id, %code, %message, "payment confirm declined");
                Err(declined(code, message))
            }
        }
    }

    /// `POST /v1/payments/{paymentKey}/cancel`. `ALREADY_CANCELED_PAYMENT` counts as done.
    async fn cancel(&self, payment_key: &str, reason: &str) -> Result<(), GatewayError> {
        let url = self.url(&["v1", "payments", payment_key, "cancel"])?;
        let request = CancelRequest { cancel_reason: reason };
        let answer = self.post(url, &cancel_idempotency_key(payment_key), &request).await.inspect_err(|e| {
            tracing::warn!(payment_key, error = %e, "payment cancel: gateway unavailable");
        })?;
        match answer {
            Answer::Success(_) => {
                tracing::debug!(payment_key, "payment cancelled");
                Ok(())
            }
            Answer::Refused { code, .. } if code == "ALREADY_CANCELED_PAYMENT" => {
                tracing::info!(payment_key, "payment cancel: already cancelled");
                Ok(())
            }
            Answer::Refused { code, message } => {
                tracing::warn!(payment_key, %code, %message, "payment cancel declined");
                Err(declined(code, message))
            }
        }
    }

    fn verify_webhook(
        &self,
        signature: &str,
        transmission_time: &str,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<WebhookEvent, &'static str> {
        webhook::verify(&self.webhook_secret, signature, transmission_time, body, now)
    }
}

//! [`ScriptedGateway`]: a payment gateway that approves what it is asked unless a test
//! scripts another answer, and remembers every confirm and cancel.

use std::{
    collections::VecDeque,
    sync::{
        Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use async_trait::async_trait;
use cercat_common::PortError;
use chrono::{DateTime, Utc};

use super::Meanwhile;
use crate::ports::{GatewayError, GatewayStatus, PaymentApproval, PaymentGateway, WebhookEvent};

/// A gateway that approves every confirm as asked — unless an answer was scripted with
/// [`ScriptedGateway::answer_next`], and after running what [`ScriptedGateway::meanwhile`]
/// set — and records cancels, failing them while [`ScriptedGateway::set_down`] or declining
/// them while [`ScriptedGateway::set_declines_cancel`]. Webhooks are `key|order|STATUS`
/// bodies signed `ok`.
#[derive(Default)]
pub struct ScriptedGateway {
    answers: Mutex<VecDeque<Result<PaymentApproval, GatewayError>>>,
    meanwhile: Mutex<Option<Meanwhile>>,
    confirms: Mutex<Vec<(String, String, i64)>>,
    cancelled: Mutex<Vec<(String, String)>>,
    cancel_attempts: Mutex<Vec<String>>,
    down: AtomicBool,
    declines_cancel: AtomicBool,
}

impl ScriptedGateway {
    /// The next confirm answers this (answers queue up, one per confirm).
    pub fn answer_next(&self, answer: Result<PaymentApproval, GatewayError>) {
        self.answers.lock().expect("lock").push_back(answer);
    }

    /// Runs `meanwhile` once, while the next confirm is at the gateway (another request
    /// changing the order then).
    pub fn meanwhile(&self, meanwhile: impl FnOnce() + Send + 'static) {
        let hook: Meanwhile = Box::new(meanwhile);
        *self.meanwhile.lock().expect("lock") = Some(hook);
    }

    /// While `down`, cancels fail with [`GatewayError::Unavailable`].
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// While set, cancels are [`GatewayError::Declined`] (`NOT_CANCELABLE`).
    pub fn set_declines_cancel(&self, declines: bool) {
        self.declines_cancel.store(declines, Ordering::SeqCst);
    }

    /// Every confirm asked for, as `(payment key, order id, amount)`.
    pub fn confirms(&self) -> Vec<(String, String, i64)> {
        self.confirms.lock().expect("lock").clone()
    }

    /// The payment keys cancelled (refunded), in order.
    pub fn cancelled(&self) -> Vec<String> {
        self.cancelled.lock().expect("lock").iter().map(|(key, _)| key.clone()).collect()
    }

    /// The reasons given with each cancel that went through, in order.
    pub fn cancel_reasons(&self) -> Vec<String> {
        self.cancelled.lock().expect("lock").iter().map(|(_, reason)| reason.clone()).collect()
    }

    /// Every cancel asked for, including those that failed.
    pub fn cancel_attempts(&self) -> Vec<String> {
        self.cancel_attempts.lock().expect("lock").clone()
    }
}

fn poisoned() -> GatewayError {
    GatewayError::Unavailable(PortError::unavailable("gateway", "poisoned"))
}

#[async_trait]
impl PaymentGateway for ScriptedGateway {
    async fn confirm(&self, payment_key: &str, order_id: &str, amount: i64) -> Result<PaymentApproval, GatewayError> {
        self.confirms.lock().map_err(|_| poisoned())?.push((payment_key.to_owned(), order_id.to_owned(), amount));
        let meanwhile = self.meanwhile.lock().map_err(|_| poisoned())?.take();
        if let Some(meanwhile) = meanwhile {
            meanwhile();
        }
        if let Some(answer) = self.answers.lock().map_err(|_| poisoned())?.pop_front() {
            return answer;
        }
        Ok(PaymentApproval { payment_key: payment_key.to_owned(), order_id: order_id.to_owned(), amount })
    }

    async fn cancel(&self, payment_key: &str, reason: &str) -> Result<(), GatewayError> {
        self.cancel_attempts.lock().map_err(|_| poisoned())?.push(payment_key.to_owned());
        if self.declines_cancel.load(Ordering::SeqCst) {
            return Err(GatewayError::Declined { code: "NOT_CANCELABLE".into(), message: "already settled".into() });
        }
        if self.down.load(Ordering::SeqCst) {
            return Err(GatewayError::Unavailable(PortError::unavailable("gateway", "down")));
        }
        self.cancelled.lock().map_err(|_| poisoned())?.push((payment_key.to_owned(), reason.to_owned()));
        Ok(())
    }

    fn verify_webhook(
        &self,
        signature: &str,
        _: &str,
        body: &[u8],
        _: DateTime<Utc>,
    ) -> Result<WebhookEvent, &'static str> {
        if signature != "ok" {
            return Err("bad signature");
        }
        let text = std::str::from_utf8(body).map_err(|_| "not text")?;
        let mut parts = text.split('|');
        let (Some(key), Some(order), Some(status)) = (parts.next(), parts.next(), parts.next()) else {
            return Err("not key|order|STATUS");
        };
        let status = match status {
            "DONE" => GatewayStatus::Done,
            "CANCELED" => GatewayStatus::Canceled,
            "PARTIAL_CANCELED" => GatewayStatus::PartiallyCanceled,
            _ => GatewayStatus::Other,
        };
        Ok(WebhookEvent { payment_key: key.to_owned(), order_id: order.to_owned(), status })
    }
}

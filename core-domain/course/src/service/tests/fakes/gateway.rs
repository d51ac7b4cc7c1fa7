//! The payment gateway in memory: the [`PaymentGateway`] fake.

use std::sync::{
    Mutex,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use super::super::super::*;
use crate::ports::WebhookEvent;
use async_trait::async_trait;

/// Something another request does while a confirm is at the gateway.
pub type Meanwhile = Box<dyn FnOnce() + Send>;

/// A gateway that approves every confirm as asked (unless `next_confirm` says otherwise, and
/// after running `meanwhile`), remembers cancels, declines them while `declines_cancel` is set
/// and fails them while it is "down". Webhooks are `key|order|STATUS` bodies signed `ok`.
#[derive(Default)]
pub struct FakeGateway {
    pub down: AtomicBool,
    pub declines_cancel: AtomicBool,
    pub cancelled: Mutex<Vec<String>>,
    pub next_confirm: Mutex<Option<Result<PaymentApproval, GatewayError>>>,
    pub meanwhile: Mutex<Option<Meanwhile>>,
    pub confirms: AtomicUsize,
}

#[async_trait]
impl PaymentGateway for FakeGateway {
    async fn confirm(&self, payment_key: &str, order_id: &str, amount: i64) -> Result<PaymentApproval, GatewayError> {
        self.confirms.fetch_add(1, Ordering::SeqCst);
        if let Some(meanwhile) = self.meanwhile.lock().unwrap().take() {
            meanwhile();
        }
        if let Some(answer) = self.next_confirm.lock().unwrap().take() {
            return answer;
        }
        Ok(PaymentApproval { payment_key: payment_key.to_owned(), order_id: order_id.to_owned(), amount })
    }
    async fn cancel(&self, payment_key: &str, _: &str) -> Result<(), GatewayError> {
        if self.declines_cancel.load(Ordering::SeqCst) {
            return Err(GatewayError::Declined { code: "NOT_CANCELABLE".into(), message: "settled".into() });
        }
        if self.down.load(Ordering::SeqCst) {
            return Err(GatewayError::Unavailable(PortError::unavailable("gateway", "down")));
        }
        self.cancelled.lock().unwrap().push(payment_key.to_owned());
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
            return Err("not key|order|status");
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

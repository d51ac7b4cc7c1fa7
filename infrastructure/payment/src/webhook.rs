//! Toss-style webhook signatures, shared by every adapter: the `tosspayments-webhook-signature`
//! header carries `v1:<base64(HMAC-SHA256(secret, "{body}:{transmission_time}"))>` entries
//! (comma-separated during secret rotation), and `tosspayments-webhook-transmission-time` the Unix
//! time in seconds.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use cercat_course::ports::{GatewayStatus, WebhookEvent};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How far (seconds, either direction) a webhook's transmission time may be from now.
pub const MAX_WEBHOOK_SKEW_SECS: u64 = 300;

/// The MAC over `"{body}:{transmission_time}"`. HMAC takes keys of any length, so this is only
/// `None` if that ever stops being true.
fn mac(secret: &str, body: &[u8], transmission_time: &str) -> Option<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(body);
    mac.update(b":");
    mac.update(transmission_time.as_bytes());
    Some(mac)
}

/// The signature header value (`v1:<base64>`) for `body` sent at `transmission_time` (Unix
/// seconds as a decimal string), as the gateway would send it.
pub fn sign_webhook(secret: &str, body: &[u8], transmission_time: &str) -> String {
    let digest = mac(secret, body, transmission_time).map(|m| m.finalize().into_bytes().to_vec()).unwrap_or_default();
    format!("v1:{}", STANDARD.encode(digest))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    // `eventType` (`PAYMENT_STATUS_CHANGED`) and `createdAt` are not needed.
    data: Data,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    payment_key: String,
    order_id: String,
    status: String,
}

/// Checks the signature and the transmission time, then reads the body.
pub(crate) fn verify(
    secret: &str,
    signature: &str,
    transmission_time: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<WebhookEvent, &'static str> {
    if signature.trim().is_empty() {
        return Err("signature missing");
    }
    let sent: i64 = transmission_time.trim().parse().map_err(|_| "transmission time unreadable")?;
    if now.timestamp().abs_diff(sent) > MAX_WEBHOOK_SKEW_SECS {
        return Err("transmission time too old");
    }
    let expected = mac(secret, body, transmission_time).ok_or("signature mismatch")?;
    let matches = signature
        .split(',')
        .filter_map(|entry| entry.trim().strip_prefix("v1:"))
        .filter_map(|b64| STANDARD.decode(b64.trim()).ok())
        .any(|candidate| expected.clone().verify_slice(&candidate).is_ok());
    if !matches {
        return Err("signature mismatch");
    }
    let body: Body = serde_json::from_slice(body).map_err(|_| "body unreadable")?;
    let status = match body.data.status.as_str() {
        "DONE" => GatewayStatus::Done,
        "CANCELED" => GatewayStatus::Canceled,
        // Part refunded, part still paid: not a cancelled payment.
        "PARTIAL_CANCELED" => GatewayStatus::PartiallyCanceled,
        _ => GatewayStatus::Other,
    };
    Ok(WebhookEvent { payment_key: body.data.payment_key, order_id: body.data.order_id, status })
}

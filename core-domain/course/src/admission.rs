//! Admission tokens: proof that the waiting room let a user into a course, bound to both and
//! short-lived. They are signed (HMAC-SHA256), so any api instance checks them without a lookup.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks admission tokens.
#[derive(Clone)]
pub struct AdmissionSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for AdmissionSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdmissionSigner(..)")
    }
}

impl AdmissionSigner {
    /// A signer whose key is derived from `secret` (distinct from other uses of it).
    pub fn new(secret: &[u8]) -> Self {
        let mut mac = HmacSha256::new_from_slice(secret).unwrap_or_else(|_| unreachable_key());
        mac.update(b"cercat admission tokens v1");
        Self { key: mac.finalize().into_bytes().to_vec() }
    }

    fn mac(&self, course_id: i64, user_id: i64, expires_ms: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).unwrap_or_else(|_| unreachable_key());
        mac.update(format!("admission:{course_id}:{user_id}:{expires_ms}").as_bytes());
        mac
    }

    /// A token for `user_id` in `course_id`, valid until `expires_at`.
    pub fn issue(&self, course_id: i64, user_id: i64, expires_at: DateTime<Utc>) -> String {
        let exp = expires_at.timestamp_millis();
        let sig = URL_SAFE_NO_PAD.encode(self.mac(course_id, user_id, exp).finalize().into_bytes());
        format!("{course_id}.{user_id}.{exp}.{sig}")
    }

    /// Checks that `token` admits `user_id` to `course_id` at `now`; the error says why not.
    pub fn verify(&self, token: &str, course_id: i64, user_id: i64, now: DateTime<Utc>) -> Result<(), &'static str> {
        let mut parts = token.trim().split('.');
        let (Some(c), Some(u), Some(e), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("the token is malformed");
        };
        let (Ok(c), Ok(u), Ok(exp)) = (c.parse::<i64>(), u.parse::<i64>(), e.parse::<i64>()) else {
            return Err("the token is malformed");
        };
        let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| "the token is malformed")?;
        self.mac(c, u, exp).verify_slice(&sig).map_err(|_| "the token's signature is invalid")?;
        if c != course_id {
            return Err("the token is for another course");
        }
        if u != user_id {
            return Err("the token is for another user");
        }
        if now.timestamp_millis() >= exp {
            return Err("the token has expired; ask the waiting room for a new one");
        }
        Ok(())
    }
}

// HMAC accepts keys of any length, so `new_from_slice` cannot fail.
fn unreachable_key() -> HmacSha256 {
    unreachable!("HMAC takes keys of any length")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_admits_its_user_to_its_course_until_it_expires() {
        let signer = AdmissionSigner::new(b"secret");
        let now = Utc::now();
        let token = signer.issue(7, 42, now + chrono::Duration::seconds(60));
        assert_eq!(signer.verify(&token, 7, 42, now), Ok(()));
        assert_eq!(signer.verify(&token, 8, 42, now), Err("the token is for another course"));
        assert_eq!(signer.verify(&token, 7, 43, now), Err("the token is for another user"));
        assert!(signer.verify(&token, 7, 42, now + chrono::Duration::seconds(60)).is_err());
        assert_eq!(signer.verify("7.42.1.AAAA", 7, 42, now), Err("the token's signature is invalid"));
        assert_eq!(signer.verify("garbage", 7, 42, now), Err("the token is malformed"));
        let forged = token.replacen("7.42.", "7.43.", 1);
        assert!(signer.verify(&forged, 7, 43, now).is_err());
        assert!(AdmissionSigner::new(b"other").verify(&token, 7, 42, now).is_err());
    }
}

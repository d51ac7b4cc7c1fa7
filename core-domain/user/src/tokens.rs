//! Access JWTs (HS256, fixed) and opaque refresh tokens.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use cercat_common::id::UserId;

use crate::{Role, UserError};

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user, carried as a decimal string (RFC 7519's `sub`); a token whose subject is not a
    /// positive id fails to decode, so it is refused like a forged one.
    #[serde(with = "cercat_common::id::as_string")]
    pub sub: UserId,
    /// Role at issue time.
    pub role: Role,
    /// Session family id (revoked on logout / password change).
    pub sid: String,
    /// Token type; always `access` (refresh tokens are opaque, never JWTs).
    pub typ: String,
    /// Token id.
    pub jti: String,
    /// Who issued the token: `auth.issuer` in the config; checked on decode.
    pub iss: String,
    /// Who the token is for: `auth.audience` in the config; checked on decode.
    pub aud: String,
    /// Issued at (s).
    pub iat: i64,
    /// Not before (s).
    pub nbf: i64,
    /// Expires (s).
    pub exp: i64,
}

impl AccessClaims {
    /// The user id, for the services that take a plain `i64`.
    pub fn user_id(&self) -> i64 {
        self.sub.get()
    }
}

/// Signs and verifies access tokens.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: i64,
    /// The server secret, also keying [`JwtKeys::keyed_digest`].
    secret: std::sync::Arc<[u8]>,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys").field("issuer", &self.issuer).field("audience", &self.audience).finish()
    }
}

const TYPE_ACCESS: &str = "access";

impl JwtKeys {
    /// Keys from a shared secret (≥ 32 bytes), for tokens living `ttl_secs` (≤ 900).
    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl_secs: u64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.validate_nbf = true;
        validation.validate_exp = true;
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl_secs: i64::try_from(ttl_secs.min(900)).unwrap_or(900),
            secret: secret.into(),
        }
    }

    fn mac(&self, parts: &[&str]) -> [u8; 32] {
        // HMAC takes keys of any length, so `new_from_slice` cannot fail.
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.secret) else { unreachable!() };
        mac.update(parts.join("|").as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The server secret, for signers that derive their own key from it.
    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// HMAC-SHA256 hex of `parts` joined by `|`, keyed with the server secret: what cannot be
    /// recomputed without the secret (email-code digests, refresh-token successors).
    pub fn keyed_digest(&self, parts: &[&str]) -> String {
        self.mac(parts).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The refresh token that rotating `old` yields. Derived (keyed) rather than random, so
    /// every api instance answering concurrent uses of `old` hands out the same successor
    /// without storing it in plain text.
    pub fn refresh_successor(&self, old: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(&["refresh-successor", old]))
    }

    /// Access-token lifetime in seconds.
    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// Issues an access token at `now` (unix seconds).
    pub fn issue(&self, user_id: i64, role: Role, sid: &str, now: i64) -> Result<String, UserError> {
        self.issue_with_id(user_id, role, sid, now, uuid::Uuid::new_v4().simple().to_string())
    }

    /// Issues an access token with a chosen token id: the same inputs give the same token
    /// (HS256 is deterministic), which is how a refresh repeated in its grace window answers
    /// with the very pair it answered first.
    pub fn issue_with_id(
        &self,
        user_id: i64,
        role: Role,
        sid: &str,
        now: i64,
        jti: String,
    ) -> Result<String, UserError> {
        let sub = UserId::new(user_id)
            .map_err(|e| UserError::Store(cercat_common::PortError::Corrupt(format!("cannot sign a token: {e}"))))?;
        let claims = AccessClaims {
            sub,
            role,
            sid: sid.to_owned(),
            typ: TYPE_ACCESS.to_owned(),
            jti,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp: now + self.ttl_secs,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| UserError::Store(cercat_common::PortError::Corrupt(format!("cannot sign a token: {e}"))))
    }

    /// Verifies signature (HS256 only), `exp`, `nbf`, `iss`, `aud` and the token type.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, UserError> {
        let data =
            decode::<AccessClaims>(token, &self.decoding, &self.validation).map_err(|_| UserError::InvalidToken)?;
        if data.claims.typ != TYPE_ACCESS {
            return Err(UserError::InvalidToken);
        }
        Ok(data.claims)
    }
}

/// A fresh opaque refresh token (256 random bits, URL-safe).
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 hex of `parts` joined by `|` — how tokens and codes are stored.
pub fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(parts.join("|").as_bytes());
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(b"0123456789abcdef0123456789abcdef", "cercat", "cercat-client", 900)
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn a_fresh_token_verifies_and_carries_its_claims() {
        let token = keys().issue(7, Role::User, "fam", now()).unwrap();
        let claims = keys().verify(&token).unwrap();
        assert_eq!((claims.user_id(), claims.role, claims.sid.as_str()), (7, Role::User, "fam"));
        assert_eq!(claims.exp - claims.iat, 900);
    }

    #[test]
    fn tampered_expired_future_foreign_and_unsigned_tokens_are_refused() {
        let k = keys();
        let token = k.issue(7, Role::User, "fam", now()).unwrap();
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        // Tampered payload: role ADMIN with the old signature.
        let mut claims = k.verify(&token).unwrap();
        claims.role = Role::Admin;
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        assert!(k.verify(&parts.join(".")).is_err(), "tampered");
        // alg:none.
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        assert!(k.verify(&format!("{none_header}.{body}.")).is_err(), "alg none");
        // Expired and not yet valid.
        assert!(k.verify(&k.issue(7, Role::User, "f", now() - 2000).unwrap()).is_err(), "expired");
        assert!(k.verify(&k.issue(7, Role::User, "f", now() + 600).unwrap()).is_err(), "nbf in the future");
        // Other audience / issuer / key.
        let other_aud = JwtKeys::new(b"0123456789abcdef0123456789abcdef", "cercat", "someone-else", 900);
        assert!(k.verify(&other_aud.issue(7, Role::User, "f", now()).unwrap()).is_err(), "audience");
        let other_iss = JwtKeys::new(b"0123456789abcdef0123456789abcdef", "evil", "cercat-client", 900);
        assert!(k.verify(&other_iss.issue(7, Role::User, "f", now()).unwrap()).is_err(), "issuer");
        let other_key = JwtKeys::new(b"another-secret-another-secret-xx", "cercat", "cercat-client", 900);
        assert!(k.verify(&other_key.issue(7, Role::User, "f", now()).unwrap()).is_err(), "key");
        // HS384 with the same secret.
        let hs384 = encode(
            &Header::new(Algorithm::HS384),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap();
        assert!(k.verify(&hs384).is_err(), "algorithm is fixed");
        // A non-access token type.
        let mut refresh_like = k.verify(&token).unwrap();
        refresh_like.typ = "refresh".into();
        let signed = encode(
            &Header::new(Algorithm::HS256),
            &refresh_like,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap();
        assert!(k.verify(&signed).is_err(), "token type");
    }

    #[test]
    fn a_signed_token_whose_subject_is_not_a_positive_id_is_refused() {
        let k = keys();
        let mut claims =
            serde_json::to_value(k.verify(&k.issue(7, Role::User, "fam", now()).unwrap()).unwrap()).unwrap();
        for bad in ["0", "-3", "x", ""] {
            claims["sub"] = bad.into();
            let signed = encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
            )
            .unwrap();
            assert!(matches!(k.verify(&signed), Err(UserError::InvalidToken)), "sub {bad:?}");
        }
        assert!(k.issue(0, Role::User, "fam", now()).is_err(), "no token is issued for user 0");
    }

    #[test]
    fn refresh_tokens_are_long_random_and_digests_stable() {
        let (a, b) = (new_refresh_token(), new_refresh_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(digest(&["x", "y"]), digest(&["x", "y"]));
        assert_ne!(digest(&["x", "y"]), digest(&["xy"]));
    }
}

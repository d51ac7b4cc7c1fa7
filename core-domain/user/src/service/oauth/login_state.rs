//! The login state of a started OAuth sign-in, carried by the browser in a signed, short-lived
//! token so that any instance can finish the sign-in: it ties the callback to the browser that
//! started it (CSRF) and to the provider it was started with.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::{UserError, tokens::digest};

/// How long a started sign-in may take, in seconds.
pub const LOGIN_STATE_TTL_SECS: i64 = 600;

const STATE_TYPE: &str = "oauth-state";

#[derive(Debug, Serialize, Deserialize)]
struct StateClaims {
    provider: String,
    state: String,
    typ: String,
    exp: i64,
}

/// Signs and checks login states (HS256 with a key derived from the server secret, so one can
/// never be taken for an access token: another key and another type).
#[derive(Clone)]
pub(crate) struct LoginStates {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for LoginStates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginStates")
    }
}

impl LoginStates {
    /// From the server secret.
    pub(crate) fn new(secret: &[u8]) -> Self {
        let key = digest(&[&String::from_utf8_lossy(secret), STATE_TYPE]);
        Self { encoding: EncodingKey::from_secret(key.as_bytes()), decoding: DecodingKey::from_secret(key.as_bytes()) }
    }

    /// A fresh random state and its signed token for `provider`, valid from `now` (Unix seconds).
    pub(crate) fn start(&self, provider: &str, now: i64) -> Result<(String, String), UserError> {
        let state = uuid::Uuid::new_v4().simple().to_string();
        let claims = StateClaims {
            provider: provider.into(),
            state: state.clone(),
            typ: STATE_TYPE.into(),
            exp: now + LOGIN_STATE_TTL_SECS,
        };
        let signed = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| UserError::Store(cercat_common::PortError::Corrupt(e.to_string())))?;
        Ok((state, signed))
    }

    /// Checks that `signed` is ours, unexpired, for `provider`, and carries `state`.
    pub(crate) fn check(&self, signed: Option<&str>, provider: &str, state: Option<&str>) -> Result<(), UserError> {
        let (Some(signed), Some(state)) = (signed, state) else { return Err(UserError::OAuthStateInvalid) };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp"]);
        validation.leeway = 0;
        let claims = decode::<StateClaims>(signed, &self.decoding, &validation)
            .map_err(|_| UserError::OAuthStateInvalid)?
            .claims;
        if claims.typ == STATE_TYPE && claims.provider == provider && claims.state == state {
            Ok(())
        } else {
            Err(UserError::OAuthStateInvalid)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_is_accepted_only_with_its_value_for_its_provider_and_unexpired() {
        let states = LoginStates::new(b"a test secret of thirty-two bytes!");
        let now = chrono::Utc::now().timestamp();
        let (state, signed) = states.start("kakao", now).unwrap();
        assert!(states.check(Some(&signed), "kakao", Some(&state)).is_ok());
        let refused = |signed: Option<&str>, provider: &str, state: Option<&str>| {
            matches!(states.check(signed, provider, state), Err(UserError::OAuthStateInvalid))
        };
        assert!(refused(Some(&signed), "kakao", Some("forged")), "another value");
        assert!(refused(Some(&signed), "apple", Some(&state)), "another provider");
        assert!(refused(None, "kakao", Some(&state)), "no token");
        assert!(refused(Some(&format!("{signed}x")), "kakao", Some(&state)), "tampered");
        let other = LoginStates::new(b"another secret of thirty-two bytes");
        assert!(matches!(other.check(Some(&signed), "kakao", Some(&state)), Err(UserError::OAuthStateInvalid)));
        let (old, expired) = states.start("kakao", now - LOGIN_STATE_TTL_SECS - 1).unwrap();
        assert!(refused(Some(&expired), "kakao", Some(&old)), "expired");
    }
}

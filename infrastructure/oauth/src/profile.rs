//! Reading the identity out of a provider's answer: the user-info JSON, or the claims of the
//! `id_token` the token endpoint returned (received directly over TLS from the provider, which
//! OpenID Connect Core §3.1.3.7 accepts in place of a signature check; its audience must be our
//! client id and it must not have expired).

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use cercat_user::ports::{ExternalIdentity, IdentityProviderError};
use serde_json::Value;

use crate::ProviderOptions;

fn rejected(reason: impl Into<String>) -> IdentityProviderError {
    IdentityProviderError::Rejected(reason.into())
}

/// A non-empty string or a number, as text.
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The claims of `id_token`, if it is addressed to `client_id` and unexpired at `now` (Unix seconds).
pub(crate) fn id_token_claims(id_token: &str, client_id: &str, now: i64) -> Result<Value, IdentityProviderError> {
    let payload = id_token.split('.').nth(1).ok_or_else(|| rejected("malformed id_token"))?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).map_err(|_| rejected("malformed id_token"))?;
    let claims: Value = serde_json::from_slice(&bytes).map_err(|_| rejected("malformed id_token"))?;
    let aud_ok = match &claims["aud"] {
        Value::String(a) => a == client_id,
        Value::Array(list) => list.iter().any(|a| a.as_str() == Some(client_id)),
        _ => false,
    };
    let exp_ok = claims["exp"].as_i64().is_some_and(|exp| exp > now);
    if !aud_ok || !exp_ok {
        return Err(rejected("the id_token is not for this client or has expired"));
    }
    Ok(claims)
}

/// The identity in `profile` (user info or id-token claims), found by the provider's pointers.
pub(crate) fn identity(profile: &Value, p: &ProviderOptions) -> Result<ExternalIdentity, IdentityProviderError> {
    let subject = text(profile.pointer(&p.subject_pointer)).ok_or_else(|| rejected("no user id in the profile"))?;
    let email_verified = p.email_verified_pointer.as_deref().and_then(|ptr| profile.pointer(ptr)).is_some_and(|flag| {
        matches!(flag, Value::Bool(true)) || flag.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))
    });
    let email = text(profile.pointer(&p.email_pointer));
    Ok(ExternalIdentity { subject, email, email_verified })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kakao() -> ProviderOptions {
        ProviderOptions {
            client_id: "cercat".into(),
            client_secret: "shh".into(),
            authorize_url: "https://kauth.example/authorize".into(),
            token_url: "https://kauth.example/token".into(),
            userinfo_url: Some("https://kapi.example/me".into()),
            scope: "account_email".into(),
            subject_pointer: "/id".into(),
            email_pointer: "/kakao_account/email".into(),
            email_verified_pointer: Some("/kakao_account/is_email_verified".into()),
        }
    }

    fn token(claims: &Value) -> String {
        format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(claims.to_string()))
    }

    #[test]
    fn the_identity_is_read_by_the_providers_pointers() {
        let profile = json!({ "id": 4242, "kakao_account": { "email": "k@kakao.test", "is_email_verified": "TRUE" } });
        let identity = identity(&profile, &kakao()).unwrap();
        assert_eq!(
            identity,
            ExternalIdentity { subject: "4242".into(), email: Some("k@kakao.test".into()), email_verified: true }
        );

        let unverified = json!({ "id": "x", "kakao_account": { "email": "k@kakao.test", "is_email_verified": false } });
        assert!(!super::identity(&unverified, &kakao()).unwrap().email_verified);
        let no_flag = ProviderOptions { email_verified_pointer: None, ..kakao() };
        assert!(!super::identity(&profile, &no_flag).unwrap().email_verified, "without a flag nothing is verified");
        assert!(matches!(
            super::identity(&json!({ "id": "" }), &kakao()),
            Err(IdentityProviderError::Rejected(r)) if r == "no user id in the profile"
        ));
    }

    #[test]
    fn an_id_token_counts_only_for_our_client_and_before_it_expires() {
        let now = 1_900_000_000;
        let ours = json!({ "sub": "a1", "aud": ["other", "cercat"], "exp": now + 60 });
        assert_eq!(id_token_claims(&token(&ours), "cercat", now).unwrap()["sub"], "a1");
        for bad in [
            json!({ "aud": "other", "exp": now + 60 }),
            json!({ "aud": "cercat", "exp": now }),
            json!({ "aud": "cercat" }),
        ] {
            assert!(matches!(id_token_claims(&token(&bad), "cercat", now), Err(IdentityProviderError::Rejected(_))));
        }
        for malformed in ["no-dots", "e30.!!!.sig", "e30.bm9wZQ.sig"] {
            assert!(matches!(
                id_token_claims(malformed, "cercat", now),
                Err(IdentityProviderError::Rejected(r)) if r == "malformed id_token"
            ));
        }
    }
}

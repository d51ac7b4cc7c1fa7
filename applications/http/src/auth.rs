//! Authentication extractors — one per requirement, so a handler's signature states who may
//! call it. They verify the bearer access token with the [`AccountService`] the app registers
//! as `web::Data<AccountService>` (both servers do; the same secret signs for both).

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use cercat_user::{AccessClaims, AccountService, Role, UserError};
use futures::future::LocalBoxFuture;

use crate::error::AppError;

/// The header Cercat's client sends its access token in (`Bearer …`).
pub const ACCESS_TOKEN: &str = "access-token";

/// The access token from `Access-Token` or `Authorization` (either may carry `Bearer `).
fn presented_token(req: &HttpRequest) -> Option<String> {
    [ACCESS_TOKEN, "authorization"]
        .iter()
        .filter_map(|h| req.headers().get(*h))
        .filter_map(|v| v.to_str().ok())
        .map(str::trim)
        .find(|v| !v.is_empty() && *v != "undefined" && *v != "Bearer undefined")
        .map(str::to_owned)
}

async fn authenticate(req: HttpRequest) -> Result<AccessClaims, AppError> {
    let accounts =
        req.app_data::<web::Data<AccountService>>().ok_or_else(|| AppError::from(UserError::InvalidToken))?.clone();
    let token = presented_token(&req).ok_or(UserError::InvalidToken)?;
    let claims = accounts.authenticate(&token).await?;
    tracing::Span::current().record("user_id", tracing::field::display(&claims.sub));
    req.extensions_mut().insert(claims.clone());
    Ok(claims)
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $allowed:expr, $label:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub AccessClaims);

        impl $name {
            /// The caller's user id (always positive: a token whose subject is not a valid
            /// id never authenticates).
            pub fn user_id(&self) -> i64 {
                self.0.sub.get()
            }
        }

        impl FromRequest for $name {
            type Error = AppError;
            type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let req = req.clone();
                Box::pin(async move {
                    let claims = authenticate(req).await?;
                    let allowed: &[Role] = $allowed;
                    if allowed.contains(&claims.role) { Ok(Self(claims)) } else { Err(UserError::Forbidden($label).into()) }
                })
            }
        }
    };
}

role_extractor!(
    /// Any signed-in caller, GUEST included (onboarding, profile, sign-out).
    Authenticated,
    &[Role::Guest, Role::User, Role::Instructor, Role::Admin],
    "signed-in"
);
role_extractor!(
    /// A member who finished onboarding: USER, INSTRUCTOR or ADMIN.
    Member,
    &[Role::User, Role::Instructor, Role::Admin],
    "USER"
);
role_extractor!(
    /// An INSTRUCTOR (or ADMIN).
    Instructor,
    &[Role::Instructor, Role::Admin],
    "INSTRUCTOR"
);
role_extractor!(
    /// An ADMIN.
    Admin,
    &[Role::Admin],
    "ADMIN"
);

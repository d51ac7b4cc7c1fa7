//! Authentication extractors — one per requirement, so a handler's signature states who may
//! call it — and the `Refresh-Token` header handling Cercat's web client relies on.

use actix_web::{
    FromRequest, HttpMessage, HttpRequest, HttpResponse,
    body::{BoxBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::{StatusCode, header::HeaderValue},
    middleware::Next,
    web,
};
use cercat_user::{AccessClaims, Role, UserError};
use futures::future::LocalBoxFuture;

use crate::{AppState, error::AppError};

/// The header Cercat's client sends its access token in (`Bearer …`).
pub const ACCESS_TOKEN: &str = "access-token";
/// The header Cercat's client sends its refresh token in.
pub const REFRESH_TOKEN: &str = "refresh-token";

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
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| AppError::from(UserError::InvalidToken))?.clone();
    let token = presented_token(&req).ok_or(UserError::InvalidToken)?;
    let claims = state.accounts.authenticate(&token).await?;
    tracing::Span::current().record("user_id", claims.sub.as_str());
    req.extensions_mut().insert(claims.clone());
    Ok(claims)
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $allowed:expr, $label:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub AccessClaims);

        impl $name {
            /// The caller's user id.
            pub fn user_id(&self) -> i64 {
                self.0.sub.parse().unwrap_or_default()
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

/// Middleware for Cercat's client: a request carrying `Refresh-Token` is a refresh — it is
/// answered 201 with new `access-token` / `refresh-token` headers (and the pair in the body)
/// without reaching the handler; a bad token answers 401 in the envelope.
pub async fn refresh_by_header(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let presented = req.headers().get(REFRESH_TOKEN).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let Some(presented) = presented.filter(|t| !t.trim().is_empty()) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let (http_req, _payload) = req.into_parts();
    let response = match state.accounts.refresh(&presented).await {
        Ok(pair) => {
            let mut res = HttpResponse::build(StatusCode::CREATED);
            if let (Ok(a), Ok(r)) =
                (HeaderValue::from_str(&pair.access_token), HeaderValue::from_str(&pair.refresh_token))
            {
                res.insert_header((ACCESS_TOKEN, a)).insert_header((REFRESH_TOKEN, r));
            }
            res.json(cercat_error::ApiResponse::created(pair))
        }
        Err(err) => actix_web::ResponseError::error_response(&AppError::from(err)),
    };
    Ok(ServiceResponse::new(http_req, response))
}

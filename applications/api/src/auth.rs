//! The `Refresh-Token` header handling Cercat's web client relies on. (The access-token
//! extractors both servers use are `cercat_http::auth`'s.)

use actix_web::{
    HttpResponse,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{StatusCode, header::HeaderValue},
    middleware::Next,
    web,
};
use cercat_http::{AppError, auth::ACCESS_TOKEN};

use crate::AppState;
/// The header Cercat's client sends its refresh token in.
pub const REFRESH_TOKEN: &str = "refresh-token";

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

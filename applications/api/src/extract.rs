//! `Valid<T>`: a JSON body that parsed *and* passed its `validator` rules (GLB_005 otherwise,
//! one entry per bad field).

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::error::AppError;

/// A validated JSON body.
#[derive(Debug)]
pub struct Valid<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Valid<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<T>::from_request(req, payload);
        Box::pin(async move {
            let body = json.await?.into_inner();
            body.validate().map_err(|e| AppError(cercat_error::validation_error(&e)))?;
            Ok(Self(body))
        })
    }
}

/// An optional numeric query parameter as Cercat's client sends it: absent, blank, or `전체`
/// ("all") mean no filter; anything else must be a number (GLB_003 naming the parameter).
pub fn optional_number(raw: Option<&str>, field: &str) -> Result<Option<i32>, AppError> {
    match raw.map(str::trim).filter(|v| !v.is_empty() && *v != "전체") {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| AppError::invalid_query(field, "must be a number")),
    }
}

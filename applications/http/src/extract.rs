//! Input extractors that answer bad input in the envelope: [`Valid<T>`], a JSON body that
//! parsed *and* passed its `validator` rules (GLB_005 otherwise, one entry per bad field);
//! [`IdPath<T>`], path parameters whose ids are typed and positive (GLB_004 otherwise); and
//! [`optional_number`] for the client's loose query filters.

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use cercat_common::{Id, IdError, IdKind};
use cercat_error::{ApiError, ErrorCode};
use futures::future::{LocalBoxFuture, Ready, ready};
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::error::AppError;

/// A validated JSON body (read by JSON Schema's rules: [`cercat_error::Strict`]).
#[derive(Debug)]
pub struct Valid<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Valid<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<cercat_error::Strict<T>>::from_request(req, payload);
        Box::pin(async move {
            let body = json.await?.into_inner().0;
            body.validate().map_err(|e| AppError(cercat_error::validation_error(&e)))?;
            Ok(Self(body))
        })
    }
}

/// An optional numeric query parameter as Cercat's client sends it: absent, blank, or `전체`
/// ("all") mean no filter; anything else must be a number (GLB_003 naming the parameter).
pub fn optional_number(raw: Option<&str>, field: &str) -> Result<Option<i32>, AppError> {
    // Trimmed of exactly the blanks `^[ \t\n\r]*…[ \t\n\r]*$` allows, so the documented
    // pattern and this reader agree on every value.
    match raw.map(|v| v.trim_matches([' ', '\t', '\n', '\r'])).filter(|v| !v.is_empty() && *v != "전체") {
        None => Ok(None),
        Some(v) if v.len() <= 9 && v.bytes().all(|b| b.is_ascii_digit()) => {
            v.parse().map(Some).map_err(|_| AppError::invalid_query(field, "must be a number"))
        }
        Some(_) => Err(AppError::invalid_query(field, "must be blank, 전체 or a number of at most 9 digits")),
    }
}

/// An optional id in a query string: absent or blank is none; otherwise 1 to 18 digits without
/// a leading zero (`^[ \t\n\r]*([1-9][0-9]{0,17})?[ \t\n\r]*$`, as the document states it).
pub fn optional_id(raw: Option<&str>, field: &str) -> Result<Option<i64>, AppError> {
    match raw.map(|v| v.trim_matches([' ', '\t', '\n', '\r'])).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.len() <= 18 && v.bytes().all(|b| b.is_ascii_digit()) && !v.starts_with('0') => {
            v.parse().map(Some).map_err(|_| AppError::invalid_query(field, "must be a positive integer"))
        }
        Some(_) => Err(AppError::invalid_query(field, "must be a positive integer (at most 18 digits)")),
    }
}

/// Path parameters read in the route's order, ids as [`Id<K>`]: `IdPath<CertificateId>`,
/// `IdPath<(MockExamId, i32)>`. An id of 0 or below answers 400 GLB_004 naming it
/// (`certificateId must be a positive integer`); a segment that is not a number answers
/// GLB_004 with the parser's words, as `web::Path` does. (Not called `Path`: utoipa documents
/// `Path<T>` arguments by their type, which a domain id cannot describe, so every route
/// lists its path parameters in `params(...)`.)
#[derive(Debug)]
pub struct IdPath<T>(pub T);

impl<T> IdPath<T> {
    /// The parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// One path segment's type.
pub trait FromSegment: Sized {
    /// Reads `raw`, a segment of the request path `path`.
    fn from_segment(raw: &str, path: &str) -> Result<Self, AppError>;
}

/// What [`IdPath`] can hold: one segment or a tuple of them.
pub trait FromSegments: Sized {
    /// Reads the route's segments, in order.
    fn from_segments(segments: &[&str], path: &str) -> Result<Self, AppError>;
}

fn unparsable(path: &str, raw: &str, ty: &str) -> AppError {
    AppError(ApiError::new(
        ErrorCode::INVALID_PATH,
        format!("the path `{path}` is invalid: can not parse {raw:?} to a {ty}"),
    ))
}

impl<K: IdKind> FromSegment for Id<K> {
    fn from_segment(raw: &str, path: &str) -> Result<Self, AppError> {
        raw.parse().map_err(|err| match err {
            IdError::NotPositive { name } => AppError::invalid_path(name, "must be a positive integer"),
            IdError::NotANumber { .. } => unparsable(path, raw, "i64"),
        })
    }
}

impl FromSegment for i32 {
    fn from_segment(raw: &str, path: &str) -> Result<Self, AppError> {
        raw.parse().map_err(|_| unparsable(path, raw, "i32"))
    }
}

impl FromSegment for String {
    fn from_segment(raw: &str, _: &str) -> Result<Self, AppError> {
        Ok(raw.to_owned())
    }
}

fn segment<T: FromSegment>(segments: &[&str], at: usize, path: &str) -> Result<T, AppError> {
    let raw = segments.get(at).ok_or_else(|| {
        AppError(ApiError::new(ErrorCode::INVALID_PATH, format!("the path `{path}` is invalid: a segment is missing")))
    })?;
    T::from_segment(raw, path)
}

impl<K: IdKind> FromSegments for Id<K> {
    fn from_segments(segments: &[&str], path: &str) -> Result<Self, AppError> {
        segment(segments, 0, path)
    }
}

macro_rules! tuple_segments {
    ($($t:ident => $at:tt),+) => {
        impl<$($t: FromSegment),+> FromSegments for ($($t,)+) {
            fn from_segments(segments: &[&str], path: &str) -> Result<Self, AppError> {
                Ok(($(segment::<$t>(segments, $at, path)?,)+))
            }
        }
    };
}

tuple_segments!(A => 0, B => 1);
tuple_segments!(A => 0, B => 1, C => 2);

impl<T: FromSegments> FromRequest for IdPath<T> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let segments: Vec<&str> = req.match_info().iter().map(|(_, value)| value).collect();
        ready(T::from_segments(&segments, req.path()).map(IdPath))
    }
}

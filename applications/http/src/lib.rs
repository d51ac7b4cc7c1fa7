//! The HTTP kernel of Cercat's servers (`cercat-api`, `cercat-admin`): what a request meets
//! before and around a handler, whichever program serves it — the bearer-token extractors and
//! role guards ([`auth`]), domain errors mapped to the wire envelope ([`error`]), input
//! extractors that answer bad input in the envelope ([`extract`]), the body read bounds
//! ([`body_deadline`]), readiness ([`health`]), the wire types both servers render
//! ([`dto`]: certificates, mock exams) and the OpenAPI pieces both documents share
//! ([`openapi`], [`codes`]). Programs depend on this crate, never on each other.
//!
//! An app using it registers `web::Data<cercat_user::AccountService>` (for the extractors)
//! and `web::Data<body_deadline::BodyBounds>` (for the middleware).

pub mod auth;
pub mod body_deadline;
pub mod codes;
pub mod dto;
pub mod error;
pub mod extract;
pub mod health;
pub mod openapi;

pub use error::AppError;
pub use extract::{IdPath, Valid};

//! Cercat's REST API (actix-web). [`startup::Application`] builds the whole server from
//! settings — `main` and the tests use the same function — and [`openapi::document`] gives the
//! OpenAPI 3.1 document without starting anything.

pub mod auth;
pub mod client_ip;
pub mod course_tasks;
pub mod dto;
pub mod idempotency;
pub mod multipart;
pub mod openapi;
pub mod queue_stream;
pub mod routes;
pub mod sse;
pub mod startup;
mod state;

pub use startup::{Application, Drainer, StartupError};
pub use state::AppState;

//! Cercat's REST API (actix-web). [`startup::Application`] builds the whole server from
//! settings — `main` and the tests use the same function — and [`openapi::document`] gives the
//! OpenAPI 3.1 document without starting anything.

pub mod auth;
pub mod client_ip;
pub mod course_tasks;
mod drain;
pub mod dto;
pub mod idempotency;
pub mod multipart;
pub mod openapi;
pub mod queue_stream;
pub mod routes;
pub mod sse;
pub mod startup;
mod state;
mod stream_tasks;

pub use drain::Drainer;
pub use startup::{Application, StartupError};
pub use state::AppState;

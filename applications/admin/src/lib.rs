//! The operators' HTTP API (ADMIN only, its own port and OpenAPI document), built on the HTTP
//! kernel the public API uses too (`cercat-http`: extractors, error envelope, body bounds,
//! readiness) and on the services it calls ([`AdminState`]).

pub mod dto;
pub mod routes;
pub mod server;
pub mod state;

pub use server::{AdminServer, StartupError, admin_declared_document, admin_document_json};
pub use state::AdminState;

//! The operators' HTTP API (ADMIN only, its own port and OpenAPI document), built on the api
//! crate's plumbing (state, extractors, error envelope, telemetry).

pub mod dto;
pub mod routes;
pub mod server;

pub use server::{AdminServer, admin_declared_document, admin_document_json};

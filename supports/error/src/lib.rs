//! The wire envelope and error model every Cercat program speaks (SPEC §2).
//!
//! Success: `{"responseCode":"SUCCESS","result":…}`.
//! Failure: `{"responseCode":"<CODE>","message":"…","errors":[{"field":"…","reason":"…"}]}`
//! with the matching HTTP status. 5xx bodies are opaque: they carry `GLB_001` and the
//! request id, never the cause (which goes to the log).

mod codes;
mod envelope;
mod input;
pub mod strict;

pub use codes::{ErrorCode, GLOBAL_CODES};
pub use envelope::{ApiError, ApiResponse, ErrorBody, FieldError};
pub use input::{AllowedMethods, ensure_error_envelope, json_config, path_config, query_config, validation_error};
pub use strict::Strict;

//! Errors of the mock-exam context, with their stable codes.

use cercat_common::{DomainError, ErrorKind, PortError};

/// Failures of mock-exam use cases.
#[derive(Debug, thiserror::Error)]
pub enum MockExamError {
    /// MEX_001.
    #[error("mock exam {0} does not exist")]
    NotFound(i64),
    /// MEX_002: an answer names a question or option the exam does not have.
    #[error("{0}")]
    InvalidSubmission(String),
    /// MEX_003: no such result of the caller's.
    #[error("mock exam result {0} does not exist")]
    ResultNotFound(i64),
    /// MEX_004: no such answer of the caller's.
    #[error("user answer {0} does not exist")]
    AnswerNotFound(i64),
    /// MEX_005: the import document is malformed.
    #[error("{0}")]
    InvalidImport(String),
    /// MEX_006: the certificate already has a mock exam for this year and round.
    #[error("certificate {certificate_id} already has a mock exam for {year} round {round}")]
    Duplicate {
        /// Certificate.
        certificate_id: i64,
        /// Year.
        year: i32,
        /// Round.
        round: i32,
    },
    /// MEX_007: the caller has not taken this exam yet.
    #[error("no result of mock exam {0} yet")]
    NoResultYet(i64),
    /// MEX_008: a report or filter parameter is missing or out of range.
    #[error("{field} {reason}")]
    InvalidPeriod {
        /// The query parameter.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// MEX_009: the exam has results and cannot be deleted.
    #[error("mock exam {0} has results; it cannot be deleted")]
    HasResults(i64),
    /// MEX_010: an uploaded image is too large or not an image.
    #[error("{0}")]
    InvalidImage(String),
    /// MEX_011: no such question (or option).
    #[error("{0}")]
    QuestionNotFound(String),
    /// MEX_012: an edited question is invalid.
    #[error("{field} {reason}")]
    InvalidQuestion {
        /// Field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The certificate is unknown (CRT_001).
    #[error(transparent)]
    Certificate(#[from] cercat_certificate::CertificateError),
    /// A dependency failed.
    #[error(transparent)]
    Store(#[from] PortError),
}

impl DomainError for MockExamError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound(_)
            | Self::ResultNotFound(_)
            | Self::AnswerNotFound(_)
            | Self::NoResultYet(_)
            | Self::QuestionNotFound(_) => ErrorKind::NotFound,
            Self::InvalidSubmission(_)
            | Self::InvalidImport(_)
            | Self::InvalidPeriod { .. }
            | Self::InvalidImage(_)
            | Self::InvalidQuestion { .. } => ErrorKind::Invalid,
            Self::Duplicate { .. } | Self::HasResults(_) => ErrorKind::Conflict,
            Self::Certificate(e) => e.kind(),
            Self::Store(e) => e.kind(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "MEX_001",
            Self::InvalidSubmission(_) => "MEX_002",
            Self::ResultNotFound(_) => "MEX_003",
            Self::AnswerNotFound(_) => "MEX_004",
            Self::InvalidImport(_) => "MEX_005",
            Self::Duplicate { .. } => "MEX_006",
            Self::NoResultYet(_) => "MEX_007",
            Self::InvalidPeriod { .. } => "MEX_008",
            Self::HasResults(_) => "MEX_009",
            Self::InvalidImage(_) => "MEX_010",
            Self::QuestionNotFound(_) => "MEX_011",
            Self::InvalidQuestion { .. } => "MEX_012",
            Self::Certificate(e) => e.code(),
            Self::Store(e) => e.code(),
        }
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            Self::InvalidPeriod { field, .. } | Self::InvalidQuestion { field, .. } => Some(field),
            Self::InvalidSubmission(_) => Some("createSubjectResultRequests"),
            Self::InvalidImport(_) => Some("questions"),
            _ => None,
        }
    }
}

/// The mock-exam context's codes and meanings, for the OpenAPI document.
pub const CODES: &[(&str, u16, &str)] = &[
    ("MEX_001", 404, "The mock exam does not exist"),
    ("MEX_002", 400, "An answer names a question or option the exam does not have, twice, or with a bad time"),
    ("MEX_003", 404, "No such mock exam result of the caller's"),
    ("MEX_004", 404, "No such answer of the caller's"),
    ("MEX_005", 400, "The mock exam import document is malformed (the message says where)"),
    ("MEX_006", 409, "The certificate already has a mock exam for this year and round"),
    ("MEX_007", 404, "The caller has not taken this mock exam yet"),
    ("MEX_008", 400, "A report or date filter parameter is missing or out of range"),
    ("MEX_009", 409, "The mock exam has results and cannot be deleted"),
    ("MEX_010", 400, "The image is too large or not PNG/JPEG/GIF/WebP"),
    ("MEX_011", 404, "No such question or option"),
    ("MEX_012", 400, "An edited question is invalid"),
];

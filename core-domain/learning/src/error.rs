//! Errors of the learning context, with their stable codes.

use cercat_common::{DomainError, ErrorKind, PortError};

/// Failures of learning use cases.
#[derive(Debug, thiserror::Error)]
pub enum LearningError {
    /// LRN_001: no such goal of the caller's (also `GET /goals/0`, which the client sends
    /// when the user has none).
    #[error("goal {0} does not exist")]
    GoalNotFound(i64),
    /// LRN_002: a goal field is out of range.
    #[error("{field} {reason}")]
    InvalidGoal {
        /// Field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// LRN_003: a study time is out of range.
    #[error("studyTime {0}")]
    InvalidStudyTime(String),
    /// LRN_004: the user has no goal for the certificate.
    #[error("no goal for certificate {0}")]
    NoGoal(i64),
    /// The certificate is unknown (CRT_001).
    #[error(transparent)]
    Certificate(#[from] cercat_certificate::CertificateError),
    /// A dependency failed.
    #[error(transparent)]
    Store(#[from] PortError),
}

impl DomainError for LearningError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::GoalNotFound(_) | Self::NoGoal(_) => ErrorKind::NotFound,
            Self::InvalidGoal { .. } | Self::InvalidStudyTime(_) => ErrorKind::Invalid,
            Self::Certificate(e) => e.kind(),
            Self::Store(e) => e.kind(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::GoalNotFound(_) => "LRN_001",
            Self::InvalidGoal { .. } => "LRN_002",
            Self::InvalidStudyTime(_) => "LRN_003",
            Self::NoGoal(_) => "LRN_004",
            Self::Certificate(e) => e.code(),
            Self::Store(e) => e.code(),
        }
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            Self::InvalidGoal { field, .. } => Some(field),
            Self::InvalidStudyTime(_) => Some("studyTime"),
            _ => None,
        }
    }
}

/// The learning context's codes and meanings, for the OpenAPI document.
pub const CODES: &[(&str, u16, &str)] = &[
    ("LRN_001", 404, "No such goal of the caller's (GET /goals/0 when the user has none)"),
    ("LRN_002", 400, "A goal field is out of range or the period is reversed"),
    ("LRN_003", 400, "The study time is out of range (1 ms to 24 h per log)"),
    ("LRN_004", 404, "The caller has no goal for this certificate"),
];

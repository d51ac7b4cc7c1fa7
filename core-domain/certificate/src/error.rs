//! Errors of the certificate context, with their stable codes.

use cercat_common::{DomainError, ErrorKind, PortError};

/// Failures of certificate queries.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    /// CRT_001.
    #[error("certificate {0} does not exist")]
    NotFound(i64),
    /// CRT_002.
    #[error("certificate {0} has no upcoming exam scheduled")]
    NoUpcomingExam(i64),
    /// CRT_005.
    #[error("certificate {0} has no past exam on record")]
    NoPreviousExam(i64),
    /// A dependency failed.
    #[error(transparent)]
    Store(#[from] PortError),
}

impl DomainError for CertificateError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound(_) | Self::NoUpcomingExam(_) | Self::NoPreviousExam(_) => ErrorKind::NotFound,
            Self::Store(e) => e.kind(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "CRT_001",
            Self::NoUpcomingExam(_) => "CRT_002",
            Self::NoPreviousExam(_) => "CRT_005",
            Self::Store(e) => e.code(),
        }
    }
}

/// Failures of storing a schedule.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScheduleError {
    /// CRT_006: a field is out of range or the dates are out of order.
    #[error("{field} {reason}")]
    Invalid {
        /// The feed/API field name.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// CRT_007: the certificate named by the row is unknown.
    #[error("unknown certificate {0}")]
    UnknownCertificate(String),
    /// CRT_008: another certificate has this name, or the schedule's (year, round) exists.
    #[error("{0}")]
    Duplicate(String),
    /// CRT_010: more than three interest certificates, or one listed twice.
    #[error("{0}")]
    InvalidInterests(String),
    /// CRT_011: the certificate still has mock exams and cannot be deleted.
    #[error("certificate {0} still has mock exams; delete them first")]
    InUse(i64),
    /// CRT_009: no such exam schedule.
    #[error("exam schedule {0} does not exist")]
    ScheduleNotFound(i64),
    /// A dependency failed.
    #[error(transparent)]
    Store(#[from] PortError),
}

impl DomainError for ScheduleError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid { .. } | Self::InvalidInterests(_) => ErrorKind::Invalid,
            Self::UnknownCertificate(_) | Self::ScheduleNotFound(_) => ErrorKind::NotFound,
            Self::Duplicate(_) | Self::InUse(_) => ErrorKind::Conflict,
            Self::Store(e) => e.kind(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::InUse(_) => "CRT_011",
            Self::Invalid { .. } => "CRT_006",
            Self::UnknownCertificate(_) => "CRT_007",
            Self::Duplicate(_) => "CRT_008",
            Self::ScheduleNotFound(_) => "CRT_009",
            Self::InvalidInterests(_) => "CRT_010",
            Self::Store(e) => e.code(),
        }
    }
}

/// The certificate context's codes and meanings, for the OpenAPI document.
pub const CODES: &[(&str, u16, &str)] = &[
    ("CRT_001", 404, "The certificate does not exist"),
    ("CRT_002", 404, "The certificate has no upcoming exam scheduled"),
    ("CRT_003", 400, "Exam reviews are open only during the two weeks after the certificate's latest exam"),
    ("CRT_004", 400, "Only users who had the certificate as a goal or an interest may review its exam"),
    ("CRT_005", 404, "The certificate has no past exam on record"),
    ("CRT_006", 400, "An exam schedule field is out of range or its dates are out of order"),
    ("CRT_007", 404, "The exam schedule names an unknown certificate"),
    ("CRT_008", 409, "A certificate with this name, or a schedule for this year and round, exists"),
    ("CRT_009", 404, "No such exam schedule"),
    ("CRT_010", 400, "At most three interest certificates, each listed once"),
    ("CRT_011", 409, "The certificate still has mock exams and cannot be deleted"),
    ("CRT_012", 409, "The user already reviewed this exam"),
    ("CRT_013", 400, "An exam review field is invalid (difficulty, content)"),
];

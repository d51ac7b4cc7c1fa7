//! Errors of the course context, with their stable codes.

use cercat_common::{DomainError, ErrorKind, PortError};

/// Failures of course use cases.
#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    /// CRS_001: no such course.
    #[error("course {0} does not exist")]
    NotFound(i64),
    /// CRS_002: a field is out of range.
    #[error("{field} {reason}")]
    Invalid {
        /// Field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// CRS_003: only the course's instructor or an admin may change it.
    #[error("only the course's instructor or an admin may change course {0}")]
    NotOwner(i64),
    /// CRS_004: enrollment is not open now.
    #[error("enrollment for course {course} is open from {opens} to {closes} (UTC)")]
    WindowClosed {
        /// Course.
        course: i64,
        /// Opens.
        opens: String,
        /// Closes.
        closes: String,
    },
    /// CRS_005: every seat is taken.
    #[error("course {0} is sold out")]
    SoldOut(i64),
    /// CRS_006: the waiting room is on and no valid admission token was presented.
    #[error("an admission token for course {course} is required: {reason}")]
    AdmissionRequired {
        /// Course.
        course: i64,
        /// What was wrong with the token.
        reason: &'static str,
    },
    /// CRS_007: the caller has not joined the course's waiting room.
    #[error("you are not in the waiting room of course {0}; join it first")]
    NotInQueue(i64),
    /// CRS_008: no such enrollment of the caller's.
    #[error("enrollment {0} does not exist")]
    EnrollmentNotFound(i64),
    /// CRS_009: the enrollment is not awaiting payment.
    #[error("enrollment {id} is {status}, not PENDING_PAYMENT")]
    NotPayable {
        /// Enrollment.
        id: i64,
        /// Its status.
        status: &'static str,
    },
    /// CRS_010: the hold ran out before the payment was confirmed.
    #[error("the hold of enrollment {0} expired before the payment; the seat went back (any charge is refunded)")]
    HoldExpired(i64),
    /// CRS_011: the gateway declined the payment.
    #[error("the payment was declined: {code}: {message}")]
    PaymentDeclined {
        /// The gateway's code.
        code: String,
        /// The gateway's message.
        message: String,
    },
    /// CRS_012: a webhook's signature did not verify.
    #[error("webhook signature invalid: {0}")]
    BadSignature(&'static str),
    /// CRS_013: the change would strand enrolled students.
    #[error("{0}")]
    HasEnrollments(String),
    /// CRS_014: the caller already holds or owns a seat in the course.
    #[error("you already have enrollment {id} ({status}) in course {course}")]
    AlreadyEnrolled {
        /// Course.
        course: i64,
        /// The live enrollment.
        id: i64,
        /// Its status.
        status: &'static str,
    },
    /// CRS_015: the enrollment cannot be cancelled any more.
    #[error("enrollment {id} is {status} and cannot be cancelled")]
    NotCancellable {
        /// Enrollment.
        id: i64,
        /// Its status.
        status: &'static str,
    },
    /// CRS_016: the waiting room is off for this course.
    #[error("course {0} has no waiting room; enroll directly")]
    NoWaitingRoom(i64),
    /// CRS_017: the enrollment was already paid with another payment; this one is refunded.
    #[error("enrollment {0} is already paid with another payment; this payment is refunded")]
    AlreadyPaid(i64),
    /// The certificate is unknown.
    #[error("certificate {0} does not exist")]
    NoCertificate(i64),
    /// A dependency failed.
    #[error(transparent)]
    Store(#[from] PortError),
}

impl DomainError for CourseError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound(_) | Self::NotInQueue(_) | Self::EnrollmentNotFound(_) | Self::NoCertificate(_) => {
                ErrorKind::NotFound
            }
            Self::Invalid { .. } | Self::BadSignature(_) => ErrorKind::Invalid,
            Self::NotOwner(_) | Self::WindowClosed { .. } | Self::AdmissionRequired { .. } => ErrorKind::Forbidden,
            Self::SoldOut(_)
            | Self::NotPayable { .. }
            | Self::HoldExpired(_)
            | Self::HasEnrollments(_)
            | Self::AlreadyEnrolled { .. }
            | Self::NotCancellable { .. }
            | Self::NoWaitingRoom(_)
            | Self::AlreadyPaid(_) => ErrorKind::Conflict,
            Self::PaymentDeclined { .. } => ErrorKind::PaymentRequired,
            Self::Store(e) => e.kind(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "CRS_001",
            Self::Invalid { .. } => "CRS_002",
            Self::NotOwner(_) => "CRS_003",
            Self::WindowClosed { .. } => "CRS_004",
            Self::SoldOut(_) => "CRS_005",
            Self::AdmissionRequired { .. } => "CRS_006",
            Self::NotInQueue(_) => "CRS_007",
            Self::EnrollmentNotFound(_) => "CRS_008",
            Self::NotPayable { .. } => "CRS_009",
            Self::HoldExpired(_) => "CRS_010",
            Self::PaymentDeclined { .. } => "CRS_011",
            Self::BadSignature(_) => "CRS_012",
            Self::HasEnrollments(_) => "CRS_013",
            Self::AlreadyEnrolled { .. } => "CRS_014",
            Self::NotCancellable { .. } => "CRS_015",
            Self::NoWaitingRoom(_) => "CRS_016",
            Self::AlreadyPaid(_) => "CRS_017",
            Self::NoCertificate(_) => "CRT_001",
            Self::Store(e) => e.code(),
        }
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            Self::NoCertificate(_) => Some("certificateId"),
            _ => None,
        }
    }
}

/// The course context's codes and meanings, for the OpenAPI document.
pub const CODES: &[(&str, u16, &str)] = &[
    ("CRS_001", 404, "No such course"),
    ("CRS_002", 400, "A course field is out of range (the field is named)"),
    ("CRS_003", 403, "Only the course's instructor or an admin may change it"),
    ("CRS_004", 403, "Enrollment is not open now (before enrollmentOpensAt or from enrollmentClosesAt)"),
    ("CRS_005", 409, "Sold out: every seat is held or paid"),
    ("CRS_006", 403, "The waiting room is on: a valid, unexpired admission token for this user and course is required"),
    ("CRS_007", 404, "The caller has not joined the course's waiting room"),
    ("CRS_008", 404, "No such enrollment of the caller's"),
    ("CRS_009", 409, "The enrollment is not awaiting payment"),
    (
        "CRS_010",
        409,
        "The hold expired before the payment was confirmed; the seat went back and any charge is refunded",
    ),
    ("CRS_011", 402, "The payment gateway declined the payment; the hold stays until its deadline"),
    ("CRS_012", 400, "A payment webhook's signature or timestamp did not verify"),
    ("CRS_013", 409, "The change would strand enrolled students (delete, or capacity below the seats taken)"),
    ("CRS_014", 409, "The caller already has a live enrollment in the course"),
    ("CRS_015", 409, "The enrollment was already released and cannot be cancelled"),
    ("CRS_016", 409, "The course has no waiting room; enroll directly"),
    ("CRS_017", 409, "The enrollment is already paid with another payment; this payment is refunded"),
];

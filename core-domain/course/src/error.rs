//! Errors of the course context, with their stable codes.

use cercat_common::{PortError, domain_errors};

domain_errors! {
    /// Failures of course use cases.
    pub enum CourseError {
        /// No such course
        #[code("CRS_001", NotFound)]
        #[error("course {0} does not exist")]
        NotFound(i64),
        /// A course field is out of range (the field is named)
        #[code("CRS_002", Invalid)]
        #[error("{field} {reason}")]
        Invalid {
            /// The wire field at fault, e.g. `capacity`; also the envelope's `field`.
            field: &'static str,
            /// What is wrong with it, e.g. `must be between 1 and 100000`.
            reason: String,
        },
        /// Only the course's instructor or an admin may change it
        #[code("CRS_003", Forbidden)]
        #[error("only the course's instructor or an admin may change course {0}")]
        NotOwner(i64),
        /// Enrollment is not open now (before enrollmentOpensAt or from enrollmentClosesAt)
        #[code("CRS_004", Forbidden)]
        #[error("enrollment for course {course} is open from {opens} to {closes} (UTC)")]
        WindowClosed {
            /// The course asked for.
            course: i64,
            /// When enrollment opens, RFC 3339.
            opens: String,
            /// When enrollment closes, RFC 3339.
            closes: String,
        },
        /// Sold out: every seat is held or paid
        #[code("CRS_005", Conflict)]
        #[error("course {0} is sold out")]
        SoldOut(i64),
        /// The waiting room is on: a valid, unexpired admission token for this user and course is required
        #[code("CRS_006", Forbidden)]
        #[error("an admission token for course {course} is required: {reason}")]
        AdmissionRequired {
            /// The course asked for.
            course: i64,
            /// What was wrong with the token.
            reason: &'static str,
        },
        /// The caller has not joined the course's waiting room
        #[code("CRS_007", NotFound)]
        #[error("you are not in the waiting room of course {0}; join it first")]
        NotInQueue(i64),
        /// No such enrollment of the caller's
        #[code("CRS_008", NotFound)]
        #[error("enrollment {0} does not exist")]
        EnrollmentNotFound(i64),
        /// The enrollment is not awaiting payment
        #[code("CRS_009", Conflict)]
        #[error("enrollment {id} is {status}, not PENDING_PAYMENT")]
        NotPayable {
            /// The caller's enrollment.
            id: i64,
            /// Its status.
            status: &'static str,
        },
        /// The hold expired before the payment was confirmed; the seat went back and any charge is refunded
        #[code("CRS_010", Conflict)]
        #[error("the hold of enrollment {0} expired before the payment; the seat went back (any charge is refunded)")]
        HoldExpired(i64),
        /// The payment gateway declined the payment; the hold stays until its deadline
        #[code("CRS_011", PaymentRequired)]
        #[error("the payment was declined: {code}: {message}")]
        PaymentDeclined {
            /// The gateway's code.
            code: String,
            /// The gateway's message.
            message: String,
        },
        /// A payment webhook's signature or timestamp did not verify
        #[code("CRS_012", Unauthenticated)]
        #[error("webhook signature invalid: {0}")]
        BadSignature(&'static str),
        /// The change would strand enrolled students (delete, or capacity below the seats taken)
        #[code("CRS_013", Conflict)]
        #[error("{0}")]
        HasEnrollments(String),
        /// The caller already has a live enrollment in the course
        #[code("CRS_014", Conflict)]
        #[error("you already have enrollment {id} ({status}) in course {course}")]
        AlreadyEnrolled {
            /// The course asked for.
            course: i64,
            /// The live enrollment.
            id: i64,
            /// Its status.
            status: &'static str,
        },
        /// The enrollment was already released and cannot be cancelled
        #[code("CRS_015", Conflict)]
        #[error("enrollment {id} is {status} and cannot be cancelled")]
        NotCancellable {
            /// The caller's enrollment.
            id: i64,
            /// Its status.
            status: &'static str,
        },
        /// The course has no waiting room; enroll directly
        #[code("CRS_016", Conflict)]
        #[error("course {0} has no waiting room; enroll directly")]
        NoWaitingRoom(i64),
        /// The enrollment is already paid with another payment; this payment is refunded
        #[code("CRS_017", Conflict)]
        #[error("enrollment {0} is already paid with another payment; this payment is refunded")]
        AlreadyPaid(i64),
        /// The certificate does not exist
        #[code("CRT_001", NotFound)]
        #[error("certificate {0} does not exist")]
        NoCertificate(i64),
        #[transparent]
        /// The coupons do not apply (the coupon context's codes).
        Coupon(cercat_coupon::CouponError),
        #[transparent]
        /// A dependency failed.
        Store(PortError),
    }
    impl DomainError {
        fn field(&self) -> Option<&'static str> {
            match self {
                Self::Invalid { field, .. } => Some(field),
                Self::NoCertificate(_) => Some("certificateId"),
                Self::Coupon(e) => cercat_common::DomainError::field(e),
                _ => None,
            }
        }
    }
}

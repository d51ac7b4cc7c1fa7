//! Errors of the learning context, with their stable codes.

use cercat_common::{PortError, domain_errors};

domain_errors! {
    /// Failures of learning use cases.
    pub enum LearningError {
        /// No such goal of the caller's (GET /goals/0 when the user has none)
        #[code("LRN_001", NotFound)]
        #[error("goal {0} does not exist")]
        GoalNotFound(i64),
        /// A goal field is out of range or the period is reversed
        #[code("LRN_002", Invalid)]
        #[error("{field} {reason}")]
        InvalidGoal {
            /// The wire field at fault, e.g. `goalScore`; also the envelope's `field`.
            field: &'static str,
            /// What is wrong with it, e.g. `must be between 0 and 100`.
            reason: String,
        },
        /// The study time is out of range (1 ms to 24 h per log)
        #[code("LRN_003", Invalid)]
        #[error("studyTime {0}")]
        InvalidStudyTime(String),
        /// The caller has no goal for this certificate
        #[code("LRN_004", NotFound)]
        #[error("no goal for certificate {0}")]
        NoGoal(i64),
        #[transparent]
        /// The certificate is unknown (CRT_001).
        Certificate(cercat_certificate::CertificateError),
        #[transparent]
        /// A dependency failed.
        Store(PortError),
    }
    impl DomainError {
        fn field(&self) -> Option<&'static str> {
            match self {
                Self::InvalidGoal { field, .. } => Some(field),
                Self::InvalidStudyTime(_) => Some("studyTime"),
                _ => None,
            }
        }
    }
}

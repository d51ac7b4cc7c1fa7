//! Errors of the mock-exam context, with their stable codes.

use cercat_common::{PortError, domain_errors};

domain_errors! {
    /// Failures of mock-exam use cases.
    pub enum MockExamError {
        /// The mock exam does not exist
        #[code("MEX_001", NotFound)]
        #[error("mock exam {0} does not exist")]
        NotFound(i64),
        /// An answer names a question or option the exam does not have, twice, or with a bad time
        #[code("MEX_002", Invalid)]
        #[error("{0}")]
        InvalidSubmission(String),
        /// No such mock exam result of the caller's
        #[code("MEX_003", NotFound)]
        #[error("mock exam result {0} does not exist")]
        ResultNotFound(i64),
        /// No such answer of the caller's
        #[code("MEX_004", NotFound)]
        #[error("user answer {0} does not exist")]
        AnswerNotFound(i64),
        /// The mock exam import document is malformed (the message says where)
        #[code("MEX_005", Invalid)]
        #[error("{0}")]
        InvalidImport(String),
        /// The certificate already has a mock exam for this year and round
        #[code("MEX_006", Conflict)]
        #[error("certificate {certificate_id} already has a mock exam for {year} round {round}")]
        Duplicate {
            /// The certificate that already has the exam.
            certificate_id: i64,
            /// The exam year already taken.
            year: i32,
            /// The round already taken in that year.
            round: i32,
        },
        /// The caller has not taken this mock exam yet
        #[code("MEX_007", NotFound)]
        #[error("no result of mock exam {0} yet")]
        NoResultYet(i64),
        /// A report or date filter parameter is missing or out of range
        #[code("MEX_008", Invalid)]
        #[error("{field} {reason}")]
        InvalidPeriod {
            /// The query parameter.
            field: &'static str,
            /// What is wrong with it, e.g. `must be between 1 and 12`.
            reason: String,
        },
        /// The mock exam has results and cannot be deleted
        #[code("MEX_009", Conflict)]
        #[error("mock exam {0} has results; it cannot be deleted")]
        HasResults(i64),
        /// The image is too large or not PNG/JPEG/GIF/WebP
        #[code("MEX_010", Invalid)]
        #[error("{0}")]
        InvalidImage(String),
        /// No such question or option
        #[code("MEX_011", NotFound)]
        #[error("{0}")]
        QuestionNotFound(String),
        /// An edited question is invalid
        #[code("MEX_012", Invalid)]
        #[error("{field} {reason}")]
        InvalidQuestion {
            /// The wire field at fault: `questionText`, `options`, `correctOption` or `score`.
            field: &'static str,
            /// What is wrong with it, e.g. `must hold 4 or 5 options`.
            reason: String,
        },
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
                Self::InvalidPeriod { field, .. } | Self::InvalidQuestion { field, .. } => Some(field),
                Self::InvalidSubmission(_) => Some("createSubjectResultRequests"),
                Self::InvalidImport(_) => Some("questions"),
                _ => None,
            }
        }
    }
}

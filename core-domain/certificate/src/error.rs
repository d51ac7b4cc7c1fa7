//! Errors of the certificate context, with their stable codes.

use cercat_common::{PortError, domain_errors};

domain_errors! {
    /// Failures of certificate queries.
    pub enum CertificateError {
        /// The certificate does not exist
        #[code("CRT_001", NotFound)]
        #[error("certificate {0} does not exist")]
        NotFound(i64),
        /// The certificate has no upcoming exam scheduled
        #[code("CRT_002", NotFound)]
        #[error("certificate {0} has no upcoming exam scheduled")]
        NoUpcomingExam(i64),
        /// The certificate has no past exam on record
        #[code("CRT_005", NotFound)]
        #[error("certificate {0} has no past exam on record")]
        NoPreviousExam(i64),
        #[transparent]
        /// A dependency failed.
        Store(PortError),
    }
}

domain_errors! {
    /// Failures of storing a schedule.
    #[derive(PartialEq, Eq)]
    pub enum ScheduleError {
        /// An exam schedule field is out of range or its dates are out of order
        #[code("CRT_006", Invalid)]
        #[error("{field} {reason}")]
        Invalid {
            /// The feed/API field name.
            field: &'static str,
            /// What is wrong with the field, e.g. `must be 1 to 100 characters`.
            reason: String,
        },
        /// The exam schedule names an unknown certificate
        #[code("CRT_007", NotFound)]
        #[error("unknown certificate {0}")]
        UnknownCertificate(String),
        /// A certificate with this name, or a schedule for this year and round, exists
        #[code("CRT_008", Conflict)]
        #[error("{0}")]
        Duplicate(String),
        /// At most three interest certificates, each listed once
        #[code("CRT_010", Invalid)]
        #[error("{0}")]
        InvalidInterests(String),
        /// The certificate still has mock exams and cannot be deleted
        #[code("CRT_011", Conflict)]
        #[error("certificate {0} still has mock exams; delete them first")]
        InUse(i64),
        /// No such exam schedule
        #[code("CRT_009", NotFound)]
        #[error("exam schedule {0} does not exist")]
        ScheduleNotFound(i64),
        #[transparent]
        /// A dependency failed.
        Store(PortError),
    }
}

//! Errors of the recommendation context, with their stable codes.

use cercat_common::{PortError, domain_errors};

domain_errors! {
    /// Failures of recommendation use cases.
    pub enum RecommendationError {
        /// The keyword preferences are malformed (too many, a keyword too long, a weight outside 0–1)
        #[code("REC_001", Invalid)]
        #[error("{0}")]
        InvalidPreferences(String),
        /// No such item of that kind (or it was deleted or hidden)
        #[code("REC_002", NotFound)]
        #[error("{kind} {id} does not exist")]
        UnknownItem {
            /// The item's kind, as the path spells it.
            kind: &'static str,
            /// Its id.
            id: i64,
        },
        /// The list size is outside 1–50
        #[code("REC_003", Invalid)]
        #[error("size must be between 1 and {max}, got {got}")]
        InvalidSize {
            /// The largest size accepted.
            max: usize,
            /// The size asked for.
            got: i64,
        },
        /// An evaluation or rebuild parameter is refused (no data to evaluate, a malformed file)
        #[code("REC_004", Invalid)]
        #[error("{0}")]
        Evaluation(String),
        #[transparent]
        /// A dependency failed.
        Store(PortError),
    }
    impl DomainError {
        fn field(&self) -> Option<&'static str> {
            match self {
                Self::InvalidPreferences(_) => Some("keywords"),
                Self::InvalidSize { .. } => Some("size"),
                _ => None,
            }
        }
    }
}

//! How domain errors are classified, and the error every port returns for infrastructure failures.

pub mod table;

pub use table::ErrorDoc;

/// The category of a failure; the API maps it to an HTTP status, the batch to an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is invalid.
    Invalid,
    /// The thing asked for does not exist (or is hidden from the caller).
    NotFound,
    /// The request conflicts with current state (duplicate, already done).
    Conflict,
    /// The caller is not signed in.
    Unauthenticated,
    /// The caller may not do this.
    Forbidden,
    /// The caller must slow down.
    TooManyRequests,
    /// A payment was declined; the caller may pay another way.
    PaymentRequired,
    /// A dependency is down or timed out; retrying later may work.
    Unavailable,
    /// A bug or corrupted data.
    Internal,
}

/// A domain error with a stable wire code (`CRT_001`…).
pub trait DomainError: std::error::Error + Send + Sync + 'static {
    /// Its category.
    fn kind(&self) -> ErrorKind;
    /// Its stable code, documented in the OpenAPI document.
    fn code(&self) -> &'static str;
    /// Seconds the caller should wait before retrying (sent as `Retry-After`).
    fn retry_after_secs(&self) -> Option<u64> {
        None
    }
    /// The input field the error is about, if one is.
    fn field(&self) -> Option<&'static str> {
        None
    }
}

/// A failure reported by a port's adapter. Adapters translate driver errors into these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    /// The dependency could not be reached or refused the call.
    #[error("{dependency} unavailable: {detail}")]
    Unavailable {
        /// `database`, `redis`, `kafka`, `storage`…
        dependency: &'static str,
        /// The driver's message (logged, never sent to clients).
        detail: String,
    },
    /// The call did not finish within its timeout.
    #[error("{dependency} timed out after {after_ms} ms")]
    Timeout {
        /// Which dependency.
        dependency: &'static str,
        /// The timeout that expired.
        after_ms: u64,
    },
    /// A unique constraint was violated.
    #[error("duplicate: {0}")]
    Duplicate(String),
    /// Stored data could not be understood (a bug or a bad manual edit).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// The row is still referenced by others (a foreign key refused the change).
    #[error("still in use: {0}")]
    InUse(String),
}

impl PortError {
    /// Shorthand for [`PortError::Unavailable`].
    pub fn unavailable(dependency: &'static str, detail: impl std::fmt::Display) -> Self {
        Self::Unavailable { dependency, detail: detail.to_string() }
    }

    /// Shorthand for [`PortError::Timeout`] after `after`.
    pub fn timeout(dependency: &'static str, after: std::time::Duration) -> Self {
        Self::Timeout { dependency, after_ms: u64::try_from(after.as_millis()).unwrap_or(u64::MAX) }
    }

    /// The global wire code for this failure (`GLB_008` unavailable, `GLB_013` conflict, `GLB_001` otherwise).
    pub fn code(&self) -> &'static str {
        match self.kind() {
            ErrorKind::Unavailable => "GLB_008",
            ErrorKind::Conflict => "GLB_013",
            _ => "GLB_001",
        }
    }

    /// Its category.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Unavailable { .. } | Self::Timeout { .. } => ErrorKind::Unavailable,
            Self::Duplicate(_) | Self::InUse(_) => ErrorKind::Conflict,
            Self::Corrupt(_) => ErrorKind::Internal,
        }
    }
}

impl DomainError for PortError {
    fn kind(&self) -> ErrorKind {
        PortError::kind(self)
    }

    fn code(&self) -> &'static str {
        PortError::code(self)
    }
}

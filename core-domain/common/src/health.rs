//! Readiness checks: each adapter reports whether its dependency answers.

use async_trait::async_trait;

use crate::PortError;

/// A dependency the programs can probe (database, Redis, Kafka, storage).
#[async_trait]
pub trait HealthCheck: Send + Sync {
    /// A short stable name: `database`, `redis`, `kafka`, `storage`.
    fn name(&self) -> &'static str;
    /// Answers `Ok` if the dependency served a trivial request. Callers bound it with a timeout.
    async fn check(&self) -> Result<(), PortError>;
}

//! What the certificate context needs from storage.

use async_trait::async_trait;
use cercat_common::PortError;
use chrono::{DateTime, Utc};

use crate::{Certificate, CertificateSummary, ExamSchedule, ExamScheduleDraft, UpsertOutcome};

/// Reads certificates.
#[async_trait]
pub trait CertificateRepository: Send + Sync {
    /// All certificates, ordered by id.
    async fn list(&self) -> Result<Vec<CertificateSummary>, PortError>;
    /// One certificate with its subjects ordered by sequence, or `None`.
    async fn find(&self, id: i64) -> Result<Option<Certificate>, PortError>;
    /// The id of the certificate with exactly this name, or `None`.
    async fn find_id_by_name(&self, name: &str) -> Result<Option<i64>, PortError>;
}

/// Reads and writes exam schedules.
#[async_trait]
pub trait ExamScheduleRepository: Send + Sync {
    /// The schedule of `certificate_id` with the earliest exam at or after `at`.
    async fn next_from(&self, certificate_id: i64, at: DateTime<Utc>) -> Result<Option<ExamSchedule>, PortError>;
    /// The schedule of `certificate_id` with the latest exam before `at`.
    async fn latest_before(&self, certificate_id: i64, at: DateTime<Utc>) -> Result<Option<ExamSchedule>, PortError>;
    /// Inserts or updates the schedule identified by (certificate, year, round), atomically,
    /// and in the same transaction records an `ExamScheduleChanged` event in the outbox when
    /// something changed. Safe under concurrent upserts of the same key (the unique key
    /// decides; the loser updates). The certificate must exist.
    ///
    /// Errors: [`PortError::Unavailable`]/[`PortError::Timeout`] when the database fails.
    async fn upsert(&self, draft: &ExamScheduleDraft, at: DateTime<Utc>) -> Result<UpsertOutcome, PortError>;
}

/// The topic schedule changes are published on.
pub const SCHEDULE_TOPIC: &str = "certificate.exam-schedule";

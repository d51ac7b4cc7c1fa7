//! In-memory stand-ins for the certificate ports (the `testkit` feature), for the service tests
//! of the contexts that read certificates: a fixed catalogue and an empty exam calendar.

use async_trait::async_trait;
use cercat_common::PortError;
use chrono::{DateTime, Utc};

use crate::{
    Certificate, CertificateDraft, CertificateSummary, ExamSchedule, ExamScheduleDraft, UpsertOutcome,
    events::PendingScheduleChange,
    ports::{CertificateRepository, ExamScheduleRepository},
};

/// A catalogue that holds exactly these certificates and refuses every write (a read-side
/// test that writes has a bug).
#[derive(Debug, Default)]
pub struct FixedCertificates(pub Vec<Certificate>);

#[async_trait]
impl CertificateRepository for FixedCertificates {
    async fn list(&self) -> Result<Vec<CertificateSummary>, PortError> {
        Ok(self
            .0
            .iter()
            .map(|c| CertificateSummary { id: c.id, name: c.name.clone(), category: c.category.clone() })
            .collect())
    }
    async fn find(&self, id: i64) -> Result<Option<Certificate>, PortError> {
        Ok(self.0.iter().find(|c| c.id == id).cloned())
    }
    async fn find_id_by_name(&self, name: &str) -> Result<Option<i64>, PortError> {
        Ok(self.0.iter().find(|c| c.name == name).map(|c| c.id))
    }
    async fn create(&self, _: &CertificateDraft, _: DateTime<Utc>) -> Result<i64, PortError> {
        Err(read_only())
    }
    async fn replace(&self, _: i64, _: &CertificateDraft, _: DateTime<Utc>) -> Result<bool, PortError> {
        Err(read_only())
    }
    async fn delete(&self, _: i64) -> Result<bool, PortError> {
        Err(read_only())
    }
}

/// An exam calendar with no schedules, refusing writes like [`FixedCertificates`].
#[derive(Debug, Default)]
pub struct NoSchedules;

#[async_trait]
impl ExamScheduleRepository for NoSchedules {
    async fn next_from(&self, _: i64, _: DateTime<Utc>) -> Result<Option<ExamSchedule>, PortError> {
        Ok(None)
    }
    async fn latest_before(&self, _: i64, _: DateTime<Utc>) -> Result<Option<ExamSchedule>, PortError> {
        Ok(None)
    }
    async fn upsert(
        &self,
        _: &ExamScheduleDraft,
        _: &PendingScheduleChange,
        _: DateTime<Utc>,
    ) -> Result<UpsertOutcome, PortError> {
        Err(read_only())
    }
    async fn find(&self, _: i64) -> Result<Option<ExamSchedule>, PortError> {
        Ok(None)
    }
    async fn list(&self, _: i64) -> Result<Vec<ExamSchedule>, PortError> {
        Ok(vec![])
    }
    async fn insert(
        &self,
        _: &ExamScheduleDraft,
        _: &PendingScheduleChange,
        _: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        Err(read_only())
    }
    async fn replace(
        &self,
        _: i64,
        _: &ExamScheduleDraft,
        _: &PendingScheduleChange,
        _: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        Err(read_only())
    }
    async fn delete(&self, _: i64) -> Result<bool, PortError> {
        Err(read_only())
    }
}

fn read_only() -> PortError {
    PortError::Corrupt("this test fake is read-only".into())
}

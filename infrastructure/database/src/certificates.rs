//! [`CertificateRepository`] over `certificates` + `subjects`.

use async_trait::async_trait;
use cercat_certificate::{Certificate, CertificateSummary, PassCriteria, Subject, ports::CertificateRepository};
use cercat_common::PortError;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::{
    db::Db,
    entity::{certificate, subject},
};

/// Reads certificates with their subjects.
#[derive(Clone, Debug)]
pub struct SqlCertificateRepository {
    db: Db,
}

impl SqlCertificateRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl CertificateRepository for SqlCertificateRepository {
    async fn list(&self) -> Result<Vec<CertificateSummary>, PortError> {
        let rows =
            self.db.run(certificate::Entity::find().order_by_asc(certificate::Column::Id).all(self.db.conn())).await?;
        Ok(rows.into_iter().map(|c| CertificateSummary { id: c.id, name: c.name, category: c.category }).collect())
    }

    async fn find(&self, id: i64) -> Result<Option<Certificate>, PortError> {
        let Some(cert) = self.db.run(certificate::Entity::find_by_id(id).one(self.db.conn())).await? else {
            return Ok(None);
        };
        let subjects = self
            .db
            .run(
                subject::Entity::find()
                    .filter(subject::Column::CertificateId.eq(id))
                    .order_by_asc(subject::Column::Sequence)
                    .all(self.db.conn()),
            )
            .await?;
        Ok(Some(Certificate {
            id: cert.id,
            name: cert.name,
            category: cert.category,
            subjects: subjects
                .into_iter()
                .map(|s| Subject {
                    id: s.id,
                    sequence: s.sequence,
                    name: s.name,
                    number_of_questions: s.number_of_questions,
                    total_score: s.total_score,
                })
                .collect(),
            pass_criteria: PassCriteria {
                subject_min_percent: cert.subject_min_percent,
                average_min_percent: cert.average_min_percent,
                practical_min_score: cert.practical_min_score,
            },
        }))
    }

    async fn find_id_by_name(&self, name: &str) -> Result<Option<i64>, PortError> {
        let row = self
            .db
            .run(certificate::Entity::find().filter(certificate::Column::Name.eq(name)).one(self.db.conn()))
            .await?;
        Ok(row.map(|c| c.id))
    }
}

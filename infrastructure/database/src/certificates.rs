//! [`CertificateRepository`] over `certificates` + `subjects`.

use async_trait::async_trait;
use cercat_certificate::{
    Certificate, CertificateDraft, CertificateSummary, PassCriteria, Subject, ports::CertificateRepository,
};
use cercat_common::PortError;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait, sea_query::Expr,
};

use crate::{
    db::Db,
    entity::{certificate, exam_schedule, subject},
};

async fn insert_subjects<C: ConnectionTrait>(conn: &C, id: i64, draft: &CertificateDraft) -> Result<(), DbErr> {
    let rows = draft.subjects.iter().enumerate().map(|(i, (name, questions, score))| subject::ActiveModel {
        certificate_id: Set(id),
        sequence: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
        name: Set(name.trim().to_owned()),
        number_of_questions: Set(*questions),
        total_score: Set(*score),
        ..Default::default()
    });
    subject::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(())
}

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

    async fn create(&self, draft: &CertificateDraft, at: DateTime<Utc>) -> Result<i64, PortError> {
        self.write(None, draft, at).await?.ok_or_else(|| PortError::Corrupt("insert returned no id".into()))
    }

    async fn replace(&self, id: i64, draft: &CertificateDraft, at: DateTime<Utc>) -> Result<bool, PortError> {
        Ok(self.write(Some(id), draft, at).await?.is_some())
    }

    async fn delete(&self, id: i64) -> Result<bool, PortError> {
        self.db
            .run(async {
                let txn = self.db.conn().begin().await?;
                // Foreign keys cascade on both backends; delete children explicitly anyway so
                // SQLite files created without `foreign_keys=ON` stay consistent.
                exam_schedule::Entity::delete_many()
                    .filter(exam_schedule::Column::CertificateId.eq(id))
                    .exec(&txn)
                    .await?;
                subject::Entity::delete_many().filter(subject::Column::CertificateId.eq(id)).exec(&txn).await?;
                let res = certificate::Entity::delete_by_id(id).exec(&txn).await?;
                txn.commit().await?;
                Ok(res.rows_affected == 1)
            })
            .await
    }

    async fn find_id_by_name(&self, name: &str) -> Result<Option<i64>, PortError> {
        let row = self
            .db
            .run(certificate::Entity::find().filter(certificate::Column::Name.eq(name)).one(self.db.conn()))
            .await?;
        Ok(row.map(|c| c.id))
    }
}

impl SqlCertificateRepository {
    async fn write(
        &self,
        id: Option<i64>,
        draft: &CertificateDraft,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>, PortError> {
        self.db
            .run(async {
                let txn = self.db.conn().begin().await?;
                let id = match id {
                    None => {
                        let row = certificate::ActiveModel {
                            name: Set(draft.name.trim().to_owned()),
                            category: Set(draft.category.trim().to_owned()),
                            subject_min_percent: Set(draft.pass_criteria.subject_min_percent),
                            average_min_percent: Set(draft.pass_criteria.average_min_percent),
                            practical_min_score: Set(draft.pass_criteria.practical_min_score),
                            created_at: Set(at),
                            updated_at: Set(at),
                            ..Default::default()
                        };
                        certificate::Entity::insert(row).exec(&txn).await?.last_insert_id
                    }
                    Some(id) => {
                        let res = certificate::Entity::update_many()
                            .col_expr(certificate::Column::Name, Expr::value(draft.name.trim()))
                            .col_expr(certificate::Column::Category, Expr::value(draft.category.trim()))
                            .col_expr(
                                certificate::Column::SubjectMinPercent,
                                Expr::value(draft.pass_criteria.subject_min_percent),
                            )
                            .col_expr(
                                certificate::Column::AverageMinPercent,
                                Expr::value(draft.pass_criteria.average_min_percent),
                            )
                            .col_expr(
                                certificate::Column::PracticalMinScore,
                                Expr::value(draft.pass_criteria.practical_min_score),
                            )
                            .col_expr(certificate::Column::UpdatedAt, Expr::value(at))
                            .filter(certificate::Column::Id.eq(id))
                            .exec(&txn)
                            .await?;
                        if res.rows_affected == 0 {
                            return Ok(None);
                        }
                        // Subjects keep their ids (questions and results refer to them): update
                        // by sequence, add new ones, drop the ones past the new end.
                        let count = i32::try_from(draft.subjects.len()).unwrap_or(i32::MAX);
                        subject::Entity::delete_many()
                            .filter(subject::Column::CertificateId.eq(id))
                            .filter(subject::Column::Sequence.gt(count))
                            .exec(&txn)
                            .await?;
                        let existing: Vec<i32> = subject::Entity::find()
                            .select_only()
                            .column(subject::Column::Sequence)
                            .filter(subject::Column::CertificateId.eq(id))
                            .into_tuple()
                            .all(&txn)
                            .await?;
                        for (i, (name, questions, score)) in draft.subjects.iter().enumerate() {
                            let sequence = i32::try_from(i + 1).unwrap_or(i32::MAX);
                            if existing.contains(&sequence) {
                                subject::Entity::update_many()
                                    .col_expr(subject::Column::Name, Expr::value(name.trim()))
                                    .col_expr(subject::Column::NumberOfQuestions, Expr::value(*questions))
                                    .col_expr(subject::Column::TotalScore, Expr::value(*score))
                                    .filter(subject::Column::CertificateId.eq(id))
                                    .filter(subject::Column::Sequence.eq(sequence))
                                    .exec(&txn)
                                    .await?;
                            } else {
                                subject::Entity::insert(subject::ActiveModel {
                                    certificate_id: Set(id),
                                    sequence: Set(sequence),
                                    name: Set(name.trim().to_owned()),
                                    number_of_questions: Set(*questions),
                                    total_score: Set(*score),
                                    ..Default::default()
                                })
                                .exec_without_returning(&txn)
                                .await?;
                            }
                        }
                        txn.commit().await?;
                        return Ok(Some(id));
                    }
                };
                insert_subjects(&txn, id, draft).await?;
                txn.commit().await?;
                Ok(Some(id))
            })
            .await
    }
}

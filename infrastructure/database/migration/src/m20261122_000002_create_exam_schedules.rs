//! Exam schedules, unique per (certificate, year, round).

use sea_orm_migration::prelude::*;

use crate::{
    columns::{create, id, timestamp},
    m20261122_000001_create_certificates::Certificates,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ExamSchedules {
    Table,
    Id,
    CertificateId,
    ExamYear,
    Round,
    ApplicationStartAt,
    ApplicationDeadlineAt,
    ExamAt,
    ResultAnnouncedAt,
    WrittenFee,
    PracticalFee,
    WrittenTimeLimitMinutes,
    PracticalTimeLimitMinutes,
    Eligibility,
    Description,
    ExamFormat,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, ExamSchedules::Table)
                    .col(id(ExamSchedules::Id))
                    .col(ColumnDef::new(ExamSchedules::CertificateId).big_integer().not_null())
                    .col(ColumnDef::new(ExamSchedules::ExamYear).integer().not_null())
                    .col(ColumnDef::new(ExamSchedules::Round).integer().not_null())
                    .col(timestamp(manager, ExamSchedules::ApplicationStartAt).not_null())
                    .col(timestamp(manager, ExamSchedules::ApplicationDeadlineAt).not_null())
                    .col(timestamp(manager, ExamSchedules::ExamAt).not_null())
                    .col(timestamp(manager, ExamSchedules::ResultAnnouncedAt).not_null())
                    .col(ColumnDef::new(ExamSchedules::WrittenFee).big_integer().null())
                    .col(ColumnDef::new(ExamSchedules::PracticalFee).big_integer().null())
                    .col(ColumnDef::new(ExamSchedules::WrittenTimeLimitMinutes).integer().null())
                    .col(ColumnDef::new(ExamSchedules::PracticalTimeLimitMinutes).integer().null())
                    .col(ColumnDef::new(ExamSchedules::Eligibility).text().null())
                    .col(ColumnDef::new(ExamSchedules::Description).text().null())
                    .col(ColumnDef::new(ExamSchedules::ExamFormat).text().null())
                    .col(timestamp(manager, ExamSchedules::CreatedAt).not_null())
                    .col(timestamp(manager, ExamSchedules::UpdatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_exam_schedules_certificate")
                            .from(ExamSchedules::Table, ExamSchedules::CertificateId)
                            .to(Certificates::Table, Certificates::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uk_exam_schedules_certificate_year_round")
                            .col(ExamSchedules::CertificateId)
                            .col(ExamSchedules::ExamYear)
                            .col(ExamSchedules::Round)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_exam_schedules_certificate_exam_at")
                    .table(ExamSchedules::Table)
                    .col(ExamSchedules::CertificateId)
                    .col(ExamSchedules::ExamAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ExamSchedules::Table).to_owned()).await
    }
}

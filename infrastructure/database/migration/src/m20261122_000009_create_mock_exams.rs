//! Mock exams and their questions (options as a JSON list on the question row: they are
//! always read and written with it).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MockExams {
    Table,
    Id,
    CertificateId,
    ExamYear,
    Round,
    TimeLimitMs,
    MaxScore,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Questions {
    Table,
    Id,
    MockExamId,
    SubjectId,
    Number,
    Text,
    Image,
    Options,
    CorrectOption,
    Score,
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, MockExams::Table)
                    .col(id(MockExams::Id))
                    .col(ColumnDef::new(MockExams::CertificateId).big_integer().not_null())
                    .col(ColumnDef::new(MockExams::ExamYear).integer().not_null())
                    .col(ColumnDef::new(MockExams::Round).integer().not_null())
                    .col(ColumnDef::new(MockExams::TimeLimitMs).big_integer().not_null())
                    .col(ColumnDef::new(MockExams::MaxScore).integer().not_null())
                    .col(timestamp(manager, MockExams::CreatedAt).not_null())
                    .col(timestamp(manager, MockExams::UpdatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mock_exam_certificate")
                            .from(MockExams::Table, MockExams::CertificateId)
                            .to(Certificates::Table, Certificates::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .index(
                        Index::create()
                            .name("uk_mock_exam_certificate_year_round")
                            .col(MockExams::CertificateId)
                            .col(MockExams::ExamYear)
                            .col(MockExams::Round)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        let mut options = ColumnDef::new(Questions::Options);
        match manager.get_database_backend() {
            DatabaseBackend::MySql => options.custom(Alias::new("MEDIUMTEXT")),
            _ => options.text(),
        };
        manager
            .create_table(
                create(manager, Questions::Table)
                    .col(id(Questions::Id))
                    .col(ColumnDef::new(Questions::MockExamId).big_integer().not_null())
                    .col(ColumnDef::new(Questions::SubjectId).big_integer().not_null())
                    .col(ColumnDef::new(Questions::Number).integer().not_null())
                    .col(ColumnDef::new(Questions::Text).text().not_null())
                    .col(ColumnDef::new(Questions::Image).string_len(1000).null())
                    .col(options.not_null())
                    .col(ColumnDef::new(Questions::CorrectOption).integer().not_null())
                    .col(ColumnDef::new(Questions::Score).integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_question_mock_exam")
                            .from(Questions::Table, Questions::MockExamId)
                            .to(MockExams::Table, MockExams::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uk_question_exam_number")
                            .col(Questions::MockExamId)
                            .col(Questions::Number)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Questions::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(MockExams::Table).to_owned()).await
    }
}

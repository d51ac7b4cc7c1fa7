//! Certificates and their subjects.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Certificates {
    Table,
    Id,
    Name,
    Category,
    SubjectMinPercent,
    AverageMinPercent,
    PracticalMinScore,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Subjects {
    Table,
    Id,
    CertificateId,
    Sequence,
    Name,
    NumberOfQuestions,
    TotalScore,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, Certificates::Table)
                    .col(id(Certificates::Id))
                    .col(ColumnDef::new(Certificates::Name).string_len(100).not_null().unique_key())
                    .col(ColumnDef::new(Certificates::Category).string_len(50).not_null())
                    .col(ColumnDef::new(Certificates::SubjectMinPercent).integer().not_null())
                    .col(ColumnDef::new(Certificates::AverageMinPercent).integer().not_null())
                    .col(ColumnDef::new(Certificates::PracticalMinScore).integer().null())
                    .col(timestamp(manager, Certificates::CreatedAt).not_null())
                    .col(timestamp(manager, Certificates::UpdatedAt).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                create(manager, Subjects::Table)
                    .col(id(Subjects::Id))
                    .col(ColumnDef::new(Subjects::CertificateId).big_integer().not_null())
                    .col(ColumnDef::new(Subjects::Sequence).integer().not_null())
                    .col(ColumnDef::new(Subjects::Name).string_len(100).not_null())
                    .col(ColumnDef::new(Subjects::NumberOfQuestions).integer().not_null())
                    .col(ColumnDef::new(Subjects::TotalScore).integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_subjects_certificate")
                            .from(Subjects::Table, Subjects::CertificateId)
                            .to(Certificates::Table, Certificates::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uk_subjects_certificate_sequence")
                            .col(Subjects::CertificateId)
                            .col(Subjects::Sequence)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Subjects::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Certificates::Table).to_owned()).await
    }
}

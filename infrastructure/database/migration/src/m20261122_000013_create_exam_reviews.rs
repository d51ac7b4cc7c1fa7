//! Exam reviews: one per user and exam.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ExamReviews {
    Table,
    Id,
    UserId,
    CertificateId,
    ExamScheduleId,
    Difficulty,
    PrepareMonths,
    Content,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ExamSchedules {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, ExamReviews::Table)
                    .col(id(ExamReviews::Id))
                    .col(ColumnDef::new(ExamReviews::UserId).big_integer().not_null())
                    .col(ColumnDef::new(ExamReviews::CertificateId).big_integer().not_null())
                    .col(ColumnDef::new(ExamReviews::ExamScheduleId).big_integer().not_null())
                    .col(ColumnDef::new(ExamReviews::Difficulty).string_len(20).not_null())
                    .col(ColumnDef::new(ExamReviews::PrepareMonths).integer().not_null())
                    .col(ColumnDef::new(ExamReviews::Content).text().not_null())
                    .col(timestamp(manager, ExamReviews::CreatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_user")
                            .from(ExamReviews::Table, ExamReviews::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_schedule")
                            .from(ExamReviews::Table, ExamReviews::ExamScheduleId)
                            .to(ExamSchedules::Table, ExamSchedules::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uk_review_user_schedule")
                            .col(ExamReviews::UserId)
                            .col(ExamReviews::ExamScheduleId)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_review_certificate_created")
                    .table(ExamReviews::Table)
                    .col(ExamReviews::CertificateId)
                    .col(ExamReviews::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ExamReviews::Table).to_owned()).await
    }
}

//! Prep courses. `seats_taken` is the seat counter the conditional hold update guards.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Courses {
    Table,
    Id,
    InstructorId,
    CertificateId,
    Title,
    Description,
    Capacity,
    Price,
    OpensAt,
    ClosesAt,
    WaitingRoom,
    AdmissionRate,
    SeatsTaken,
    CreatedAt,
    UpdatedAt,
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
                create(manager, Courses::Table)
                    .col(id(Courses::Id))
                    // No foreign key: a purged instructor account must not take paid courses with it.
                    .col(ColumnDef::new(Courses::InstructorId).big_integer().not_null())
                    .col(ColumnDef::new(Courses::CertificateId).big_integer().not_null())
                    .col(ColumnDef::new(Courses::Title).string_len(200).not_null())
                    .col(ColumnDef::new(Courses::Description).text().not_null())
                    .col(ColumnDef::new(Courses::Capacity).integer().not_null())
                    .col(ColumnDef::new(Courses::Price).big_integer().not_null())
                    .col(timestamp(manager, Courses::OpensAt).not_null())
                    .col(timestamp(manager, Courses::ClosesAt).not_null())
                    .col(ColumnDef::new(Courses::WaitingRoom).boolean().not_null())
                    .col(ColumnDef::new(Courses::AdmissionRate).integer().null())
                    .col(ColumnDef::new(Courses::SeatsTaken).integer().not_null().default(0))
                    .col(timestamp(manager, Courses::CreatedAt).not_null())
                    .col(timestamp(manager, Courses::UpdatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_course_certificate")
                            .from(Courses::Table, Courses::CertificateId)
                            .to(Certificates::Table, Certificates::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_course_window")
                    .table(Courses::Table)
                    .col(Courses::OpensAt)
                    .col(Courses::ClosesAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_course_instructor")
                    .table(Courses::Table)
                    .col(Courses::InstructorId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Courses::Table).to_owned()).await
    }
}

//! Enrollments. `live` is 1 while the enrollment occupies a seat (PENDING_PAYMENT or
//! COMPLETED) and NULL after: the unique key (course, user, live) allows one live enrollment
//! per user and course and any number of released ones (NULLs never collide).

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Enrollments {
    Table,
    Id,
    CourseId,
    UserId,
    Status,
    Live,
    Amount,
    OrderId,
    HoldDeadline,
    PaymentKey,
    RefundDue,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Courses {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, Enrollments::Table)
                    .col(id(Enrollments::Id))
                    .col(ColumnDef::new(Enrollments::CourseId).big_integer().not_null())
                    // No foreign key to users: payments outlive a purged account.
                    .col(ColumnDef::new(Enrollments::UserId).big_integer().not_null())
                    .col(ColumnDef::new(Enrollments::Status).string_len(20).not_null())
                    .col(ColumnDef::new(Enrollments::Live).small_integer().null())
                    .col(ColumnDef::new(Enrollments::Amount).big_integer().not_null())
                    .col(ColumnDef::new(Enrollments::OrderId).string_len(64).not_null())
                    .col(timestamp(manager, Enrollments::HoldDeadline).not_null())
                    .col(ColumnDef::new(Enrollments::PaymentKey).string_len(200).null())
                    .col(ColumnDef::new(Enrollments::RefundDue).boolean().not_null().default(false))
                    .col(timestamp(manager, Enrollments::CreatedAt).not_null())
                    .col(timestamp(manager, Enrollments::UpdatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_enrollment_course")
                            .from(Enrollments::Table, Enrollments::CourseId)
                            .to(Courses::Table, Courses::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_enrollment_live")
                    .table(Enrollments::Table)
                    .col(Enrollments::CourseId)
                    .col(Enrollments::UserId)
                    .col(Enrollments::Live)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_enrollment_order")
                    .table(Enrollments::Table)
                    .col(Enrollments::OrderId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_enrollment_due")
                    .table(Enrollments::Table)
                    .col(Enrollments::Status)
                    .col(Enrollments::HoldDeadline)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_enrollment_user")
                    .table(Enrollments::Table)
                    .col(Enrollments::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Enrollments::Table).to_owned()).await
    }
}

//! Learning goals and their study-time logs.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Goals {
    Table,
    Id,
    UserId,
    CertificateId,
    GoalScore,
    PrepareStart,
    PrepareFinish,
    GoalPrepareDays,
    MockExamsPerDay,
    GoalMockExams,
    MockExamRepeatDays,
    StudyTimePerDay,
    GoalStudyTime,
    StudyRepeatDays,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StudyTimes {
    Table,
    Id,
    GoalId,
    UserId,
    StudyMs,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
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
                create(manager, Goals::Table)
                    .col(id(Goals::Id))
                    .col(ColumnDef::new(Goals::UserId).big_integer().not_null())
                    .col(ColumnDef::new(Goals::CertificateId).big_integer().not_null())
                    .col(ColumnDef::new(Goals::GoalScore).integer().not_null())
                    .col(timestamp(manager, Goals::PrepareStart).not_null())
                    .col(timestamp(manager, Goals::PrepareFinish).not_null())
                    .col(ColumnDef::new(Goals::GoalPrepareDays).integer().not_null())
                    .col(ColumnDef::new(Goals::MockExamsPerDay).integer().not_null())
                    .col(ColumnDef::new(Goals::GoalMockExams).integer().not_null())
                    .col(ColumnDef::new(Goals::MockExamRepeatDays).string_len(20).not_null())
                    .col(ColumnDef::new(Goals::StudyTimePerDay).big_integer().not_null())
                    .col(ColumnDef::new(Goals::GoalStudyTime).big_integer().not_null())
                    .col(ColumnDef::new(Goals::StudyRepeatDays).string_len(20).not_null())
                    .col(timestamp(manager, Goals::CreatedAt).not_null())
                    .col(timestamp(manager, Goals::UpdatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_goal_user")
                            .from(Goals::Table, Goals::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_goal_certificate")
                            .from(Goals::Table, Goals::CertificateId)
                            .to(Certificates::Table, Certificates::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_goal_user_certificate")
                    .table(Goals::Table)
                    .col(Goals::UserId)
                    .col(Goals::CertificateId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                create(manager, StudyTimes::Table)
                    .col(id(StudyTimes::Id))
                    .col(ColumnDef::new(StudyTimes::GoalId).big_integer().not_null())
                    .col(ColumnDef::new(StudyTimes::UserId).big_integer().not_null())
                    .col(ColumnDef::new(StudyTimes::StudyMs).big_integer().not_null())
                    .col(timestamp(manager, StudyTimes::CreatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_study_time_goal")
                            .from(StudyTimes::Table, StudyTimes::GoalId)
                            .to(Goals::Table, Goals::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_study_time_goal_created")
                    .table(StudyTimes::Table)
                    .col(StudyTimes::GoalId)
                    .col(StudyTimes::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(StudyTimes::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Goals::Table).to_owned()).await
    }
}

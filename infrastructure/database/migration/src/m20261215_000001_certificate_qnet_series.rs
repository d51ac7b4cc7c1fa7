//! Q-Net rounds: the series each certificate follows (`qnet_series`, e.g. `기사`; none for
//! certificates Q-Net does not run), and the dates a round gives a schedule beyond its written
//! application/exam/result: the end of the written exam period and the whole practical stage.

use sea_orm_migration::prelude::*;

use crate::columns::timestamp;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Certificates {
    Table,
    QnetSeries,
}

#[derive(DeriveIden)]
enum ExamSchedules {
    Table,
    ExamEndAt,
    PracticalApplicationStartAt,
    PracticalApplicationDeadlineAt,
    PracticalExamStartAt,
    PracticalExamEndAt,
    PracticalResultAnnouncedAt,
}

const SCHEDULE_COLUMNS: [ExamSchedules; 6] = [
    ExamSchedules::ExamEndAt,
    ExamSchedules::PracticalApplicationStartAt,
    ExamSchedules::PracticalApplicationDeadlineAt,
    ExamSchedules::PracticalExamStartAt,
    ExamSchedules::PracticalExamEndAt,
    ExamSchedules::PracticalResultAnnouncedAt,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Certificates::Table)
                    .add_column(ColumnDef::new(Certificates::QnetSeries).string_len(50).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_certificates_qnet_series")
                    .table(Certificates::Table)
                    .col(Certificates::QnetSeries)
                    .to_owned(),
            )
            .await?;
        for column in SCHEDULE_COLUMNS {
            manager
                .alter_table(
                    Table::alter().table(ExamSchedules::Table).add_column(timestamp(manager, column).null()).to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in SCHEDULE_COLUMNS.into_iter().rev() {
            manager.alter_table(Table::alter().table(ExamSchedules::Table).drop_column(column).to_owned()).await?;
        }
        manager
            .drop_index(Index::drop().name("ix_certificates_qnet_series").table(Certificates::Table).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Certificates::Table).drop_column(Certificates::QnetSeries).to_owned())
            .await
    }
}

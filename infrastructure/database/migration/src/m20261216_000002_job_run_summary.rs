//! `job_runs.summary`: what a run found, as JSON (an evaluation's figures, a rebuild's sizes),
//! shown by `cercat-batch history` and the admin API.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Summary,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(JobRuns::Table)
                    .add_column(ColumnDef::new(JobRuns::Summary).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(JobRuns::Table).drop_column(JobRuns::Summary).to_owned()).await
    }
}

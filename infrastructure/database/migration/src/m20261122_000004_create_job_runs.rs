//! Batch job runs.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Id,
    Job,
    Params,
    Node,
    StartedAt,
    EndedAt,
    Status,
    ReadCount,
    WriteCount,
    SkipCount,
    Error,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, JobRuns::Table)
                    .col(id(JobRuns::Id))
                    .col(ColumnDef::new(JobRuns::Job).string_len(100).not_null())
                    .col(ColumnDef::new(JobRuns::Params).text().not_null())
                    .col(ColumnDef::new(JobRuns::Node).string_len(200).not_null())
                    .col(timestamp(manager, JobRuns::StartedAt).not_null())
                    .col(timestamp(manager, JobRuns::EndedAt).null())
                    .col(ColumnDef::new(JobRuns::Status).string_len(30).not_null())
                    .col(ColumnDef::new(JobRuns::ReadCount).big_integer().not_null().default(0))
                    .col(ColumnDef::new(JobRuns::WriteCount).big_integer().not_null().default(0))
                    .col(ColumnDef::new(JobRuns::SkipCount).big_integer().not_null().default(0))
                    .col(ColumnDef::new(JobRuns::Error).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_job_runs_job_id")
                    .table(JobRuns::Table)
                    .col(JobRuns::Job)
                    .col(JobRuns::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(JobRuns::Table).to_owned()).await
    }
}

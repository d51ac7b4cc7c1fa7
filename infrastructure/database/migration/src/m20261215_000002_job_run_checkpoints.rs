//! Restartable batch runs: each run names the instance it attempts (`instance_key`), holds the
//! instance's `claim` while RUNNING (unique, so one attempt per instance runs at a time; NULL
//! once it ended), beats (`heartbeat_at`), keeps its `checkpoint` (JSON: position and totals)
//! and names the FAILED attempt it resumed. `job_run_skips` records the items a run skipped;
//! `api_call_quotas` counts calls to outside services per day, so restarts respect a quota.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Id,
    Job,
    Status,
    InstanceKey,
    Claim,
    HeartbeatAt,
    Checkpoint,
    ResumedFrom,
}

#[derive(DeriveIden)]
enum JobRunSkips {
    Table,
    Id,
    RunId,
    ItemKey,
    Reason,
    At,
}

#[derive(DeriveIden)]
enum ApiCallQuotas {
    Table,
    Name,
    Day,
    Calls,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time (and cannot add
        // a UNIQUE column: the claim's uniqueness is an index).
        for column in [
            ColumnDef::new(JobRuns::InstanceKey).string_len(500).null().to_owned(),
            ColumnDef::new(JobRuns::Claim).string_len(620).null().to_owned(),
            timestamp(manager, JobRuns::HeartbeatAt).null().to_owned(),
            ColumnDef::new(JobRuns::Checkpoint).text().null().to_owned(),
            ColumnDef::new(JobRuns::ResumedFrom).big_integer().null().to_owned(),
        ] {
            manager.alter_table(Table::alter().table(JobRuns::Table).add_column(column).to_owned()).await?;
        }
        manager
            .create_index(
                Index::create().name("uk_job_runs_claim").table(JobRuns::Table).col(JobRuns::Claim).unique().to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_job_runs_instance")
                    .table(JobRuns::Table)
                    .col(JobRuns::Job)
                    .col(JobRuns::InstanceKey)
                    .col(JobRuns::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_job_runs_status_heartbeat")
                    .table(JobRuns::Table)
                    .col(JobRuns::Status)
                    .col(JobRuns::HeartbeatAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                create(manager, JobRunSkips::Table)
                    .col(id(JobRunSkips::Id))
                    .col(ColumnDef::new(JobRunSkips::RunId).big_integer().not_null())
                    .col(ColumnDef::new(JobRunSkips::ItemKey).string_len(200).not_null())
                    .col(ColumnDef::new(JobRunSkips::Reason).text().not_null())
                    .col(timestamp(manager, JobRunSkips::At).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_job_run_skips_run")
                            .from(JobRunSkips::Table, JobRunSkips::RunId)
                            .to(JobRuns::Table, JobRuns::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_job_run_skips_run")
                    .table(JobRunSkips::Table)
                    .col(JobRunSkips::RunId)
                    .col(JobRunSkips::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                create(manager, ApiCallQuotas::Table)
                    .col(ColumnDef::new(ApiCallQuotas::Name).string_len(100).not_null())
                    .col(ColumnDef::new(ApiCallQuotas::Day).string_len(10).not_null())
                    .col(ColumnDef::new(ApiCallQuotas::Calls).integer().not_null().default(0))
                    .primary_key(Index::create().col(ApiCallQuotas::Name).col(ApiCallQuotas::Day))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ApiCallQuotas::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(JobRunSkips::Table).to_owned()).await?;
        for name in ["ix_job_runs_status_heartbeat", "ix_job_runs_instance", "uk_job_runs_claim"] {
            manager.drop_index(Index::drop().name(name).table(JobRuns::Table).to_owned()).await?;
        }
        for column in
            [JobRuns::ResumedFrom, JobRuns::Checkpoint, JobRuns::HeartbeatAt, JobRuns::Claim, JobRuns::InstanceKey]
        {
            manager.alter_table(Table::alter().table(JobRuns::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

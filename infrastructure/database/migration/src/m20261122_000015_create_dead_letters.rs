//! Dead letters (the embedded mode's dead-letter queue; production uses a Kafka topic).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DeadLetters {
    Table,
    Seq,
    LetterId,
    GroupName,
    Topic,
    Body,
    FailedAt,
    ResolvedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut body = ColumnDef::new(DeadLetters::Body);
        match manager.get_database_backend() {
            DatabaseBackend::MySql => body.custom(Alias::new("MEDIUMTEXT")),
            _ => body.text(),
        };
        manager
            .create_table(
                create(manager, DeadLetters::Table)
                    .col(id(DeadLetters::Seq))
                    .col(ColumnDef::new(DeadLetters::LetterId).string_len(36).not_null().unique_key())
                    .col(ColumnDef::new(DeadLetters::GroupName).string_len(100).not_null())
                    .col(ColumnDef::new(DeadLetters::Topic).string_len(200).not_null())
                    .col(body.not_null())
                    .col(timestamp(manager, DeadLetters::FailedAt).not_null())
                    .col(timestamp(manager, DeadLetters::ResolvedAt).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_dead_letter_pending")
                    .table(DeadLetters::Table)
                    .col(DeadLetters::ResolvedAt)
                    .col(DeadLetters::Seq)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DeadLetters::Table).to_owned()).await
    }
}

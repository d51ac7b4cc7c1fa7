//! The transactional outbox.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxEvents {
    Table,
    Seq,
    EventId,
    Topic,
    AggregateType,
    AggregateId,
    EventType,
    Payload,
    OccurredAt,
    CreatedAt,
    SentAt,
    Attempts,
    NextAttemptAt,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, OutboxEvents::Table)
                    .col(id(OutboxEvents::Seq))
                    .col(ColumnDef::new(OutboxEvents::EventId).string_len(36).not_null().unique_key())
                    .col(ColumnDef::new(OutboxEvents::Topic).string_len(200).not_null())
                    .col(ColumnDef::new(OutboxEvents::AggregateType).string_len(100).not_null())
                    .col(ColumnDef::new(OutboxEvents::AggregateId).string_len(100).not_null())
                    .col(ColumnDef::new(OutboxEvents::EventType).string_len(100).not_null())
                    .col(ColumnDef::new(OutboxEvents::Payload).text().not_null())
                    .col(timestamp(manager, OutboxEvents::OccurredAt).not_null())
                    .col(timestamp(manager, OutboxEvents::CreatedAt).not_null())
                    .col(timestamp(manager, OutboxEvents::SentAt).null())
                    .col(ColumnDef::new(OutboxEvents::Attempts).integer().not_null().default(0))
                    .col(timestamp(manager, OutboxEvents::NextAttemptAt).not_null())
                    .col(ColumnDef::new(OutboxEvents::LastError).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_events_unsent")
                    .table(OutboxEvents::Table)
                    .col(OutboxEvents::SentAt)
                    .col(OutboxEvents::Seq)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(OutboxEvents::Table).to_owned()).await
    }
}

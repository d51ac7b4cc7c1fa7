//! The all-alarms feed pages one receiver's alarms newest first by `(occurred_at, id)`; this
//! index serves that keyset walk directly instead of sorting the receiver's rows on each page.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Alarms {
    Table,
    ReceiverId,
    OccurredAt,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_alarms_receiver_feed")
                    .table(Alarms::Table)
                    .col(Alarms::ReceiverId)
                    .col(Alarms::OccurredAt)
                    .col(Alarms::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ix_alarms_receiver_feed").table(Alarms::Table).to_owned()).await
    }
}

//! One alarm per (actor, target, kind) for likes: the domain gives each like alarm a key, and
//! a unique index on it makes a like → unlike → like cycle store one alarm by construction.
//! Other alarms have no key (NULL never collides), so every comment still tells its author.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Alarms {
    Table,
    DedupeKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alarms::Table)
                    .add_column(ColumnDef::new(Alarms::DedupeKey).string_len(120).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_alarm_dedupe_key")
                    .table(Alarms::Table)
                    .col(Alarms::DedupeKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ux_alarm_dedupe_key").table(Alarms::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Alarms::Table).drop_column(Alarms::DedupeKey).to_owned()).await
    }
}

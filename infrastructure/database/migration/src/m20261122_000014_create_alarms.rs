//! Alarms, stored once per event by the alarm consumer.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Alarms {
    Table,
    Id,
    ReceiverId,
    AlarmType,
    OriginId,
    CertificateId,
    ActorNickname,
    LikeTargetType,
    OccurredAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, Alarms::Table)
                    .col(id(Alarms::Id))
                    .col(ColumnDef::new(Alarms::ReceiverId).big_integer().not_null())
                    .col(ColumnDef::new(Alarms::AlarmType).string_len(30).not_null())
                    .col(ColumnDef::new(Alarms::OriginId).big_integer().not_null())
                    .col(ColumnDef::new(Alarms::CertificateId).big_integer().not_null())
                    .col(ColumnDef::new(Alarms::ActorNickname).string_len(100).null())
                    .col(ColumnDef::new(Alarms::LikeTargetType).string_len(10).null())
                    .col(timestamp(manager, Alarms::OccurredAt).not_null())
                    .col(timestamp(manager, Alarms::ReadAt).null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_alarm_receiver")
                            .from(Alarms::Table, Alarms::ReceiverId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_alarm_receiver_read")
                    .table(Alarms::Table)
                    .col(Alarms::ReceiverId)
                    .col(Alarms::ReadAt)
                    .col(Alarms::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Alarms::Table).to_owned()).await
    }
}

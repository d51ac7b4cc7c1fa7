//! Favourite boards, and the inbox of events a consumer has handled (dedupe by event id).

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FavoriteBoards {
    Table,
    Id,
    UserId,
    CertificateId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProcessedEvents {
    Table,
    Id,
    Consumer,
    EventId,
    ProcessedAt,
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
                create(manager, FavoriteBoards::Table)
                    .col(id(FavoriteBoards::Id))
                    .col(ColumnDef::new(FavoriteBoards::UserId).big_integer().not_null())
                    .col(ColumnDef::new(FavoriteBoards::CertificateId).big_integer().not_null())
                    .col(timestamp(manager, FavoriteBoards::CreatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_favorite_user")
                            .from(FavoriteBoards::Table, FavoriteBoards::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_favorite_certificate")
                            .from(FavoriteBoards::Table, FavoriteBoards::CertificateId)
                            .to(Certificates::Table, Certificates::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uk_favorite_user_certificate")
                            .col(FavoriteBoards::UserId)
                            .col(FavoriteBoards::CertificateId)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                create(manager, ProcessedEvents::Table)
                    .col(id(ProcessedEvents::Id))
                    .col(ColumnDef::new(ProcessedEvents::Consumer).string_len(100).not_null())
                    .col(ColumnDef::new(ProcessedEvents::EventId).string_len(36).not_null())
                    .col(timestamp(manager, ProcessedEvents::ProcessedAt).not_null())
                    .index(
                        Index::create()
                            .name("uk_processed_consumer_event")
                            .col(ProcessedEvents::Consumer)
                            .col(ProcessedEvents::EventId)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ProcessedEvents::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(FavoriteBoards::Table).to_owned()).await
    }
}

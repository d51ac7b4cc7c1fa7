//! Ended sessions (embedded mode keeps them here, so the api and admin processes agree).

use sea_orm_migration::prelude::*;

use crate::columns::create;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RevokedSessions {
    Table,
    Sid,
    ExpiresAtMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, RevokedSessions::Table)
                    .col(ColumnDef::new(RevokedSessions::Sid).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(RevokedSessions::ExpiresAtMs).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_revoked_sessions_expiry")
                    .table(RevokedSessions::Table)
                    .col(RevokedSessions::ExpiresAtMs)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RevokedSessions::Table).to_owned()).await
    }
}

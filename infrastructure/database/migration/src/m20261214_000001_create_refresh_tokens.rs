//! Refresh tokens (embedded mode keeps them here, so sessions survive an api restart and the
//! admin process can end the api's sessions). One row per token, current or spent, keyed by
//! its digest; expiry is epoch milliseconds so it compares atomically in SQL everywhere.

use sea_orm_migration::prelude::*;

use crate::columns::create;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    TokenHash,
    UserId,
    Family,
    ExpiresAtMs,
    SpentInto,
    SpentAtMs,
    CreatedAtMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, RefreshTokens::Table)
                    .col(ColumnDef::new(RefreshTokens::TokenHash).string_len(128).not_null().primary_key())
                    .col(ColumnDef::new(RefreshTokens::UserId).big_integer().not_null())
                    .col(ColumnDef::new(RefreshTokens::Family).string_len(128).not_null())
                    .col(ColumnDef::new(RefreshTokens::ExpiresAtMs).big_integer().not_null())
                    .col(ColumnDef::new(RefreshTokens::SpentInto).string_len(128).null())
                    .col(ColumnDef::new(RefreshTokens::SpentAtMs).big_integer().null())
                    .col(ColumnDef::new(RefreshTokens::CreatedAtMs).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        // Revoking a family (logout, a replay) deletes by family.
        manager
            .create_index(
                Index::create()
                    .name("ix_refresh_tokens_family")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::Family)
                    .to_owned(),
            )
            .await?;
        // Ending a user's sessions and listing them walk one user's families.
        manager
            .create_index(
                Index::create()
                    .name("ix_refresh_tokens_user_family")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::UserId)
                    .col(RefreshTokens::Family)
                    .to_owned(),
            )
            .await?;
        // The occasional sweep of expired rows finds them without scanning the table.
        manager
            .create_index(
                Index::create()
                    .name("ix_refresh_tokens_expiry")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::ExpiresAtMs)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RefreshTokens::Table).to_owned()).await
    }
}

//! Lease locks held in the database (used when no Redis is configured).

use sea_orm_migration::prelude::*;

use crate::columns::create;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Leases {
    Table,
    Name,
    Holder,
    Token,
    ExpiresAtMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, Leases::Table)
                    .col(ColumnDef::new(Leases::Name).string_len(200).not_null().primary_key())
                    .col(ColumnDef::new(Leases::Holder).string_len(200).not_null())
                    .col(ColumnDef::new(Leases::Token).string_len(64).not_null())
                    .col(ColumnDef::new(Leases::ExpiresAtMs).big_integer().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Leases::Table).to_owned()).await
    }
}

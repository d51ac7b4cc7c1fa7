//! `sign_ins`: the sign-in history operators read on a user's detail — sessions started,
//! wrong passwords, sign-ins refused by a suspension — with the client address. Rows go with
//! their account when it is purged, and after 90 days otherwise.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SignIns {
    Table,
    Id,
    UserId,
    At,
    Method,
    Outcome,
    ClientAddress,
    SessionId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, SignIns::Table)
                    .col(id(SignIns::Id))
                    .col(ColumnDef::new(SignIns::UserId).big_integer().not_null())
                    .col(timestamp(manager, SignIns::At).not_null())
                    .col(ColumnDef::new(SignIns::Method).string_len(40).not_null())
                    .col(ColumnDef::new(SignIns::Outcome).string_len(20).not_null())
                    .col(ColumnDef::new(SignIns::ClientAddress).string_len(64).null())
                    .col(ColumnDef::new(SignIns::SessionId).string_len(64).null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sign_ins_user")
                            .from(SignIns::Table, SignIns::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_sign_ins_user", vec![SignIns::UserId, SignIns::At, SignIns::Id]),
            ("ix_sign_ins_at", vec![SignIns::At]),
        ] {
            let mut index = Index::create();
            index.name(name).table(SignIns::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SignIns::Table).to_owned()).await
    }
}

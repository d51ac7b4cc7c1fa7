//! Operators' tools: an account's suspension (why, since when, until when — no end means until
//! an operator lifts it), an index on the role (the last-ADMIN check locks only the ADMIN
//! rows), and the append-only `admin_audit` log of what operators did.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Role,
    SuspensionReason,
    SuspendedAt,
    SuspendedUntil,
}

#[derive(DeriveIden)]
enum AdminAudit {
    Table,
    Id,
    Actor,
    Action,
    TargetKind,
    TargetId,
    BeforeJson,
    AfterJson,
    At,
    ClientAddress,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        for column in [
            ColumnDef::new(Users::SuspensionReason).string_len(500).null().to_owned(),
            timestamp(manager, Users::SuspendedAt).null().to_owned(),
            timestamp(manager, Users::SuspendedUntil).null().to_owned(),
        ] {
            manager.alter_table(Table::alter().table(Users::Table).add_column(column).to_owned()).await?;
        }
        manager
            .create_index(Index::create().name("ix_users_role").table(Users::Table).col(Users::Role).to_owned())
            .await?;
        manager
            .create_table(
                create(manager, AdminAudit::Table)
                    .col(id(AdminAudit::Id))
                    .col(ColumnDef::new(AdminAudit::Actor).string_len(40).not_null())
                    .col(ColumnDef::new(AdminAudit::Action).string_len(60).not_null())
                    .col(ColumnDef::new(AdminAudit::TargetKind).string_len(64).not_null())
                    .col(ColumnDef::new(AdminAudit::TargetId).string_len(64).not_null())
                    .col(ColumnDef::new(AdminAudit::BeforeJson).text().null())
                    .col(ColumnDef::new(AdminAudit::AfterJson).text().null())
                    .col(timestamp(manager, AdminAudit::At).not_null())
                    .col(ColumnDef::new(AdminAudit::ClientAddress).string_len(64).null())
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_admin_audit_at", vec![AdminAudit::At, AdminAudit::Id]),
            ("ix_admin_audit_actor", vec![AdminAudit::Actor, AdminAudit::At, AdminAudit::Id]),
            (
                "ix_admin_audit_target",
                vec![AdminAudit::TargetKind, AdminAudit::TargetId, AdminAudit::At, AdminAudit::Id],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(AdminAudit::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AdminAudit::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name("ix_users_role").table(Users::Table).to_owned()).await?;
        for column in [Users::SuspendedUntil, Users::SuspendedAt, Users::SuspensionReason] {
            manager.alter_table(Table::alter().table(Users::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

//! Users' interest certificates.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InterestCertificates {
    Table,
    Id,
    UserId,
    CertificateId,
    Priority,
    CreatedAt,
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
                create(manager, InterestCertificates::Table)
                    .col(id(InterestCertificates::Id))
                    .col(ColumnDef::new(InterestCertificates::UserId).big_integer().not_null())
                    .col(ColumnDef::new(InterestCertificates::CertificateId).big_integer().not_null())
                    .col(ColumnDef::new(InterestCertificates::Priority).string_len(10).not_null())
                    .col(timestamp(manager, InterestCertificates::CreatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_interest_user")
                            .from(InterestCertificates::Table, InterestCertificates::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_interest_certificate")
                            .from(InterestCertificates::Table, InterestCertificates::CertificateId)
                            .to(Certificates::Table, Certificates::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uk_interest_user_certificate")
                            .col(InterestCertificates::UserId)
                            .col(InterestCertificates::CertificateId)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(InterestCertificates::Table).to_owned()).await
    }
}

//! Accounts, email codes and the mail outbox.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Nickname,
    Role,
    PasswordHash,
    ProfileImageKey,
    OauthProvider,
    OauthSubject,
    WithdrawnAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EmailCodes {
    Table,
    Id,
    Email,
    Purpose,
    CodeHash,
    ExpiresAt,
    Attempts,
    ConsumedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    Id,
    Recipient,
    Subject,
    Body,
    CreatedAt,
    SentAt,
    Attempts,
    NextAttemptAt,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, Users::Table)
                    .col(id(Users::Id))
                    .col(ColumnDef::new(Users::Email).string_len(254).not_null())
                    .col(ColumnDef::new(Users::Nickname).string_len(40).not_null())
                    .col(ColumnDef::new(Users::Role).string_len(20).not_null())
                    .col(ColumnDef::new(Users::PasswordHash).string_len(255).null())
                    .col(ColumnDef::new(Users::ProfileImageKey).string_len(512).null())
                    .col(ColumnDef::new(Users::OauthProvider).string_len(20).null())
                    .col(ColumnDef::new(Users::OauthSubject).string_len(255).null())
                    .col(timestamp(manager, Users::WithdrawnAt).null())
                    .col(timestamp(manager, Users::CreatedAt).not_null())
                    .col(timestamp(manager, Users::UpdatedAt).not_null())
                    .index(Index::create().name("uk_users_email").col(Users::Email).unique())
                    .index(Index::create().name("uk_users_nickname").col(Users::Nickname).unique())
                    .index(
                        Index::create()
                            .name("uk_users_oauth")
                            .col(Users::OauthProvider)
                            .col(Users::OauthSubject)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_users_withdrawn_at").table(Users::Table).col(Users::WithdrawnAt).to_owned(),
            )
            .await?;
        manager
            .create_table(
                create(manager, EmailCodes::Table)
                    .col(id(EmailCodes::Id))
                    .col(ColumnDef::new(EmailCodes::Email).string_len(254).not_null())
                    .col(ColumnDef::new(EmailCodes::Purpose).string_len(20).not_null())
                    .col(ColumnDef::new(EmailCodes::CodeHash).string_len(64).not_null())
                    .col(timestamp(manager, EmailCodes::ExpiresAt).not_null())
                    .col(ColumnDef::new(EmailCodes::Attempts).integer().not_null().default(0))
                    .col(timestamp(manager, EmailCodes::ConsumedAt).null())
                    .col(timestamp(manager, EmailCodes::CreatedAt).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_email_codes_email_purpose")
                    .table(EmailCodes::Table)
                    .col(EmailCodes::Email)
                    .col(EmailCodes::Purpose)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                create(manager, MailOutbox::Table)
                    .col(id(MailOutbox::Id))
                    .col(ColumnDef::new(MailOutbox::Recipient).string_len(254).not_null())
                    .col(ColumnDef::new(MailOutbox::Subject).string_len(300).not_null())
                    .col(ColumnDef::new(MailOutbox::Body).text().not_null())
                    .col(timestamp(manager, MailOutbox::CreatedAt).not_null())
                    .col(timestamp(manager, MailOutbox::SentAt).null())
                    .col(ColumnDef::new(MailOutbox::Attempts).integer().not_null().default(0))
                    .col(timestamp(manager, MailOutbox::NextAttemptAt).not_null())
                    .col(ColumnDef::new(MailOutbox::LastError).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_mail_outbox_due")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::SentAt)
                    .col(MailOutbox::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(MailOutbox::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(EmailCodes::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Users::Table).to_owned()).await
    }
}

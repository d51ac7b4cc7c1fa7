//! Recommendations: `user_preferences` (a user's onboarding keywords as one JSON object, so an
//! empty set still says when it was given), `recommendation_models` (one row per rebuild) and
//! `recommendation_items` (each item of a model with its keywords, popularity and neighbour
//! list as JSON). A model's rows are written in one transaction, so readers see it whole.

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
enum UserPreferences {
    Table,
    UserId,
    Keywords,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RecommendationModels {
    Table,
    Id,
    BuiltAt,
    Scorer,
    Users,
    Interactions,
    Items,
}

#[derive(DeriveIden)]
enum RecommendationItems {
    Table,
    ModelId,
    Position,
    ItemKind,
    ItemId,
    Title,
    CertificateId,
    Popularity,
    OnOffer,
    ClosesAt,
    Keywords,
    Neighbours,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, UserPreferences::Table)
                    .col(ColumnDef::new(UserPreferences::UserId).big_integer().not_null().primary_key())
                    .col(ColumnDef::new(UserPreferences::Keywords).text().not_null())
                    .col(timestamp(manager, UserPreferences::UpdatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_preferences_user")
                            .from(UserPreferences::Table, UserPreferences::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                create(manager, RecommendationModels::Table)
                    .col(id(RecommendationModels::Id))
                    .col(timestamp(manager, RecommendationModels::BuiltAt).not_null())
                    .col(ColumnDef::new(RecommendationModels::Scorer).string_len(20).not_null())
                    .col(ColumnDef::new(RecommendationModels::Users).big_integer().not_null())
                    .col(ColumnDef::new(RecommendationModels::Interactions).big_integer().not_null())
                    .col(ColumnDef::new(RecommendationModels::Items).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                create(manager, RecommendationItems::Table)
                    .col(ColumnDef::new(RecommendationItems::ModelId).big_integer().not_null())
                    .col(ColumnDef::new(RecommendationItems::Position).integer().not_null())
                    .col(ColumnDef::new(RecommendationItems::ItemKind).string_len(20).not_null())
                    .col(ColumnDef::new(RecommendationItems::ItemId).big_integer().not_null())
                    .col(ColumnDef::new(RecommendationItems::Title).text().not_null())
                    .col(ColumnDef::new(RecommendationItems::CertificateId).big_integer().null())
                    .col(ColumnDef::new(RecommendationItems::Popularity).big_integer().not_null())
                    .col(ColumnDef::new(RecommendationItems::OnOffer).boolean().not_null())
                    .col(timestamp(manager, RecommendationItems::ClosesAt).null())
                    .col(ColumnDef::new(RecommendationItems::Keywords).text().not_null())
                    .col(ColumnDef::new(RecommendationItems::Neighbours).text().not_null())
                    .primary_key(Index::create().col(RecommendationItems::ModelId).col(RecommendationItems::Position))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_recommendation_items_model")
                            .from(RecommendationItems::Table, RecommendationItems::ModelId)
                            .to(RecommendationModels::Table, RecommendationModels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RecommendationItems::Table.into_iden(),
            RecommendationModels::Table.into_iden(),
            UserPreferences::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

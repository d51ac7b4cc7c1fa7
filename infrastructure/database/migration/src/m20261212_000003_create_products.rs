//! The market's products: `products` (status `ON_SALE` / `RESERVED` / `SOLD`, changed only by
//! conditional updates; `deleted_at` soft-deletes, so orders keep their product; `like_count`
//! and `view_count` move only by relative updates), `product_images`, `product_tokens` (the
//! bigram search index, like `post_tokens`), `product_likes` (one per product and user by a
//! unique key) and `product_view_batches` (each flushed batch of views applied once, by its
//! unique id).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    SellerId,
    CertificateId,
    Title,
    Description,
    Price,
    Condition,
    Category,
    Location,
    Status,
    Hidden,
    DeletedAt,
    ViewCount,
    LikeCount,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProductImages {
    Table,
    Id,
    ProductId,
    ObjectKey,
}

#[derive(DeriveIden)]
enum ProductTokens {
    Table,
    ProductId,
    Token,
}

#[derive(DeriveIden)]
enum ProductLikes {
    Table,
    Id,
    ProductId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProductViewBatches {
    Table,
    BatchId,
    AppliedAt,
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

/// Tokens compare byte for byte (see `post_tokens`): a case- or accent-insensitive collation
/// would make distinct tokens collide in the primary key.
fn token_column(manager: &SchemaManager) -> ColumnDef {
    let mut col = ColumnDef::new(ProductTokens::Token);
    match manager.get_database_backend() {
        DatabaseBackend::MySql => col.custom(Alias::new("VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")),
        _ => col.string_len(16),
    };
    col
}

fn index(name: &str, table: impl IntoIden, cols: &[&str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for c in cols {
        stmt.col(Alias::new(*c));
    }
    stmt.to_owned()
}

fn cascade_to_product(name: &str, from: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from, column)
        .to(Products::Table, Products::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, Products::Table)
                    .col(id(Products::Id))
                    // No foreign key to `users`: purging a withdrawn seller's account must not
                    // take the products of its orders with it (the seller is then shown as
                    // withdrawn).
                    .col(ColumnDef::new(Products::SellerId).big_integer().not_null())
                    .col(ColumnDef::new(Products::CertificateId).big_integer().not_null())
                    .col(ColumnDef::new(Products::Title).string_len(100).not_null())
                    .col(ColumnDef::new(Products::Description).text().not_null())
                    .col(ColumnDef::new(Products::Price).big_integer().not_null())
                    .col(ColumnDef::new(Products::Condition).string_len(10).not_null())
                    .col(ColumnDef::new(Products::Category).string_len(10).not_null())
                    .col(ColumnDef::new(Products::Location).string_len(100).not_null())
                    .col(ColumnDef::new(Products::Status).string_len(10).not_null())
                    .col(ColumnDef::new(Products::Hidden).boolean().not_null().default(false))
                    .col(timestamp(manager, Products::DeletedAt).null())
                    .col(ColumnDef::new(Products::ViewCount).big_integer().not_null().default(0))
                    .col(ColumnDef::new(Products::LikeCount).big_integer().not_null().default(0))
                    .col(timestamp(manager, Products::CreatedAt).not_null())
                    .col(timestamp(manager, Products::UpdatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_product_certificate")
                            .from(Products::Table, Products::CertificateId)
                            .to(Certificates::Table, Certificates::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // The keyset list (newest first by created_at, id), alone or narrowed by board, seller
        // or status.
        manager.create_index(index("ix_product_created", Products::Table, &["created_at", "id"])).await?;
        manager
            .create_index(index("ix_product_board", Products::Table, &["certificate_id", "created_at", "id"]))
            .await?;
        manager.create_index(index("ix_product_seller", Products::Table, &["seller_id", "created_at", "id"])).await?;
        manager.create_index(index("ix_product_status", Products::Table, &["status", "created_at", "id"])).await?;
        manager
            .create_table(
                create(manager, ProductImages::Table)
                    .col(id(ProductImages::Id))
                    .col(ColumnDef::new(ProductImages::ProductId).big_integer().not_null())
                    .col(ColumnDef::new(ProductImages::ObjectKey).string_len(512).not_null())
                    .foreign_key(&mut cascade_to_product(
                        "fk_product_image_product",
                        ProductImages::Table,
                        ProductImages::ProductId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_product_image_product", ProductImages::Table, &["product_id"])).await?;
        manager
            .create_table(
                create(manager, ProductTokens::Table)
                    .col(ColumnDef::new(ProductTokens::ProductId).big_integer().not_null())
                    .col(token_column(manager).not_null())
                    .primary_key(Index::create().col(ProductTokens::Token).col(ProductTokens::ProductId))
                    .foreign_key(&mut cascade_to_product(
                        "fk_product_token_product",
                        ProductTokens::Table,
                        ProductTokens::ProductId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_product_token_product", ProductTokens::Table, &["product_id"])).await?;
        manager
            .create_table(
                create(manager, ProductLikes::Table)
                    .col(id(ProductLikes::Id))
                    .col(ColumnDef::new(ProductLikes::ProductId).big_integer().not_null())
                    .col(ColumnDef::new(ProductLikes::UserId).big_integer().not_null())
                    .col(timestamp(manager, ProductLikes::CreatedAt).not_null())
                    .foreign_key(&mut cascade_to_product(
                        "fk_product_like_product",
                        ProductLikes::Table,
                        ProductLikes::ProductId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_product_like_user")
                            .from(ProductLikes::Table, ProductLikes::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("ux_product_like")
                            .col(ProductLikes::ProductId)
                            .col(ProductLikes::UserId)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_product_like_user", ProductLikes::Table, &["user_id"])).await?;
        manager
            .create_table(
                create(manager, ProductViewBatches::Table)
                    .col(ColumnDef::new(ProductViewBatches::BatchId).string_len(100).not_null().primary_key())
                    .col(timestamp(manager, ProductViewBatches::AppliedAt).not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["product_view_batches", "product_likes", "product_tokens", "product_images", "products"] {
            manager.drop_table(Table::drop().table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}

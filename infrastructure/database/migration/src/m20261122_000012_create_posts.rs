//! Community: posts (with their search tokens and images), comments and likes.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    CertificateId,
    UserId,
    PostType,
    Title,
    Content,
    Tags,
    MockExamId,
    ExamYear,
    Round,
    QuestionNumber,
    LikeCount,
    CommentCount,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PostImages {
    Table,
    Id,
    PostId,
    ObjectKey,
}

#[derive(DeriveIden)]
enum PostTokens {
    Table,
    PostId,
    Token,
}

#[derive(DeriveIden)]
enum PostComments {
    Table,
    Id,
    PostId,
    UserId,
    ParentId,
    Content,
    LikeCount,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Likes {
    Table,
    Id,
    UserId,
    TargetType,
    TargetId,
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

/// Tokens compare byte for byte: the server's case- and accent-insensitive collation would
/// make distinct tokens (`fe`/`fé`, two emoji pairs) collide in the primary key.
fn token_column(manager: &SchemaManager) -> ColumnDef {
    let mut col = ColumnDef::new(PostTokens::Token);
    match manager.get_database_backend() {
        sea_orm_migration::sea_orm::DatabaseBackend::MySql => {
            col.custom(Alias::new("VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"))
        }
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, Posts::Table)
                    .col(id(Posts::Id))
                    .col(ColumnDef::new(Posts::CertificateId).big_integer().not_null())
                    .col(ColumnDef::new(Posts::UserId).big_integer().not_null())
                    .col(ColumnDef::new(Posts::PostType).string_len(20).not_null())
                    .col(ColumnDef::new(Posts::Title).string_len(400).not_null())
                    .col(ColumnDef::new(Posts::Content).text().not_null())
                    .col(ColumnDef::new(Posts::Tags).text().not_null())
                    .col(ColumnDef::new(Posts::MockExamId).big_integer().null())
                    .col(ColumnDef::new(Posts::ExamYear).integer().null())
                    .col(ColumnDef::new(Posts::Round).integer().null())
                    .col(ColumnDef::new(Posts::QuestionNumber).integer().null())
                    .col(ColumnDef::new(Posts::LikeCount).big_integer().not_null().default(0))
                    .col(ColumnDef::new(Posts::CommentCount).big_integer().not_null().default(0))
                    .col(timestamp(manager, Posts::CreatedAt).not_null())
                    .col(timestamp(manager, Posts::UpdatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_post_user")
                            .from(Posts::Table, Posts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_post_certificate")
                            .from(Posts::Table, Posts::CertificateId)
                            .to(Certificates::Table, Certificates::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_post_board_type_created",
                Posts::Table,
                &["certificate_id", "post_type", "created_at"],
            ))
            .await?;
        manager.create_index(index("ix_post_board_likes", Posts::Table, &["certificate_id", "like_count"])).await?;
        manager.create_index(index("ix_post_user", Posts::Table, &["user_id", "created_at"])).await?;
        manager
            .create_index(index(
                "ix_post_commentary",
                Posts::Table,
                &["certificate_id", "exam_year", "round", "question_number"],
            ))
            .await?;
        manager
            .create_table(
                create(manager, PostImages::Table)
                    .col(id(PostImages::Id))
                    .col(ColumnDef::new(PostImages::PostId).big_integer().not_null())
                    .col(ColumnDef::new(PostImages::ObjectKey).string_len(512).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_post_image_post")
                            .from(PostImages::Table, PostImages::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_post_image_post", PostImages::Table, &["post_id"])).await?;
        manager
            .create_table(
                create(manager, PostTokens::Table)
                    .col(ColumnDef::new(PostTokens::PostId).big_integer().not_null())
                    .col(token_column(manager).not_null())
                    .primary_key(Index::create().col(PostTokens::Token).col(PostTokens::PostId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_post_token_post")
                            .from(PostTokens::Table, PostTokens::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_post_token_post", PostTokens::Table, &["post_id"])).await?;
        manager
            .create_table(
                create(manager, PostComments::Table)
                    .col(id(PostComments::Id))
                    .col(ColumnDef::new(PostComments::PostId).big_integer().not_null())
                    .col(ColumnDef::new(PostComments::UserId).big_integer().not_null())
                    .col(ColumnDef::new(PostComments::ParentId).big_integer().null())
                    .col(ColumnDef::new(PostComments::Content).text().not_null())
                    .col(ColumnDef::new(PostComments::LikeCount).big_integer().not_null().default(0))
                    .col(timestamp(manager, PostComments::CreatedAt).not_null())
                    .col(timestamp(manager, PostComments::UpdatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comment_post")
                            .from(PostComments::Table, PostComments::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comment_user")
                            .from(PostComments::Table, PostComments::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_comment_post", PostComments::Table, &["post_id", "id"])).await?;
        manager.create_index(index("ix_comment_user", PostComments::Table, &["user_id", "post_id"])).await?;
        manager
            .create_table(
                create(manager, Likes::Table)
                    .col(id(Likes::Id))
                    .col(ColumnDef::new(Likes::UserId).big_integer().not_null())
                    .col(ColumnDef::new(Likes::TargetType).string_len(10).not_null())
                    .col(ColumnDef::new(Likes::TargetId).big_integer().not_null())
                    .col(timestamp(manager, Likes::CreatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_like_user")
                            .from(Likes::Table, Likes::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uk_like_user_target")
                            .col(Likes::UserId)
                            .col(Likes::TargetType)
                            .col(Likes::TargetId)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_like_target", Likes::Table, &["target_type", "target_id"])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["likes", "post_comments", "post_tokens", "post_images", "posts"] {
            manager.drop_table(Table::drop().table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}

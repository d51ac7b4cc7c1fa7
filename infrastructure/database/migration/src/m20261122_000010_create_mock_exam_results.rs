//! Mock-exam results: one row per attempt, one per subject, one per answered question.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MockExamResults {
    Table,
    Id,
    UserId,
    MockExamId,
    CertificateId,
    Attempt,
    TotalScore,
    MaxScore,
    Passed,
    TakenTimeMs,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SubjectResults {
    Table,
    Id,
    ResultId,
    SubjectId,
    Position,
    Score,
    MaxScore,
    NumberOfQuestions,
    NumberOfCorrect,
    TotalTakenTime,
    CorrectRate,
    TimeLimitMs,
}

#[derive(DeriveIden)]
enum UserAnswers {
    Table,
    Id,
    ResultId,
    UserId,
    MockExamId,
    QuestionId,
    Number,
    Selected,
    TakenMs,
    Correct,
    Reviewed,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MockExams {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, MockExamResults::Table)
                    .col(id(MockExamResults::Id))
                    .col(ColumnDef::new(MockExamResults::UserId).big_integer().not_null())
                    .col(ColumnDef::new(MockExamResults::MockExamId).big_integer().not_null())
                    .col(ColumnDef::new(MockExamResults::CertificateId).big_integer().not_null())
                    .col(ColumnDef::new(MockExamResults::Attempt).integer().not_null())
                    .col(ColumnDef::new(MockExamResults::TotalScore).integer().not_null())
                    .col(ColumnDef::new(MockExamResults::MaxScore).integer().not_null())
                    .col(ColumnDef::new(MockExamResults::Passed).boolean().not_null())
                    .col(ColumnDef::new(MockExamResults::TakenTimeMs).big_integer().not_null())
                    .col(timestamp(manager, MockExamResults::CreatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_result_user")
                            .from(MockExamResults::Table, MockExamResults::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_result_mock_exam")
                            .from(MockExamResults::Table, MockExamResults::MockExamId)
                            .to(MockExams::Table, MockExams::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .index(
                        Index::create()
                            .name("uk_result_user_exam_attempt")
                            .col(MockExamResults::UserId)
                            .col(MockExamResults::MockExamId)
                            .col(MockExamResults::Attempt)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_result_user_certificate_created")
                    .table(MockExamResults::Table)
                    .col(MockExamResults::UserId)
                    .col(MockExamResults::CertificateId)
                    .col(MockExamResults::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                create(manager, SubjectResults::Table)
                    .col(id(SubjectResults::Id))
                    .col(ColumnDef::new(SubjectResults::ResultId).big_integer().not_null())
                    .col(ColumnDef::new(SubjectResults::SubjectId).big_integer().not_null())
                    .col(ColumnDef::new(SubjectResults::Position).integer().not_null())
                    .col(ColumnDef::new(SubjectResults::Score).integer().not_null())
                    .col(ColumnDef::new(SubjectResults::MaxScore).integer().not_null())
                    .col(ColumnDef::new(SubjectResults::NumberOfQuestions).integer().not_null())
                    .col(ColumnDef::new(SubjectResults::NumberOfCorrect).integer().not_null())
                    .col(ColumnDef::new(SubjectResults::TotalTakenTime).big_integer().not_null())
                    .col(ColumnDef::new(SubjectResults::CorrectRate).double().not_null())
                    .col(ColumnDef::new(SubjectResults::TimeLimitMs).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_subject_result_result")
                            .from(SubjectResults::Table, SubjectResults::ResultId)
                            .to(MockExamResults::Table, MockExamResults::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uk_subject_result_result_position")
                            .col(SubjectResults::ResultId)
                            .col(SubjectResults::Position)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                create(manager, UserAnswers::Table)
                    .col(id(UserAnswers::Id))
                    .col(ColumnDef::new(UserAnswers::ResultId).big_integer().not_null())
                    .col(ColumnDef::new(UserAnswers::UserId).big_integer().not_null())
                    .col(ColumnDef::new(UserAnswers::MockExamId).big_integer().not_null())
                    .col(ColumnDef::new(UserAnswers::QuestionId).big_integer().not_null())
                    .col(ColumnDef::new(UserAnswers::Number).integer().not_null())
                    .col(ColumnDef::new(UserAnswers::Selected).integer().not_null())
                    .col(ColumnDef::new(UserAnswers::TakenMs).big_integer().not_null())
                    .col(ColumnDef::new(UserAnswers::Correct).boolean().not_null())
                    .col(ColumnDef::new(UserAnswers::Reviewed).boolean().not_null())
                    .col(timestamp(manager, UserAnswers::CreatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_answer_result")
                            .from(UserAnswers::Table, UserAnswers::ResultId)
                            .to(MockExamResults::Table, MockExamResults::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uk_answer_result_number")
                            .col(UserAnswers::ResultId)
                            .col(UserAnswers::Number)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(UserAnswers::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(SubjectResults::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(MockExamResults::Table).to_owned()).await
    }
}

//! [`MockExamRepository`] over `mock_exams` + `questions`: exams are created and edited whole,
//! in one transaction each, and never deleted while results point at them.

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_mockexam::{
    MockExam, MockExamDraft, Question, QuestionOption,
    ports::{DeleteOutcome, MockExamRepository},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};

use crate::{
    db::Db,
    entity::{mock_exam, mock_exam_result, question},
};

/// Mock exams and questions.
#[derive(Clone, Debug)]
pub struct SqlMockExamRepository {
    db: Db,
}

impl SqlMockExamRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn exam_to_domain(m: mock_exam::Model) -> MockExam {
    MockExam {
        id: m.id,
        certificate_id: m.certificate_id,
        exam_year: m.exam_year,
        round: m.round,
        time_limit_ms: m.time_limit_ms,
        max_score: m.max_score,
    }
}

fn question_to_domain(m: question::Model) -> Result<Question, PortError> {
    let options: Vec<QuestionOption> = serde_json::from_str(&m.options)
        .map_err(|e| PortError::Corrupt(format!("options of question {}: {e}", m.id)))?;
    Ok(Question {
        id: m.id,
        mock_exam_id: m.mock_exam_id,
        subject_id: m.subject_id,
        number: m.number,
        text: m.text,
        image: m.image,
        options,
        correct_option: m.correct_option,
        score: m.score,
    })
}

fn encode_options(options: &[QuestionOption]) -> Result<String, PortError> {
    serde_json::to_string(options).map_err(|e| PortError::Corrupt(format!("cannot encode options: {e}")))
}

#[async_trait]
impl MockExamRepository for SqlMockExamRepository {
    async fn years(&self, certificate_id: i64) -> Result<Vec<i32>, PortError> {
        self.db
            .run(
                mock_exam::Entity::find()
                    .select_only()
                    .column(mock_exam::Column::ExamYear)
                    .distinct()
                    .filter(mock_exam::Column::CertificateId.eq(certificate_id))
                    .order_by_desc(mock_exam::Column::ExamYear)
                    .into_tuple::<i32>()
                    .all(self.db.conn()),
            )
            .await
    }

    async fn list(&self, certificate_id: i64, year: Option<i32>) -> Result<Vec<MockExam>, PortError> {
        let mut query = mock_exam::Entity::find().filter(mock_exam::Column::CertificateId.eq(certificate_id));
        if let Some(year) = year {
            query = query.filter(mock_exam::Column::ExamYear.eq(year));
        }
        let rows = self
            .db
            .run(
                query
                    .order_by_desc(mock_exam::Column::ExamYear)
                    .order_by_asc(mock_exam::Column::Round)
                    .all(self.db.conn()),
            )
            .await?;
        Ok(rows.into_iter().map(exam_to_domain).collect())
    }

    async fn find(&self, id: i64) -> Result<Option<MockExam>, PortError> {
        Ok(self.db.run(mock_exam::Entity::find_by_id(id).one(self.db.conn())).await?.map(exam_to_domain))
    }

    async fn questions(&self, mock_exam_id: i64) -> Result<Vec<Question>, PortError> {
        let rows = self
            .db
            .run(
                question::Entity::find()
                    .filter(question::Column::MockExamId.eq(mock_exam_id))
                    .order_by_asc(question::Column::Number)
                    .all(self.db.conn()),
            )
            .await?;
        rows.into_iter().map(question_to_domain).collect()
    }

    async fn create(&self, draft: &MockExamDraft, at: DateTime<Utc>) -> Result<i64, PortError> {
        let mut rows = Vec::with_capacity(draft.questions.len());
        for q in &draft.questions {
            rows.push((q, encode_options(&q.options)?));
        }
        self.db
            .run(async {
                let txn = self.db.begin_write().await?;
                let exam = mock_exam::ActiveModel {
                    certificate_id: Set(draft.certificate_id),
                    exam_year: Set(draft.exam_year),
                    round: Set(draft.round),
                    time_limit_ms: Set(draft.time_limit_ms),
                    max_score: Set(draft.max_score()),
                    created_at: Set(at),
                    updated_at: Set(at),
                    ..Default::default()
                };
                let id = mock_exam::Entity::insert(exam).exec(&txn).await?.last_insert_id;
                // Insert in chunks so a 300-question exam stays far below bind-parameter limits.
                for chunk in rows.chunks(100) {
                    let models = chunk.iter().map(|(q, options)| question::ActiveModel {
                        mock_exam_id: Set(id),
                        subject_id: Set(q.subject_id),
                        number: Set(q.number),
                        text: Set(q.text.clone()),
                        image: Set(q.image.clone()),
                        options: Set(options.clone()),
                        correct_option: Set(q.correct_option),
                        score: Set(q.score),
                        ..Default::default()
                    });
                    question::Entity::insert_many(models).exec_without_returning(&txn).await?;
                }
                txn.commit().await?;
                Ok(id)
            })
            .await
    }

    async fn replace_question(&self, q: &Question, at: DateTime<Utc>) -> Result<bool, PortError> {
        let options = encode_options(&q.options)?;
        self.db
            .run(async {
                let txn = self.db.begin_write().await?;
                let res = question::Entity::update_many()
                    .col_expr(question::Column::Text, Expr::value(q.text.clone()))
                    .col_expr(question::Column::Image, Expr::value(q.image.clone()))
                    .col_expr(question::Column::Options, Expr::value(options))
                    .col_expr(question::Column::CorrectOption, Expr::value(q.correct_option))
                    .col_expr(question::Column::Score, Expr::value(q.score))
                    .filter(question::Column::Id.eq(q.id))
                    .exec(&txn)
                    .await?;
                if res.rows_affected == 0 {
                    // SQLite and MariaDB report 0 when nothing changed; tell "same values" from "gone".
                    if question::Entity::find_by_id(q.id).one(&txn).await?.is_none() {
                        return Ok(false);
                    }
                }
                let scores: Vec<i32> = question::Entity::find()
                    .select_only()
                    .column(question::Column::Score)
                    .filter(question::Column::MockExamId.eq(q.mock_exam_id))
                    .into_tuple()
                    .all(&txn)
                    .await?;
                mock_exam::Entity::update_many()
                    .col_expr(mock_exam::Column::MaxScore, Expr::value(scores.iter().sum::<i32>()))
                    .col_expr(mock_exam::Column::UpdatedAt, Expr::value(at))
                    .filter(mock_exam::Column::Id.eq(q.mock_exam_id))
                    .exec(&txn)
                    .await?;
                txn.commit().await?;
                Ok(true)
            })
            .await
    }

    async fn delete(&self, id: i64) -> Result<DeleteOutcome, PortError> {
        self.db
            .run(async {
                let txn = self.db.begin_write().await?;
                if mock_exam::Entity::find_by_id(id).one(&txn).await?.is_none() {
                    return Ok(DeleteOutcome::NotFound);
                }
                let taken = mock_exam_result::Entity::find()
                    .filter(mock_exam_result::Column::MockExamId.eq(id))
                    .count(&txn)
                    .await?;
                if taken > 0 {
                    return Ok(DeleteOutcome::HasResults);
                }
                question::Entity::delete_many().filter(question::Column::MockExamId.eq(id)).exec(&txn).await?;
                mock_exam::Entity::delete_by_id(id).exec(&txn).await?;
                txn.commit().await?;
                Ok(DeleteOutcome::Deleted)
            })
            .await
    }
}

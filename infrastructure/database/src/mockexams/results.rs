//! [`ResultRepository`] over `mock_exam_results`, `subject_results` and `user_answers`, and the
//! learning context's [`ExamActivity`] over the same rows. A result is stored whole with its
//! event in one transaction that also numbers the attempt.

use std::collections::HashMap;

use async_trait::async_trait;
use cercat_common::{
    PortError,
    paging::{Direction, SortOrder},
};
use cercat_learning::ports::ExamActivity;
use cercat_mockexam::{
    GradedResult, MockExam,
    events::PendingResultSaved,
    grading::GradedSubject,
    ports::{AnswerScope, ResultRepository, StoredAnswer, StoredResult, SubjectRow},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
    Statement, sea_query::Expr,
};

use crate::{
    db::{Db, is_retryable},
    entity::{mock_exam_result, subject_result, user, user_answer},
    outbox::append_event,
};

/// Results, their subjects and answers.
#[derive(Clone, Debug)]
pub struct SqlResultRepository {
    db: Db,
}

impl SqlResultRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    async fn with_subjects(&self, rows: Vec<mock_exam_result::Model>) -> Result<Vec<StoredResult>, PortError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let subjects = if ids.is_empty() {
            Vec::new()
        } else {
            self.db
                .run(
                    subject_result::Entity::find()
                        .filter(subject_result::Column::ResultId.is_in(ids))
                        .order_by_asc(subject_result::Column::ResultId)
                        .order_by_asc(subject_result::Column::Position)
                        .all(self.db.conn()),
                )
                .await?
        };
        let mut by_result: HashMap<i64, Vec<GradedSubject>> = HashMap::new();
        for s in subjects {
            by_result.entry(s.result_id).or_default().push(GradedSubject {
                subject_id: s.subject_id,
                score: s.score,
                max_score: s.max_score,
                number_of_questions: s.number_of_questions,
                number_of_correct: s.number_of_correct,
                total_taken_time: s.total_taken_time,
                correct_rate: s.correct_rate,
                time_limit_ms: s.time_limit_ms,
            });
        }
        Ok(rows
            .into_iter()
            .map(|r| {
                let subjects = by_result.remove(&r.id).unwrap_or_default();
                let mut out = result_to_domain(r);
                out.subjects = subjects;
                out
            })
            .collect())
    }

    async fn insert_once(
        &self,
        user_id: i64,
        exam: &MockExam,
        graded: &GradedResult,
        event: &PendingResultSaved,
        at: DateTime<Utc>,
    ) -> Result<(i64, i32), PortError> {
        self.db
            .write_with_events(|| async move {
                let txn = self.db.begin_write().await?;
                // One statement numbers and inserts the attempt, so the number is read under the
                // write. SQLite takes its (single) write lock before reading. On MySQL/MariaDB the
                // user's row is locked first, so one user's submissions queue instead of
                // deadlocking on the range and auto-increment locks; other users never wait.
                // The unique key (user, exam, attempt) is the backstop either way.
                let backend = txn.get_database_backend();
                if backend == sea_orm::DatabaseBackend::MySql {
                    user::Entity::find_by_id(user_id).select_only().column(user::Column::Id).lock_exclusive().into_tuple::<i64>().one(&txn).await?;
                }
                let insert = Statement::from_sql_and_values(
                    backend,
                    "INSERT INTO mock_exam_results \
                     (user_id, mock_exam_id, certificate_id, attempt, total_score, max_score, passed, taken_time_ms, created_at) \
                     SELECT ?, ?, ?, COALESCE(MAX(attempt), 0) + 1, ?, ?, ?, ?, ? \
                     FROM mock_exam_results WHERE user_id = ? AND mock_exam_id = ?",
                    [
                        user_id.into(),
                        exam.id.into(),
                        exam.certificate_id.into(),
                        graded.total_score.into(),
                        graded.max_score.into(),
                        graded.passed.into(),
                        graded.taken_time_ms.into(),
                        at.into(),
                        user_id.into(),
                        exam.id.into(),
                    ],
                );
                let id = i64::try_from(txn.execute_raw(insert).await?.last_insert_id())
                    .map_err(|_| DbErr::Custom("result id out of range".into()))?;
                let attempt: i32 = mock_exam_result::Entity::find_by_id(id)
                    .select_only()
                    .column(mock_exam_result::Column::Attempt)
                    .into_tuple()
                    .one(&txn)
                    .await?
                    .ok_or_else(|| DbErr::RecordNotFound(format!("mock exam result {id}")))?;
                let subjects = graded.subjects.iter().enumerate().map(|(i, s)| subject_result::ActiveModel {
                    result_id: Set(id),
                    subject_id: Set(s.subject_id),
                    position: Set(i as i32 + 1),
                    score: Set(s.score),
                    max_score: Set(s.max_score),
                    number_of_questions: Set(s.number_of_questions),
                    number_of_correct: Set(s.number_of_correct),
                    total_taken_time: Set(s.total_taken_time),
                    correct_rate: Set(s.correct_rate),
                    time_limit_ms: Set(s.time_limit_ms),
                    ..Default::default()
                });
                subject_result::Entity::insert_many(subjects).exec_without_returning(&txn).await?;
                for chunk in graded.answers.chunks(100) {
                    let answers = chunk.iter().map(|a| user_answer::ActiveModel {
                        result_id: Set(id),
                        user_id: Set(user_id),
                        mock_exam_id: Set(exam.id),
                        question_id: Set(a.question_id),
                        number: Set(a.number),
                        selected: Set(a.selected),
                        taken_ms: Set(a.taken_ms),
                        correct: Set(a.correct),
                        reviewed: Set(false),
                        created_at: Set(at),
                        ..Default::default()
                    });
                    user_answer::Entity::insert_many(answers).exec_without_returning(&txn).await?;
                }
                append_event(&txn, &event.saved(id, attempt), at).await?;
                txn.commit().await?;
                Ok((id, attempt))
            })
            .await
    }
}

fn result_to_domain(r: mock_exam_result::Model) -> StoredResult {
    StoredResult {
        id: r.id,
        user_id: r.user_id,
        mock_exam_id: r.mock_exam_id,
        certificate_id: r.certificate_id,
        attempt: r.attempt,
        total_score: r.total_score,
        max_score: r.max_score,
        passed: r.passed,
        taken_time_ms: r.taken_time_ms,
        created_at: r.created_at,
        subjects: Vec::new(),
    }
}

fn order(direction: Direction) -> Order {
    match direction {
        Direction::Asc => Order::Asc,
        Direction::Desc => Order::Desc,
    }
}

#[async_trait]
impl ResultRepository for SqlResultRepository {
    async fn save(
        &self,
        user_id: i64,
        exam: &MockExam,
        graded: &GradedResult,
        event: &PendingResultSaved,
        at: DateTime<Utc>,
    ) -> Result<(i64, i32), PortError> {
        // Two submissions of the same exam by the same user can read the same last attempt;
        // the unique key rejects the second insert and it retries with the next number.
        let mut tries = 0;
        loop {
            match self.insert_once(user_id, exam, graded, event, at).await {
                Err(err) if is_retryable(&err) && tries < 8 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(5 * tries)).await;
                }
                other => return other,
            }
        }
    }

    async fn find(&self, result_id: i64) -> Result<Option<StoredResult>, PortError> {
        let row = self.db.run(mock_exam_result::Entity::find_by_id(result_id).one(self.db.conn())).await?;
        Ok(self.with_subjects(row.into_iter().collect()).await?.pop())
    }

    async fn for_exam(&self, user_id: i64, mock_exam_id: i64) -> Result<Vec<StoredResult>, PortError> {
        let rows = self
            .db
            .run(
                mock_exam_result::Entity::find()
                    .filter(mock_exam_result::Column::UserId.eq(user_id))
                    .filter(mock_exam_result::Column::MockExamId.eq(mock_exam_id))
                    .order_by_asc(mock_exam_result::Column::Attempt)
                    .all(self.db.conn()),
            )
            .await?;
        self.with_subjects(rows).await
    }

    async fn latest_for_exam(&self, user_id: i64, mock_exam_id: i64) -> Result<Option<StoredResult>, PortError> {
        let row = self
            .db
            .run(
                mock_exam_result::Entity::find()
                    .filter(mock_exam_result::Column::UserId.eq(user_id))
                    .filter(mock_exam_result::Column::MockExamId.eq(mock_exam_id))
                    .order_by_desc(mock_exam_result::Column::Attempt)
                    .one(self.db.conn()),
            )
            .await?;
        Ok(self.with_subjects(row.into_iter().collect()).await?.pop())
    }

    async fn between(
        &self,
        user_id: i64,
        certificate_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<StoredResult>, PortError> {
        let rows = self
            .db
            .run(
                mock_exam_result::Entity::find()
                    .filter(mock_exam_result::Column::UserId.eq(user_id))
                    .filter(mock_exam_result::Column::CertificateId.eq(certificate_id))
                    .filter(mock_exam_result::Column::CreatedAt.gte(from))
                    .filter(mock_exam_result::Column::CreatedAt.lt(to))
                    .order_by_desc(mock_exam_result::Column::CreatedAt)
                    .order_by_desc(mock_exam_result::Column::Id)
                    .offset(offset)
                    .limit(limit)
                    .all(self.db.conn()),
            )
            .await?;
        Ok(rows.into_iter().map(result_to_domain).collect())
    }

    async fn scores_between(
        &self,
        user_id: i64,
        certificate_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, i32)>, PortError> {
        self.db
            .run(
                mock_exam_result::Entity::find()
                    .select_only()
                    .column(mock_exam_result::Column::CreatedAt)
                    .column(mock_exam_result::Column::TotalScore)
                    .filter(mock_exam_result::Column::UserId.eq(user_id))
                    .filter(mock_exam_result::Column::CertificateId.eq(certificate_id))
                    .filter(mock_exam_result::Column::CreatedAt.gte(from))
                    .filter(mock_exam_result::Column::CreatedAt.lt(to))
                    .into_tuple::<(DateTime<Utc>, i32)>()
                    .all(self.db.conn()),
            )
            .await
    }

    async fn subject_rows(
        &self,
        user_id: i64,
        certificate_id: i64,
        period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<Vec<SubjectRow>, PortError> {
        let mut results = mock_exam_result::Entity::find()
            .select_only()
            .column(mock_exam_result::Column::Id)
            .filter(mock_exam_result::Column::UserId.eq(user_id))
            .filter(mock_exam_result::Column::CertificateId.eq(certificate_id));
        if let Some((from, to)) = period {
            results = results
                .filter(mock_exam_result::Column::CreatedAt.gte(from))
                .filter(mock_exam_result::Column::CreatedAt.lt(to));
        }
        let ids: Vec<i64> = self.db.run(results.into_tuple().all(self.db.conn())).await?;
        let mut out = Vec::new();
        // Chunked so a heavy user's history never exceeds bind-parameter limits.
        for chunk in ids.chunks(500) {
            let rows = self
                .db
                .run(
                    subject_result::Entity::find()
                        .filter(subject_result::Column::ResultId.is_in(chunk.to_vec()))
                        .all(self.db.conn()),
                )
                .await?;
            out.extend(rows.into_iter().map(|s| SubjectRow {
                subject_id: s.subject_id,
                correct_rate: s.correct_rate,
                total_taken_time: s.total_taken_time,
                time_limit_ms: s.time_limit_ms,
            }));
        }
        Ok(out)
    }

    async fn answers(
        &self,
        user_id: i64,
        scope: AnswerScope,
        wrong_only: bool,
        sort: &[SortOrder],
        offset: u64,
        limit: u64,
    ) -> Result<Vec<StoredAnswer>, PortError> {
        let mut query = user_answer::Entity::find().filter(user_answer::Column::UserId.eq(user_id));
        query = match scope {
            AnswerScope::Result(id) => query.filter(user_answer::Column::ResultId.eq(id)),
            AnswerScope::LatestOfCertificate(certificate_id) => {
                let latest: Vec<Option<i64>> = self
                    .db
                    .run(
                        mock_exam_result::Entity::find()
                            .select_only()
                            .column_as(mock_exam_result::Column::Id.max(), "latest")
                            .filter(mock_exam_result::Column::UserId.eq(user_id))
                            .filter(mock_exam_result::Column::CertificateId.eq(certificate_id))
                            .group_by(mock_exam_result::Column::MockExamId)
                            .into_tuple()
                            .all(self.db.conn()),
                    )
                    .await?;
                let latest: Vec<i64> = latest.into_iter().flatten().collect();
                if latest.is_empty() {
                    return Ok(Vec::new());
                }
                query.filter(user_answer::Column::ResultId.is_in(latest))
            }
        };
        if wrong_only {
            query =
                query.filter(user_answer::Column::Correct.eq(false)).filter(user_answer::Column::Reviewed.eq(false));
        }
        let sort: Vec<SortOrder> = if sort.is_empty() {
            vec![
                SortOrder { field: "createdAt".into(), direction: Direction::Desc },
                SortOrder { field: "questionSeq".into(), direction: Direction::Asc },
            ]
        } else {
            sort.to_vec()
        };
        for s in &sort {
            let column =
                if s.field == "createdAt" { user_answer::Column::CreatedAt } else { user_answer::Column::Number };
            query = query.order_by(column, order(s.direction));
        }
        let rows = self
            .db
            .run(query.order_by_asc(user_answer::Column::Id).offset(offset).limit(limit).all(self.db.conn()))
            .await?;
        Ok(rows
            .into_iter()
            .map(|a| StoredAnswer {
                id: a.id,
                result_id: a.result_id,
                mock_exam_id: a.mock_exam_id,
                question_id: a.question_id,
                number: a.number,
                selected: a.selected,
                taken_ms: a.taken_ms,
                correct: a.correct,
                reviewed: a.reviewed,
                created_at: a.created_at,
            })
            .collect())
    }

    async fn mark_reviewed(&self, user_id: i64, answer_id: i64) -> Result<bool, PortError> {
        let found = self
            .db
            .run(
                user_answer::Entity::find()
                    .filter(user_answer::Column::Id.eq(answer_id))
                    .filter(user_answer::Column::UserId.eq(user_id))
                    .one(self.db.conn()),
            )
            .await?;
        if found.is_none() {
            return Ok(false);
        }
        self.db
            .run(
                user_answer::Entity::update_many()
                    .col_expr(user_answer::Column::Reviewed, Expr::value(true))
                    .filter(user_answer::Column::Id.eq(answer_id))
                    .filter(user_answer::Column::UserId.eq(user_id))
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(true)
    }
}

#[async_trait]
impl ExamActivity for SqlResultRepository {
    async fn count_and_best(
        &self,
        user_id: i64,
        certificate_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<(u32, Option<i32>), PortError> {
        let scores = self.scores_between(user_id, certificate_id, from, to).await?;
        Ok((scores.len() as u32, scores.iter().map(|(_, s)| *s).max()))
    }
}

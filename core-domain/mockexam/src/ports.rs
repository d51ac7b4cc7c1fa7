//! What the mock-exam context needs from storage.

use async_trait::async_trait;
use cercat_common::{PortError, paging::SortOrder};
use chrono::{DateTime, Utc};

use crate::{GradedResult, MockExam, MockExamDraft, Question, events::PendingResultSaved, grading::GradedSubject};

/// The topic result events are published on.
pub const RESULT_TOPIC: &str = "mockexam.result";

/// What deleting an exam did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    /// Gone, with its questions.
    Deleted,
    /// There was no such exam.
    NotFound,
    /// Users have results of it; nothing was deleted.
    HasResults,
}

/// Mock exams and their questions.
#[async_trait]
pub trait MockExamRepository: Send + Sync {
    /// The distinct years of the certificate's mock exams, newest first.
    async fn years(&self, certificate_id: i64) -> Result<Vec<i32>, PortError>;
    /// The certificate's mock exams (of `year` when given), newest year first, then by round.
    async fn list(&self, certificate_id: i64, year: Option<i32>) -> Result<Vec<MockExam>, PortError>;
    /// One exam.
    async fn find(&self, id: i64) -> Result<Option<MockExam>, PortError>;
    /// The exam's questions ordered by number.
    async fn questions(&self, mock_exam_id: i64) -> Result<Vec<Question>, PortError>;
    /// Creates the exam with all its questions in one transaction.
    /// [`PortError::Duplicate`] if the certificate has an exam for that year and round.
    async fn create(&self, draft: &MockExamDraft, at: DateTime<Utc>) -> Result<i64, PortError>;
    /// Replaces question `question.id`'s text, image, options, correct option and score, and
    /// recomputes the exam's maximum score, in one transaction; `false` if it does not exist.
    async fn replace_question(&self, question: &Question, at: DateTime<Utc>) -> Result<bool, PortError>;
    /// Deletes the exam and its questions unless it has results, in one transaction.
    ///
    /// Refusals are outcomes, not errors: [`DeleteOutcome::NotFound`] when no exam has this id,
    /// [`DeleteOutcome::HasResults`] when any user has a result of it (nothing is deleted).
    ///
    /// Errors: [`PortError::Timeout`] when the store does not answer within its bound,
    /// [`PortError::Unavailable`] when it fails, [`PortError::InUse`] when a result was stored
    /// between the check and the delete (the store's references refuse it; nothing is deleted).
    async fn delete(&self, id: i64) -> Result<DeleteOutcome, PortError>;
}

/// A stored result (subjects in exam order; empty in list views that do not need them).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResult {
    /// The result's id, as in `/mock-exam-results/{id}`.
    pub id: i64,
    /// Who took it.
    pub user_id: i64,
    /// The exam.
    pub mock_exam_id: i64,
    /// The exam's certificate.
    pub certificate_id: i64,
    /// 1 for the user's first attempt of the exam, then 2, 3…
    pub attempt: i32,
    /// Points earned.
    pub total_score: i32,
    /// Points available.
    pub max_score: i32,
    /// Whether the certificate's criteria were met.
    pub passed: bool,
    /// Time spent, ms.
    pub taken_time_ms: i64,
    /// When it was submitted.
    pub created_at: DateTime<Utc>,
    /// Per-subject figures.
    pub subjects: Vec<GradedSubject>,
}

/// One stored answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// Id (`userAnswerId`).
    pub id: i64,
    /// Its result.
    pub result_id: i64,
    /// The exam.
    pub mock_exam_id: i64,
    /// The question.
    pub question_id: i64,
    /// The question's number.
    pub number: i32,
    /// Selected option, 0 = unanswered.
    pub selected: i32,
    /// Time spent, ms.
    pub taken_ms: i64,
    /// Whether it was right.
    pub correct: bool,
    /// Whether the user marked it reviewed (it leaves the wrong-answer notes).
    pub reviewed: bool,
    /// When the result was submitted.
    pub created_at: DateTime<Utc>,
}

/// Which answers a wrong-answer list covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerScope {
    /// One result.
    Result(i64),
    /// The latest attempt of each exam of a certificate.
    LatestOfCertificate(i64),
}

/// One subject's figures of one result, for averages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubjectRow {
    /// The certificate subject the figures are of.
    pub subject_id: i64,
    /// Percent correct.
    pub correct_rate: f64,
    /// Time spent on the subject, ms.
    pub total_taken_time: i64,
    /// The share of the exam's time limit the subject's questions stand for, ms.
    pub time_limit_ms: i64,
}

/// Results and their answers.
#[async_trait]
pub trait ResultRepository: Send + Sync {
    /// Stores a graded result with its subject results (each with its share of the time limit,
    /// as graded) and every answer, numbering the attempt (the user's previous attempts of the
    /// exam + 1; the unique key on (user, exam, attempt) settles concurrent submissions, the
    /// loser retries), and records `event` completed with the id and attempt it assigned
    /// ([`PendingResultSaved::saved`]) in the outbox, all in one transaction.
    /// Returns (result id, attempt).
    ///
    /// Errors: [`PortError::Unavailable`]/[`PortError::Timeout`] when the database fails (then
    /// nothing is stored and no event recorded).
    async fn save(
        &self,
        user_id: i64,
        exam: &MockExam,
        graded: &GradedResult,
        event: &PendingResultSaved,
        at: DateTime<Utc>,
    ) -> Result<(i64, i32), PortError>;
    /// One result with its subjects.
    async fn find(&self, result_id: i64) -> Result<Option<StoredResult>, PortError>;
    /// The user's results of an exam, oldest first, with subjects.
    async fn for_exam(&self, user_id: i64, mock_exam_id: i64) -> Result<Vec<StoredResult>, PortError>;
    /// The user's latest result of an exam, with subjects.
    async fn latest_for_exam(&self, user_id: i64, mock_exam_id: i64) -> Result<Option<StoredResult>, PortError>;
    /// The user's results of a certificate submitted in `[from, to)`, newest first, without
    /// subjects: `limit` rows after skipping `offset`.
    async fn between(
        &self,
        user_id: i64,
        certificate_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<StoredResult>, PortError>;
    /// (submitted at, total score) of the user's results of a certificate in `[from, to)`.
    async fn scores_between(
        &self,
        user_id: i64,
        certificate_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, i32)>, PortError>;
    /// Every subject result of the user's results of a certificate in `[from, to)` (all time
    /// when `None`).
    async fn subject_rows(
        &self,
        user_id: i64,
        certificate_id: i64,
        period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<Vec<SubjectRow>, PortError>;
    /// The user's answers in `scope` (only wrong, not yet reviewed ones when `wrong_only`),
    /// sorted by `sort` (fields `createdAt`, `questionSeq`), then by id.
    async fn answers(
        &self,
        user_id: i64,
        scope: AnswerScope,
        wrong_only: bool,
        sort: &[SortOrder],
        offset: u64,
        limit: u64,
    ) -> Result<Vec<StoredAnswer>, PortError>;
    /// Marks the user's answer reviewed; `false` if the user has no such answer.
    async fn mark_reviewed(&self, user_id: i64, answer_id: i64) -> Result<bool, PortError>;
}

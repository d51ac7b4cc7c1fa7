//! Mock-exam use cases: browsing exams, taking them (server-side grading), results, wrong-answer
//! notes, reports, and the admin's imports and edits — one file per group of them.

mod admin;
mod attempts;
mod browse;
mod notes;
mod reports;
#[cfg(test)]
mod tests;

use std::{collections::HashMap, sync::Arc, time::Duration};

use cercat_certificate::{Certificate, CertificateService, Subject};
use cercat_common::{
    cache::{self, Cache},
    calendar::seoul_date,
    clock::Clock,
    paging::{PageRequest, Slice},
    storage::{ImageStorage, sniff_image},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    AnswerInput, GradedResult, MockExam, MockExamError, Question, QuestionOption, Report, ReportPeriod, ResultFilter,
    events::PendingResultSaved,
    grade,
    import::MockExamImport,
    model::is_absolute_url,
    ports::{AnswerScope, DeleteOutcome, MockExamRepository, ResultRepository, StoredAnswer, StoredResult},
};

/// How long a question set stays cached (admin edits invalidate it at once).
pub const QUESTIONS_TTL: Duration = Duration::from_secs(3600);
/// How long a score report stays cached (saving a result invalidates it at once).
pub const REPORT_TTL: Duration = Duration::from_secs(600);
/// Largest question or option image, bytes.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// Sort fields of wrong-answer lists, with the names Cercat's client sends.
pub const ANSWER_SORT_FIELDS: &[&str] =
    &["createdAt", "questionSeq", "subjectResultEntity.mockExamResultEntity.createdAt", "questionEntity.questionSeq"];

/// An exam with its questions (image references resolved to URLs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionSet {
    /// The exam.
    pub exam: MockExam,
    /// Questions by number.
    pub questions: Vec<Question>,
}

/// A result as the views show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultView {
    /// The stored result.
    pub result: StoredResult,
    /// Its exam.
    pub exam: MockExam,
    /// The certificate's subjects, for naming the subject results.
    pub subjects: Vec<Subject>,
}

/// A wrong (or any) answer with its question.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerView {
    /// The answer.
    pub answer: StoredAnswer,
    /// Its question.
    pub question: Question,
    /// The question's exam.
    pub exam: MockExam,
    /// The question's subject.
    pub subject: Option<Subject>,
}

/// A subject's averages over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectAverage {
    /// The subject.
    pub subject: Subject,
    /// Mean percent correct.
    pub correct_rate: f64,
    /// Mean time spent, ms.
    pub total_taken_time: i64,
    /// Mean time allotted (the subject's share of the exam's limit), ms.
    pub time_limit: i64,
    /// Results averaged.
    pub results: u32,
}

/// A saved submission.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    /// Result id.
    pub id: i64,
    /// Attempt number.
    pub attempt: i32,
    /// The grading.
    pub graded: GradedResult,
}

/// An admin's edit of one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionEdit {
    /// The new question text; trimmed, 1 to 5,000 characters.
    pub text: String,
    /// Option texts in order (4 or 5); existing option images are kept by position.
    pub options: Vec<String>,
    /// Correct option.
    pub correct_option: i32,
    /// Points for a correct answer, 1 to 1000.
    pub score: i32,
}

/// The ports the service runs on.
pub struct MockExamPorts {
    /// Exams and questions.
    pub exams: Arc<dyn MockExamRepository>,
    /// Stored results and answers: attempts, reports, wrong-answer notes.
    pub results: Arc<dyn ResultRepository>,
    /// Certificates (subjects and pass criteria).
    pub certificates: Arc<CertificateService>,
    /// Question-set and report cache.
    pub cache: Arc<dyn Cache>,
    /// Question and option images (stored by admins; their keys turned into URLs).
    pub storage: Arc<dyn ImageStorage>,
    /// Dates attempts and edits, and names uploaded images.
    pub clock: Arc<dyn Clock>,
}

/// Mock-exam use cases.
pub struct MockExamService {
    ports: MockExamPorts,
}

/// The cache key of an exam's question set.
pub fn questions_key(mock_exam_id: i64) -> String {
    format!("mockexam:v1:questions:{mock_exam_id}")
}

/// The cache key under which a program may keep a rendered form of an exam's question set
/// (the API keeps its response body); dropped together with the set by every admin edit.
pub fn rendered_questions_key(mock_exam_id: i64) -> String {
    format!("mockexam:v1:questions-rendered:{mock_exam_id}")
}

/// The cache key of a user's report.
pub fn report_key(user_id: i64, certificate_id: i64, period: &ReportPeriod) -> String {
    format!("mockexam:v1:report:{user_id}:{certificate_id}:{}", period.key())
}

fn page_of<T>(rows: Vec<T>, page: &PageRequest) -> Slice<T> {
    Slice::from_fetched(rows, page)
}

impl MockExamService {
    /// Wires the service.
    pub fn new(ports: MockExamPorts) -> Self {
        Self { ports }
    }

    async fn certificate(&self, id: i64) -> Result<Certificate, MockExamError> {
        Ok(self.ports.certificates.get(id).await?)
    }

    fn resolve(&self, image: &mut Option<String>) {
        if let Some(i) = image.as_mut().filter(|i| !is_absolute_url(i)) {
            *i = self.ports.storage.url_for(i);
        }
    }
}

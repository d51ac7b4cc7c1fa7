//! The `mockexam` context: mock exams of a certificate by (year, round) with their questions,
//! server-side grading of submitted answers, results with per-subject scores and per-answer
//! records, wrong-answer notes, WEEKLY / MONTHLY / YEARLY score reports, and the admins' side:
//! the JSON [`import`], question edits and images.

pub mod error;
pub mod events;
pub mod grading;
pub mod import;
pub mod model;
pub mod ports;
pub mod report;
pub mod service;

#[cfg(feature = "testkit")]
#[allow(clippy::expect_used, clippy::unwrap_used)]
pub mod testkit;

pub use error::MockExamError;
pub use grading::{AnswerInput, GradedResult, GradedSubject, grade};
pub use model::{MockExam, MockExamDraft, Question, QuestionDraft, QuestionOption};
pub use report::{Bucket, Report, ReportPeriod, ResultFilter};
pub use service::MockExamService;

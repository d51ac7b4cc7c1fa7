//! Mock exams and their questions.

use serde::{Deserialize, Serialize};

/// One mock exam: a past exam of a certificate, identified by (year, round).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MockExam {
    /// The exam's id, as in `/mock-exams/{id}/…`.
    pub id: i64,
    /// The certificate.
    pub certificate_id: i64,
    /// Year of the original exam.
    pub exam_year: i32,
    /// Round within the year.
    pub round: i32,
    /// Time allowed, milliseconds.
    pub time_limit_ms: i64,
    /// Sum of the questions' scores.
    pub max_score: i32,
}

/// One answer option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionOption {
    /// 1-based position.
    pub sequence: i32,
    /// The option's text; may be empty when it has an image.
    pub content: String,
    /// Image: an object-storage key or an absolute `http(s)` URL.
    pub image: Option<String>,
}

/// A question of a mock exam.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// The question's id (stable across edits; answers refer to it).
    pub id: i64,
    /// The exam.
    pub mock_exam_id: i64,
    /// The certificate subject it belongs to.
    pub subject_id: i64,
    /// 1-based position within the whole exam (what the client sends as `questionId`).
    pub number: i32,
    /// The question's text, trimmed, 1 to 5,000 characters.
    pub text: String,
    /// Image: an object-storage key or an absolute `http(s)` URL.
    pub image: Option<String>,
    /// Options in order (4 or 5).
    pub options: Vec<QuestionOption>,
    /// The correct option's sequence.
    pub correct_option: i32,
    /// Points for a correct answer.
    pub score: i32,
}

/// A question to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionDraft {
    /// Subject id (of the exam's certificate).
    pub subject_id: i64,
    /// 1-based position within the exam.
    pub number: i32,
    /// The question's text, trimmed, 1 to 5,000 characters.
    pub text: String,
    /// Image key or URL.
    pub image: Option<String>,
    /// Answer options in order (4 or 5), sequences 1..=n.
    pub options: Vec<QuestionOption>,
    /// Correct option sequence.
    pub correct_option: i32,
    /// Points for a correct answer, 1 to 1000.
    pub score: i32,
}

/// A mock exam to store, with all its questions (numbered 1..=n).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockExamDraft {
    /// The certificate whose past exam this is.
    pub certificate_id: i64,
    /// Year of the original exam.
    pub exam_year: i32,
    /// Round within the year; (certificate, year, round) is unique.
    pub round: i32,
    /// Time allowed, milliseconds.
    pub time_limit_ms: i64,
    /// Questions ordered by number.
    pub questions: Vec<QuestionDraft>,
}

impl MockExamDraft {
    /// Sum of the question scores.
    pub fn max_score(&self) -> i32 {
        self.questions.iter().map(|q| q.score).sum()
    }
}

/// Whether a stored image reference is already a URL (imported) rather than a storage key.
pub fn is_absolute_url(image: &str) -> bool {
    image.starts_with("https://") || image.starts_with("http://")
}

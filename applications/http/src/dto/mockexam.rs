//! Mock-exam responses both servers render: an exam, and its questions with their options,
//! subject and correct answer.

use cercat_certificate::Subject;
use cercat_mockexam::{MockExam, Question};
use serde::Serialize;
use utoipa::ToSchema;

use super::certificate::SubjectResponse;

/// A mock exam.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MockExamResponse {
    /// The exam's id, for `/mock-exams/{mockExamId}/…`.
    pub mock_exam_id: i64,
    /// The certificate whose past exam it is.
    pub certificate_id: i64,
    /// Year of the original exam.
    #[schema(example = 2024)]
    pub exam_year: i32,
    /// Round within the year.
    #[schema(example = 1)]
    pub round: i32,
    /// Time allowed, milliseconds.
    #[schema(example = 9_000_000)]
    pub time_limit: i64,
    /// Highest possible score.
    #[schema(example = 500)]
    pub max_score: i32,
}

impl From<&MockExam> for MockExamResponse {
    fn from(e: &MockExam) -> Self {
        Self {
            mock_exam_id: e.id,
            certificate_id: e.certificate_id,
            exam_year: e.exam_year,
            round: e.round,
            time_limit: e.time_limit_ms,
            max_score: e.max_score,
        }
    }
}

/// An answer option.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionOptionResponse {
    /// 1-based position.
    pub option_sequence: i32,
    /// The option's text; may be empty when it has an image.
    pub option_content: String,
    /// Image URL.
    pub option_image: Option<String>,
}

/// A question, with its correct option (the client grades locally for display; the server
/// grades again on submission).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionResponse {
    /// The question's stored id; not what a submission's `questionId` means (that is `questionSeq`).
    pub question_id: i64,
    /// 1-based number in the exam (what the client submits as `questionId`).
    pub question_seq: i32,
    /// The question's text, up to 5,000 characters.
    pub question_text: String,
    /// Image URL.
    pub question_image: Option<String>,
    /// Options in order.
    pub question_options: Vec<QuestionOptionResponse>,
    /// The correct option's sequence.
    pub correct_option: i32,
    /// Points for a correct answer.
    pub score: i32,
    /// Its subject.
    pub subject: SubjectResponse,
    /// Its exam.
    pub mock_exam: MockExamResponse,
}

fn unknown_subject(id: i64) -> SubjectResponse {
    SubjectResponse { subject_id: id, subject_name: String::new(), sequence: 0, number_of_questions: 0, total_score: 0 }
}

/// The response of subject `id` among `subjects` (blank if it is not there any more).
pub fn subject_response(subjects: &[Subject], id: i64) -> SubjectResponse {
    subjects.iter().find(|s| s.id == id).map_or_else(|| unknown_subject(id), SubjectResponse::from)
}

impl QuestionResponse {
    /// Builds the response for `q` of `exam`.
    pub fn new(q: Question, exam: &MockExam, subjects: &[Subject]) -> Self {
        Self {
            question_id: q.id,
            question_seq: q.number,
            subject: subject_response(subjects, q.subject_id),
            question_options: q
                .options
                .into_iter()
                .map(|o| QuestionOptionResponse {
                    option_sequence: o.sequence,
                    option_content: o.content,
                    option_image: o.image,
                })
                .collect(),
            question_text: q.text,
            question_image: q.image,
            correct_option: q.correct_option,
            score: q.score,
            mock_exam: exam.into(),
        }
    }
}

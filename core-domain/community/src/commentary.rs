//! COMMENTARY posts are about one mock-exam question: the question is resolved when the post is
//! written and shown beside the post when it is read. The questions belong to the mock-exam
//! context; this context sees them through [`crate::ports::QuestionCatalog`].

use cercat_certificate::Subject;
use cercat_mockexam::{MockExam, Question};

use crate::Post;

/// A mock exam with its questions, as the catalog answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamQuestions {
    /// The exam.
    pub exam: MockExam,
    /// Its questions by number.
    pub questions: Vec<Question>,
    /// Its certificate's subjects (a question names its subject by id).
    pub subjects: Vec<Subject>,
}

/// The question a COMMENTARY post is about, with what it is shown with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentaryQuestion {
    /// The question.
    pub question: Question,
    /// Its exam.
    pub exam: MockExam,
    /// Its certificate's subjects.
    pub subjects: Vec<Subject>,
}

/// A post as the community use cases answer it: COMMENTARY posts carry their question (absent
/// once its exam was deleted — the post is still shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostView {
    /// The post.
    pub post: Post,
    /// The question of a COMMENTARY post.
    pub question: Option<CommentaryQuestion>,
}

/// The question a COMMENTARY post names as written (`examYear`, `round`, `questionSequence`);
/// all three are needed, and must name a question of the board's mock exams.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuestionChoice {
    /// The exam's year.
    pub exam_year: Option<i32>,
    /// The exam's round.
    pub round: Option<i32>,
    /// The question's number in the exam.
    pub number: Option<i32>,
}

//! The mock-exam context on the database: [`SqlMockExamRepository`] over `mock_exams` +
//! `questions` ([`exams`]), and [`SqlResultRepository`] — the results, their subjects and
//! answers, plus the learning context's `ExamActivity` — over `mock_exam_results`,
//! `subject_results` and `user_answers` ([`results`]).

mod exams;
mod results;

pub use exams::SqlMockExamRepository;
pub use results::SqlResultRepository;

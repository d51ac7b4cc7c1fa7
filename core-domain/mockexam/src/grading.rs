//! Server-side grading. The client's `isCorrect`, `score` and `subjectId` are never trusted:
//! each answer is matched to its question by its 1-based number in the exam, and every score
//! is recomputed from the stored correct options.

use std::collections::HashMap;

use cercat_certificate::PassCriteria;
use serde::{Deserialize, Serialize};

use crate::{MockExamError, Question};

/// Longest time one answer may report (a day), milliseconds.
pub const MAX_TAKEN_MS: i64 = 86_400_000;

/// One submitted answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerInput {
    /// 1-based question number within the exam.
    pub number: i32,
    /// Selected option sequence; 0 = unanswered.
    pub selected: i32,
    /// Time spent, milliseconds.
    pub taken_ms: i64,
}

/// A graded answer (one per question of the exam, unanswered ones included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradedAnswer {
    /// Question id.
    pub question_id: i64,
    /// Question number.
    pub number: i32,
    /// Subject id.
    pub subject_id: i64,
    /// Selected option (0 = unanswered).
    pub selected: i32,
    /// Time spent, ms.
    pub taken_ms: i64,
    /// Whether it matches the correct option.
    pub correct: bool,
}

/// One subject's part of a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradedSubject {
    /// Subject id.
    pub subject_id: i64,
    /// Points earned.
    pub score: i32,
    /// Points available in this exam.
    pub max_score: i32,
    /// Questions of the subject in this exam.
    pub number_of_questions: i32,
    /// Correct answers.
    pub number_of_correct: i32,
    /// Time spent on the subject's questions, ms.
    pub total_taken_time: i64,
    /// Correct answers as a percentage (two decimals).
    pub correct_rate: f64,
    /// The share of the exam's time limit this subject's questions stand for, ms (see
    /// [`time_share`]); subject averages compare the time spent against it.
    pub time_limit_ms: i64,
}

/// A graded submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradedResult {
    /// Points earned.
    pub total_score: i32,
    /// Points available.
    pub max_score: i32,
    /// Correct answers overall.
    pub number_of_correct: i32,
    /// Time spent overall, ms.
    pub taken_time_ms: i64,
    /// Whether the certificate's criteria are met.
    pub passed: bool,
    /// Subjects in exam order.
    pub subjects: Vec<GradedSubject>,
    /// Every question's answer, by number.
    pub answers: Vec<GradedAnswer>,
}

/// The part of an exam's `time_limit_ms` that `subject_questions` of its `exam_questions`
/// stand for, rounded down (an exam without questions counts as one, so this never divides
/// by zero).
pub fn time_share(time_limit_ms: i64, subject_questions: i32, exam_questions: usize) -> i64 {
    let exam_questions = i64::try_from(exam_questions.max(1)).unwrap_or(i64::MAX);
    time_limit_ms * i64::from(subject_questions) / exam_questions
}

/// `part / whole` as a percentage rounded to two decimals (0 when `whole` is 0).
pub fn percent(part: i64, whole: i64) -> f64 {
    if whole == 0 { 0.0 } else { ((part as f64) * 10_000.0 / (whole as f64)).round() / 100.0 }
}

fn invalid(reason: String) -> MockExamError {
    MockExamError::InvalidSubmission(reason)
}

/// Grades `answers` against `questions` (the whole exam, ordered by number; subjects appear in
/// exam order), sharing the exam's `time_limit_ms` among the subjects by their questions.
/// Questions without an answer count as unanswered.
///
/// Errors: [`MockExamError::InvalidSubmission`] for a number outside the exam, a question
/// answered twice, an option the question does not have, or a negative/absurd time.
pub fn grade(
    questions: &[Question],
    time_limit_ms: i64,
    criteria: PassCriteria,
    answers: &[AnswerInput],
) -> Result<GradedResult, MockExamError> {
    let n = questions.len() as i32;
    let mut by_number: HashMap<i32, AnswerInput> = HashMap::with_capacity(answers.len());
    for a in answers {
        if !(1..=n).contains(&a.number) {
            return Err(invalid(format!("question {} does not exist; this exam has questions 1 to {n}", a.number)));
        }
        if !(0..=MAX_TAKEN_MS).contains(&a.taken_ms) {
            return Err(invalid(format!("question {}: takenTime must be between 0 and {MAX_TAKEN_MS} ms", a.number)));
        }
        if by_number.insert(a.number, *a).is_some() {
            return Err(invalid(format!("question {} is answered more than once", a.number)));
        }
    }
    let mut subjects: Vec<GradedSubject> = Vec::new();
    let mut graded = Vec::with_capacity(questions.len());
    for q in questions {
        let answer =
            by_number.get(&q.number).copied().unwrap_or(AnswerInput { number: q.number, selected: 0, taken_ms: 0 });
        if !(0..=q.options.len() as i32).contains(&answer.selected) {
            return Err(invalid(format!(
                "question {}: selectOptionSeq must be between 0 (unanswered) and {}",
                q.number,
                q.options.len()
            )));
        }
        let correct = answer.selected != 0 && answer.selected == q.correct_option;
        let subject = match subjects.iter_mut().position(|s| s.subject_id == q.subject_id) {
            Some(i) => &mut subjects[i],
            None => {
                subjects.push(GradedSubject {
                    subject_id: q.subject_id,
                    score: 0,
                    max_score: 0,
                    number_of_questions: 0,
                    number_of_correct: 0,
                    total_taken_time: 0,
                    correct_rate: 0.0,
                    time_limit_ms: 0,
                });
                let last = subjects.len() - 1;
                &mut subjects[last]
            }
        };
        subject.max_score += q.score;
        subject.number_of_questions += 1;
        subject.total_taken_time += answer.taken_ms;
        if correct {
            subject.score += q.score;
            subject.number_of_correct += 1;
        }
        graded.push(GradedAnswer {
            question_id: q.id,
            number: q.number,
            subject_id: q.subject_id,
            selected: answer.selected,
            taken_ms: answer.taken_ms,
            correct,
        });
    }
    for s in &mut subjects {
        s.correct_rate = percent(i64::from(s.number_of_correct), i64::from(s.number_of_questions));
        s.time_limit_ms = time_share(time_limit_ms, s.number_of_questions, questions.len());
    }
    let total_score: i32 = subjects.iter().map(|s| s.score).sum();
    let max_score: i32 = subjects.iter().map(|s| s.max_score).sum();
    let subjects_pass = subjects
        .iter()
        .all(|s| i64::from(s.score) * 100 >= i64::from(criteria.subject_min_percent) * i64::from(s.max_score));
    let average_pass = i64::from(total_score) * 100 >= i64::from(criteria.average_min_percent) * i64::from(max_score);
    Ok(GradedResult {
        total_score,
        max_score,
        number_of_correct: subjects.iter().map(|s| s.number_of_correct).sum(),
        taken_time_ms: subjects.iter().map(|s| s.total_taken_time).sum(),
        passed: max_score > 0 && subjects_pass && average_pass,
        subjects,
        answers: graded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::QuestionOption;

    /// Two subjects: questions 1–3 (subject 10, 10 points each), 4–5 (subject 20, 20 points each).
    fn exam() -> Vec<Question> {
        let q = |number: i32, subject_id: i64, correct: i32, score: i32| Question {
            id: 100 + i64::from(number),
            mock_exam_id: 1,
            subject_id,
            number,
            text: format!("q{number}"),
            image: None,
            options: (1..=4).map(|s| QuestionOption { sequence: s, content: format!("o{s}"), image: None }).collect(),
            correct_option: correct,
            score,
        };
        vec![q(1, 10, 1, 10), q(2, 10, 2, 10), q(3, 10, 3, 10), q(4, 20, 4, 20), q(5, 20, 1, 20)]
    }

    const CRITERIA: PassCriteria =
        PassCriteria { subject_min_percent: 40, average_min_percent: 60, practical_min_score: None };

    /// The exam's time limit: 100 s for 5 questions.
    const LIMIT: i64 = 100_000;

    fn a(number: i32, selected: i32, taken_ms: i64) -> AnswerInput {
        AnswerInput { number, selected, taken_ms }
    }

    #[test]
    fn grades_by_question_number_with_unanswered_questions() {
        // Q1 right, Q2 wrong, Q3 unanswered (not sent at all), Q4 right, Q5 skipped explicitly.
        let answers = [a(4, 4, 4000), a(1, 1, 1000), a(2, 3, 2000), a(5, 0, 500)];
        let r = grade(&exam(), LIMIT, CRITERIA, &answers).unwrap();
        assert_eq!(r.total_score, 30);
        assert_eq!(r.max_score, 70);
        assert_eq!(r.number_of_correct, 2);
        assert_eq!(r.taken_time_ms, 7500);
        assert_eq!(r.subjects.len(), 2);
        let (s1, s2) = (&r.subjects[0], &r.subjects[1]);
        assert_eq!(
            (s1.subject_id, s1.score, s1.max_score, s1.number_of_questions, s1.number_of_correct),
            (10, 10, 30, 3, 1)
        );
        assert_eq!(s1.total_taken_time, 3000);
        assert_eq!(s1.correct_rate, 33.33);
        assert_eq!((s2.score, s2.max_score, s2.number_of_correct, s2.total_taken_time), (20, 40, 1, 4500));
        assert_eq!(s2.correct_rate, 50.0);
        // 3 of 5 questions get 3/5 of the time limit, 2 of 5 the rest.
        assert_eq!((s1.time_limit_ms, s2.time_limit_ms), (60_000, 40_000));
        // 30/70 = 42.9% < 60% average → fail, although each subject reaches 40%... s1 is 33% → fails too.
        assert!(!r.passed);
        assert_eq!(r.answers.len(), 5);
        assert_eq!(
            r.answers[2],
            GradedAnswer { question_id: 103, number: 3, subject_id: 10, selected: 0, taken_ms: 0, correct: false }
        );
        assert!(r.answers[0].correct && !r.answers[1].correct && r.answers[3].correct && !r.answers[4].correct);
    }

    #[test]
    fn pass_needs_every_subject_minimum_and_the_average() {
        // All right: 70/70.
        let all = [a(1, 1, 0), a(2, 2, 0), a(3, 3, 0), a(4, 4, 0), a(5, 1, 0)];
        assert!(grade(&exam(), LIMIT, CRITERIA, &all).unwrap().passed);
        // Subject 10 all right (30/30), subject 20 one right (20/40 = 50% ≥ 40%): 50/70 = 71% → pass.
        let one_off = [a(1, 1, 0), a(2, 2, 0), a(3, 3, 0), a(4, 4, 0)];
        assert!(grade(&exam(), LIMIT, CRITERIA, &one_off).unwrap().passed);
        // Subject 20 zero (0% < 40%) although the average is 30/70: fail; and exactly 40% passes.
        let cut = [a(1, 1, 0), a(2, 2, 0), a(3, 3, 0)];
        assert!(!grade(&exam(), LIMIT, CRITERIA, &cut).unwrap().passed);
        let exactly = PassCriteria { subject_min_percent: 50, average_min_percent: 0, practical_min_score: None };
        assert!(grade(&exam(), LIMIT, exactly, &one_off).unwrap().passed);
        // Nothing answered: zero, fail.
        let none = grade(&exam(), LIMIT, CRITERIA, &[]).unwrap();
        assert_eq!((none.total_score, none.number_of_correct, none.passed), (0, 0, false));
    }

    #[test]
    fn refuses_numbers_options_and_times_out_of_range() {
        let msg = |answers: &[AnswerInput]| {
            grade(&exam(), LIMIT, CRITERIA, answers).err().map(|e| e.to_string()).unwrap_or_default()
        };
        assert!(msg(&[a(6, 1, 0)]).contains("questions 1 to 5"));
        assert!(msg(&[a(0, 1, 0)]).contains("does not exist"));
        assert!(msg(&[a(1, 1, 0), a(1, 2, 0)]).contains("more than once"));
        assert!(msg(&[a(2, 5, 0)]).contains("between 0 (unanswered) and 4"));
        assert!(msg(&[a(2, -1, 0)]).contains("selectOptionSeq"));
        assert!(msg(&[a(2, 1, -5)]).contains("takenTime"));
    }

    #[test]
    fn the_time_limit_is_shared_by_questions_rounding_down() {
        assert_eq!(time_share(100_000, 1, 3), 33_333);
        assert_eq!(time_share(100_000, 3, 3), 100_000);
        assert_eq!(time_share(100_000, 0, 0), 0, "an empty exam divides by one, not zero");
        assert_eq!(time_share(9_000_000, 20, 100), 1_800_000);
    }

    #[test]
    fn percentages_round_to_two_decimals() {
        assert_eq!(percent(2, 3), 66.67);
        assert_eq!(percent(0, 0), 0.0);
        assert_eq!(percent(20, 20), 100.0);
    }
}

#[cfg(test)]
mod proptests;

//! Properties of grading over random exams and submissions: what any exam the admin can build
//! and any answers a client can send must satisfy.

use proptest::prelude::*;

use super::*;
use crate::QuestionOption;

/// One question's shape: its subject (0–3), correct option (1–5 of `options`), score.
fn question_shape() -> impl Strategy<Value = (i64, i32, i32, i32)> {
    (0..4i64, 4..=5i32, 1..=20i32)
        .prop_flat_map(|(subject, options, score)| (Just(subject), Just(options), 1..=options, Just(score)))
}

fn exam_of(shapes: &[(i64, i32, i32, i32)]) -> Vec<Question> {
    // Subjects in exam order: sort by subject so each subject's questions are contiguous.
    let mut shapes = shapes.to_vec();
    shapes.sort_by_key(|s| s.0);
    shapes
        .iter()
        .enumerate()
        .map(|(i, &(subject, options, correct, score))| {
            let number = i as i32 + 1;
            Question {
                id: 1000 + i64::from(number),
                mock_exam_id: 1,
                subject_id: 10 + subject,
                number,
                text: format!("q{number}"),
                image: None,
                options: (1..=options)
                    .map(|s| QuestionOption { sequence: s, content: format!("o{s}"), image: None })
                    .collect(),
                correct_option: correct,
                score,
            }
        })
        .collect()
}

/// An exam and a valid submission for it: a subset of its questions, each answered with one of
/// its options or 0 (unanswered), in any order.
fn exam_and_answers() -> impl Strategy<Value = (Vec<Question>, Vec<AnswerInput>)> {
    prop::collection::vec(question_shape(), 1..40)
        .prop_flat_map(|shapes| {
            let exam = exam_of(&shapes);
            let picks: Vec<_> =
                exam.iter().map(|q| (any::<bool>(), 0..=q.options.len() as i32, 0..=MAX_TAKEN_MS)).collect();
            (Just(exam), picks, any::<u64>())
        })
        .prop_map(|(exam, picks, seed)| {
            let mut answers: Vec<AnswerInput> = exam
                .iter()
                .zip(picks)
                .filter(|(_, (sent, _, _))| *sent)
                .map(|(q, (_, selected, taken_ms))| AnswerInput { number: q.number, selected, taken_ms })
                .collect();
            // The client may send answers in any order.
            let len = answers.len().max(1);
            answers.rotate_left((seed as usize) % len);
            (exam, answers)
        })
}

/// A 150-minute exam.
const LIMIT_MS: i64 = 150 * 60 * 1000;

const CRITERIA: PassCriteria =
    PassCriteria { subject_min_percent: 40, average_min_percent: 60, practical_min_score: None };

proptest! {
    #[test]
    fn totals_are_the_sums_of_their_parts((exam, answers) in exam_and_answers()) {
        let r = grade(&exam, LIMIT_MS, CRITERIA, &answers).unwrap();
        prop_assert_eq!(r.answers.len(), exam.len(), "one graded answer per question");
        prop_assert_eq!(r.max_score, exam.iter().map(|q| q.score).sum::<i32>());
        let earned: i32 = exam.iter().zip(&r.answers).filter(|(_, a)| a.correct).map(|(q, _)| q.score).sum();
        prop_assert_eq!(r.total_score, earned);
        prop_assert_eq!(r.total_score, r.subjects.iter().map(|s| s.score).sum::<i32>());
        prop_assert_eq!(r.number_of_correct as usize, r.answers.iter().filter(|a| a.correct).count());
        prop_assert_eq!(r.taken_time_ms, answers.iter().map(|a| a.taken_ms).sum::<i64>());
        prop_assert!(0 <= r.total_score && r.total_score <= r.max_score);
    }

    #[test]
    fn subject_time_shares_never_exceed_the_limit_and_lose_under_a_ms_each((exam, answers) in exam_and_answers()) {
        let r = grade(&exam, LIMIT_MS, CRITERIA, &answers).unwrap();
        let shared: i64 = r.subjects.iter().map(|s| s.time_limit_ms).sum();
        prop_assert!(shared <= LIMIT_MS, "the shares add up to at most the exam's limit");
        prop_assert!(LIMIT_MS - shared < r.subjects.len() as i64, "each share loses less than 1 ms to rounding");
        for s in &r.subjects {
            prop_assert_eq!(s.time_limit_ms, time_share(LIMIT_MS, s.number_of_questions, exam.len()));
        }
    }

    #[test]
    fn an_answer_is_correct_exactly_when_it_picks_the_stored_option((exam, answers) in exam_and_answers()) {
        let r = grade(&exam, LIMIT_MS, CRITERIA, &answers).unwrap();
        for (q, graded) in exam.iter().zip(&r.answers) {
            let sent = answers.iter().find(|a| a.number == q.number);
            prop_assert_eq!(graded.selected, sent.map_or(0, |a| a.selected));
            prop_assert_eq!(graded.correct, graded.selected != 0 && graded.selected == q.correct_option);
        }
    }

    #[test]
    fn subjects_follow_exam_order_and_rates_stay_in_range((exam, answers) in exam_and_answers()) {
        let r = grade(&exam, LIMIT_MS, CRITERIA, &answers).unwrap();
        let mut order: Vec<i64> = exam.iter().map(|q| q.subject_id).collect();
        order.dedup();
        prop_assert_eq!(r.subjects.iter().map(|s| s.subject_id).collect::<Vec<_>>(), order);
        for s in &r.subjects {
            prop_assert!((0.0..=100.0).contains(&s.correct_rate));
            prop_assert_eq!(s.correct_rate, percent(i64::from(s.number_of_correct), i64::from(s.number_of_questions)));
        }
    }

    #[test]
    fn the_order_of_answers_never_changes_the_grade((exam, answers) in exam_and_answers()) {
        let mut reversed = answers.clone();
        reversed.reverse();
        prop_assert_eq!(grade(&exam, LIMIT_MS, CRITERIA, &answers).unwrap(), grade(&exam, LIMIT_MS, CRITERIA, &reversed).unwrap());
    }

    #[test]
    fn all_right_passes_and_all_blank_fails((exam, _) in exam_and_answers()) {
        let right: Vec<AnswerInput> =
            exam.iter().map(|q| AnswerInput { number: q.number, selected: q.correct_option, taken_ms: 1 }).collect();
        let r = grade(&exam, LIMIT_MS, CRITERIA, &right).unwrap();
        prop_assert!(r.passed);
        prop_assert_eq!(r.total_score, r.max_score);
        prop_assert!(!grade(&exam, LIMIT_MS, CRITERIA, &[]).unwrap().passed);
    }

    #[test]
    fn answers_outside_the_exam_are_refused((exam, answers) in exam_and_answers(), extra in 1..5i32) {
        let n = exam.len() as i32;
        let mut outside = answers.clone();
        outside.push(AnswerInput { number: n + extra, selected: 1, taken_ms: 0 });
        prop_assert!(matches!(grade(&exam, LIMIT_MS, CRITERIA, &outside), Err(MockExamError::InvalidSubmission(_))));
        if let Some(first) = answers.first() {
            let mut twice = answers.clone();
            twice.push(*first);
            prop_assert!(matches!(grade(&exam, LIMIT_MS, CRITERIA, &twice), Err(MockExamError::InvalidSubmission(_))));
        }
        let q = &exam[0];
        let bad_option = [AnswerInput { number: 1, selected: q.options.len() as i32 + extra, taken_ms: 0 }];
        prop_assert!(matches!(grade(&exam, LIMIT_MS, CRITERIA, &bad_option), Err(MockExamError::InvalidSubmission(_))));
    }
}

//! Wrong-answer notes: the owner's wrong, unreviewed answers with their questions, sorted by the
//! client's field names, and reviewing them away.

use super::{answer, fakes::*};
use crate::{MockExamError, service::*};

fn sorted(field: Option<&str>, direction: Option<&str>, size: i64) -> PageRequest {
    PageRequest::parse(None, Some(size), field, direction, ANSWER_SORT_FIELDS).unwrap()
}

fn numbers(views: &[AnswerView]) -> Vec<i32> {
    views.iter().map(|v| v.answer.number).collect()
}

#[tokio::test]
async fn a_result_s_notes_are_its_owner_s_wrong_and_unanswered_questions_until_reviewed() {
    let f = fixture();
    // Question 1 right, 2 and 4 wrong, 3 left unanswered.
    let result = f.service.submit(5, EXAM.id, &[answer(1, 2), answer(2, 1), answer(4, 3)]).await.unwrap().id;
    let notes = f.service.wrong_answers_of_result(5, result, &sorted(None, None, 10)).await.unwrap();
    assert_eq!(numbers(&notes.content), [2, 3, 4], "an unanswered question is a mistake too");
    let last = &notes.content[2];
    assert_eq!((last.question.number, last.question.correct_option, last.answer.selected), (4, 2, 3));
    assert_eq!((last.exam.id, last.subject.as_ref().map(|s| s.name.as_str())), (EXAM.id, Some("과목2")));
    assert!(matches!(
        f.service.wrong_answers_of_result(6, result, &sorted(None, None, 10)).await,
        Err(MockExamError::ResultNotFound(_))
    ));

    let by_number = sorted(Some("questionEntity.questionSeq"), Some("DESC"), 2);
    let page = f.service.wrong_answers_of_result(5, result, &by_number).await.unwrap();
    assert_eq!((numbers(&page.content), page.has_next), (vec![4, 3], true), "the client's sort names are understood");

    let q2 = notes.content[0].answer.id;
    assert!(matches!(f.service.mark_reviewed(6, q2).await, Err(MockExamError::AnswerNotFound(_))), "owner only");
    f.service.mark_reviewed(5, q2).await.unwrap();
    let left = f.service.wrong_answers_of_result(5, result, &sorted(None, None, 10)).await.unwrap();
    assert_eq!(numbers(&left.content), [3, 4], "a reviewed answer leaves the notes");
    assert!(matches!(f.service.mark_reviewed(5, 999).await, Err(MockExamError::AnswerNotFound(999))));
}

#[tokio::test]
async fn a_certificate_s_notes_come_from_the_latest_attempt_of_each_exam() {
    let f = fixture();
    let right = [answer(1, 2), answer(2, 2), answer(3, 2), answer(4, 2)];
    f.service.submit(5, EXAM.id, &[answer(1, 1), answer(2, 1), answer(3, 1), answer(4, 1)]).await.unwrap();
    f.clock.advance(chrono::Duration::minutes(1));
    let mut latest_answers = right;
    latest_answers[2] = answer(3, 4);
    let latest = f.service.submit(5, EXAM.id, &latest_answers).await.unwrap().id;
    f.service.submit(6, EXAM.id, &[answer(1, 1)]).await.unwrap();

    let by_date = sorted(Some("subjectResultEntity.mockExamResultEntity.createdAt"), Some("ASC"), 10);
    let notes = f.service.wrong_answers_of_certificate(5, 1, &by_date).await.unwrap();
    let seen: Vec<_> = notes.content.iter().map(|v| (v.answer.result_id, v.answer.number)).collect();
    assert_eq!(seen, [(latest, 3)], "the first attempt's mistakes were made good since");
    let unknown = f.service.wrong_answers_of_certificate(5, 9, &by_date).await.unwrap_err();
    assert!(matches!(unknown, MockExamError::Certificate(_)), "{unknown:?}");
}

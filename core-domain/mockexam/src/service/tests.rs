//! The mock-exam service over in-memory ports (see [`fakes`]): what a submission becomes (the
//! grading, the time shares, the result and event handed to the repository) and what it
//! invalidates; the admin's edits in [`admin`], the attempts and reports in [`attempts`], the
//! wrong-answer notes in [`notes`].

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod attempts;
mod fakes;
mod notes;

use super::*;
use crate::events::MockExamEvent;
use cercat_common::cache::Cache;
use fakes::{EXAM, fixture};

fn answer(number: i32, selected: i32) -> AnswerInput {
    AnswerInput { number, selected, taken_ms: 1500 }
}

#[tokio::test]
async fn a_submission_is_graded_on_the_server_and_stored_with_its_event() {
    let f = fixture();
    // Q1, Q2 and Q4 right, Q3 wrong: 30 of 40, subject 10 at 66.67 %, subject 20 at 100 %.
    let answers = [answer(1, 2), answer(2, 2), answer(3, 4), answer(4, 2)];
    let first = f.service.submit(5, EXAM.id, &answers).await.unwrap();
    assert_eq!((first.id, first.attempt), (1, 1));
    assert_eq!((first.graded.total_score, first.graded.max_score, first.graded.passed), (30, 40, true));
    let shares: Vec<_> = first.graded.subjects.iter().map(|s| (s.subject_id, s.time_limit_ms)).collect();
    assert_eq!(shares, [(10, 60_000), (20, 20_000)], "3 of 4 questions get 3/4 of the 80 s limit");

    f.clock.advance(chrono::Duration::minutes(5));
    let second = f.service.submit(5, EXAM.id, &[answer(1, 1)]).await.unwrap(); // option 1 is wrong
    assert_eq!((second.id, second.attempt, second.graded.passed), (2, 2, false));
    let saved = f.results.saved.lock().unwrap();
    let events: Vec<_> = saved.iter().map(|(_, e)| e.clone()).collect();
    let MockExamEvent::MockExamResultSaved(event) = &events[1];
    assert_eq!(
        (event.result_id, event.user_id, event.mock_exam_id, event.certificate_id, event.attempt),
        (2, 5, EXAM.id, EXAM.certificate_id, 2),
        "the event the service handed over carries the id and attempt the repository assigned"
    );
    assert_eq!((event.total_score, event.max_score, event.passed), (0, 40, false), "nothing right the second time");
    assert_eq!(saved[1].0.created_at, f.clock.now(), "stored at the service's clock");
}

#[tokio::test]
async fn subject_averages_compare_time_spent_with_each_subject_s_share() {
    let f = fixture();
    f.service.submit(5, EXAM.id, &[answer(1, 2), answer(4, 2)]).await.unwrap();
    f.service.submit(5, EXAM.id, &[answer(1, 2), answer(2, 2), answer(4, 1)]).await.unwrap();
    let averages = f.service.subject_averages(5, 1, None).await.unwrap();
    let seen: Vec<_> =
        averages.iter().map(|a| (a.subject.id, a.results, a.time_limit, a.total_taken_time, a.correct_rate)).collect();
    // Subject 10: 33.33 % then 66.67 %, 1.5 s then 3 s spent; subject 20: 100 % then 0 %.
    assert_eq!(seen, [(10, 2, 60_000, 2250, 50.0), (20, 2, 20_000, 1500, 50.0)]);
}

#[tokio::test]
async fn a_submission_drops_the_caller_s_reports_of_that_day_only() {
    let f = fixture();
    let periods = ReportPeriod::containing(seoul_date(f.clock.now()));
    assert!(!periods.is_empty());
    for period in &periods {
        f.cache.set(&report_key(5, 1, period), b"{}", REPORT_TTL).await.unwrap();
        f.cache.set(&report_key(6, 1, period), b"{}", REPORT_TTL).await.unwrap();
    }
    f.service.submit(5, EXAM.id, &[answer(1, 2)]).await.unwrap();
    for period in &periods {
        assert_eq!(f.cache.get(&report_key(5, 1, period)).await.unwrap(), None, "the caller's report is stale");
        assert!(f.cache.get(&report_key(6, 1, period)).await.unwrap().is_some(), "another user's report stays");
    }
}

#[tokio::test]
async fn a_submission_that_does_not_grade_stores_nothing() {
    let f = fixture();
    let err = f.service.submit(5, EXAM.id, &[answer(5, 1)]).await.unwrap_err();
    assert!(matches!(err, MockExamError::InvalidSubmission(_)), "{err:?}");
    let err = f.service.submit(5, EXAM.id, &[answer(1, 2), answer(1, 3)]).await.unwrap_err();
    assert!(matches!(err, MockExamError::InvalidSubmission(_)), "{err:?}");
    assert!(matches!(f.service.submit(5, 99, &[]).await, Err(MockExamError::NotFound(99))));
    assert!(f.results.saved.lock().unwrap().is_empty(), "nothing was handed to the repository");
}

#[tokio::test]
async fn a_result_is_its_owner_s_only() {
    let f = fixture();
    let saved = f.service.submit(5, EXAM.id, &[answer(1, 2)]).await.unwrap();
    let view = f.service.result(5, saved.id).await.unwrap();
    assert_eq!((view.result.attempt, view.exam, view.subjects.len()), (1, EXAM, 2));
    assert!(matches!(f.service.result(6, saved.id).await, Err(MockExamError::ResultNotFound(_))));
}

//! Reading attempts back: a user's attempts and latest result, results by period one page at
//! a time, score reports and subject averages.

use super::{answer, fakes::*};
use crate::{MockExamError, ReportPeriod, ResultFilter, service::*};
use cercat_common::calendar::seoul_date;
use chrono::Duration;

fn page(number: i64, size: i64) -> PageRequest {
    PageRequest::parse(Some(number), Some(size), None, None, &[]).unwrap()
}

#[tokio::test]
async fn attempts_are_the_caller_s_own_oldest_first_and_recent_is_the_latest() {
    let f = fixture();
    assert!(matches!(f.service.recent(5, EXAM.id).await, Err(MockExamError::NoResultYet(7))));
    assert!(f.service.attempts(5, EXAM.id).await.unwrap().is_empty());
    assert!(matches!(f.service.attempts(5, 99).await, Err(MockExamError::NotFound(99))));
    assert!(matches!(f.service.recent(5, 99).await, Err(MockExamError::NotFound(99))));

    f.service.submit(5, EXAM.id, &[answer(1, 2)]).await.unwrap();
    f.clock.advance(Duration::minutes(10));
    f.service.submit(5, EXAM.id, &[answer(1, 2), answer(2, 2)]).await.unwrap();
    f.service.submit(6, EXAM.id, &[answer(1, 1)]).await.unwrap();

    let mine = f.service.attempts(5, EXAM.id).await.unwrap();
    let seen: Vec<_> = mine.iter().map(|v| (v.result.attempt, v.result.total_score, v.subjects.len())).collect();
    assert_eq!(seen, [(1, 10, 2), (2, 20, 2)], "only user 5's, oldest first, with the subjects to name");
    assert!(mine.iter().all(|v| v.exam == EXAM));
    let latest = f.service.recent(5, EXAM.id).await.unwrap();
    assert_eq!((latest.result.attempt, latest.result.created_at), (2, f.clock.now()));
    assert_eq!(f.service.recent(6, EXAM.id).await.unwrap().result.total_score, 0, "user 6's own attempt");
}

#[tokio::test]
async fn results_of_a_day_are_listed_newest_first_one_page_at_a_time() {
    let f = fixture();
    f.service.submit(5, EXAM.id, &[answer(1, 2)]).await.unwrap();
    f.service.submit(6, EXAM.id, &[answer(1, 2)]).await.unwrap();
    f.clock.advance(Duration::hours(1));
    f.service.submit(5, EXAM.id, &[answer(1, 2), answer(4, 2)]).await.unwrap();
    f.clock.advance(Duration::days(2));
    f.service.submit(5, EXAM.id, &[answer(1, 1)]).await.unwrap();

    let day = ResultFilter::Date(seoul_date(t0()));
    let first = f.service.results_in(5, 1, day, &page(0, 1)).await.unwrap();
    assert_eq!(first.content.iter().map(|(r, _)| r.attempt).collect::<Vec<_>>(), [2], "the later one of that day");
    assert!(first.has_next);
    let second = f.service.results_in(5, 1, day, &page(1, 1)).await.unwrap();
    assert_eq!(second.content.iter().map(|(r, e)| (r.attempt, e.id)).collect::<Vec<_>>(), [(1, EXAM.id)]);
    assert!(!second.has_next, "the third attempt is another day; user 6's is theirs");

    let month = ResultFilter::Month { year: 2026, month: 12 };
    let all = f.service.results_in(5, 1, month, &page(0, 10)).await.unwrap();
    assert_eq!(all.content.iter().map(|(r, _)| r.attempt).collect::<Vec<_>>(), [3, 2, 1]);
    let unknown = f.service.results_in(5, 9, month, &page(0, 10)).await.unwrap_err();
    assert!(matches!(unknown, MockExamError::Certificate(_)), "{unknown:?}");
}

#[tokio::test]
async fn a_report_is_kept_in_the_cache_and_recomputed_after_the_next_submission() {
    let f = fixture();
    let period = ReportPeriod::Monthly { year: 2026, month: 12 };
    f.service.submit(5, EXAM.id, &[answer(1, 2)]).await.unwrap();
    let report = f.service.report(5, 1, period).await.unwrap();
    assert_eq!((report.total_average, report.max_score), (10.0, 10));
    let cached = cercat_common::cache::get_json::<crate::Report>(&*f.cache, &report_key(5, 1, &period)).await;
    assert_eq!(cached.unwrap(), Some(report.clone()), "kept for the next read");
    assert_eq!(f.service.report(5, 1, period).await.unwrap(), report);

    f.service.submit(5, EXAM.id, &[answer(1, 2), answer(2, 2), answer(3, 2)]).await.unwrap();
    let after = f.service.report(5, 1, period).await.unwrap();
    assert_eq!((after.total_average, after.max_score), (20.0, 30), "the mean of 10 and 30, and the best");

    let last_year = f.service.report(5, 1, ReportPeriod::Yearly { year: 2025 }).await.unwrap();
    assert_eq!((last_year.total_average, last_year.max_score, last_year.buckets.len()), (0.0, 0, 12));
    assert!(last_year.buckets.iter().all(|b| b.count == 0));
    assert!(matches!(f.service.report(5, 9, period).await, Err(MockExamError::Certificate(_))));
}

#[tokio::test]
async fn subject_averages_name_every_subject_with_zeros_where_nothing_was_taken() {
    let f = fixture();
    let none = f.service.subject_averages(5, 1, None).await.unwrap();
    let seen: Vec<_> = none.iter().map(|a| (a.subject.id, a.results, a.correct_rate, a.time_limit)).collect();
    assert_eq!(seen, [(10, 0, 0.0, 0), (20, 0, 0.0, 0)], "in exam order, zeros when unseen");

    f.service.submit(5, EXAM.id, &[answer(1, 2)]).await.unwrap();
    let tomorrow = (t0() + Duration::days(1), t0() + Duration::days(2));
    let outside = f.service.subject_averages(5, 1, Some(tomorrow)).await.unwrap();
    assert!(outside.iter().all(|a| a.results == 0), "a result outside the period does not count");
    let today = f.service.subject_averages(5, 1, Some((t0(), t0() + Duration::days(1)))).await.unwrap();
    assert_eq!(today.iter().map(|a| (a.results, a.correct_rate)).collect::<Vec<_>>(), [(1, 33.33), (1, 0.0)]);
    assert!(matches!(f.service.subject_averages(5, 9, None).await, Err(MockExamError::Certificate(_))));
}

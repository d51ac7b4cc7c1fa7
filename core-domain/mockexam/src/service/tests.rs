//! The mock-exam service over in-memory ports: what a submission becomes (the grading, the
//! time shares, the result and event handed to the repository) and what it invalidates.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::{
    events::MockExamEvent,
    ports::{DeleteOutcome, SubjectRow},
};
use async_trait::async_trait;
use cercat_certificate::{
    PassCriteria,
    testkit::{FixedCertificates, NoSchedules},
};
use cercat_common::{
    PortError, clock::ManualClock, paging::SortOrder, storage::StoredObject, testkit::fakes::MapCache,
};
use chrono::TimeZone;
use std::sync::Mutex;

const EXAM: MockExam =
    MockExam { id: 7, certificate_id: 1, exam_year: 2024, round: 1, time_limit_ms: 80_000, max_score: 40 };

/// Questions 1–3 of subject 10 and question 4 of subject 20, 10 points each, key = option 2.
fn questions() -> Vec<Question> {
    let q = |number: i32, subject_id: i64| Question {
        id: 100 + i64::from(number),
        mock_exam_id: EXAM.id,
        subject_id,
        number,
        text: format!("q{number}"),
        image: None,
        options: (1..=4).map(|s| QuestionOption { sequence: s, content: format!("o{s}"), image: None }).collect(),
        correct_option: 2,
        score: 10,
    };
    vec![q(1, 10), q(2, 10), q(3, 10), q(4, 20)]
}

struct FakeExams;

#[async_trait]
impl MockExamRepository for FakeExams {
    async fn years(&self, _: i64) -> Result<Vec<i32>, PortError> {
        Ok(vec![EXAM.exam_year])
    }
    async fn list(&self, _: i64, _: Option<i32>) -> Result<Vec<MockExam>, PortError> {
        Ok(vec![EXAM])
    }
    async fn find(&self, id: i64) -> Result<Option<MockExam>, PortError> {
        Ok((id == EXAM.id).then_some(EXAM))
    }
    async fn questions(&self, id: i64) -> Result<Vec<Question>, PortError> {
        Ok(if id == EXAM.id { questions() } else { vec![] })
    }
    async fn create(&self, _: &crate::MockExamDraft, _: DateTime<Utc>) -> Result<i64, PortError> {
        Err(PortError::Duplicate("uk".into()))
    }
    async fn replace_question(&self, _: &Question, _: DateTime<Utc>) -> Result<bool, PortError> {
        Ok(false)
    }
    async fn delete(&self, _: i64) -> Result<DeleteOutcome, PortError> {
        Ok(DeleteOutcome::NotFound)
    }
}

/// Results in memory: ids and attempts numbered as the port promises, and the event each save
/// would record, completed with them.
#[derive(Default)]
struct FakeResults {
    saved: Mutex<Vec<(StoredResult, MockExamEvent)>>,
}

#[async_trait]
impl ResultRepository for FakeResults {
    async fn save(
        &self,
        user_id: i64,
        exam: &MockExam,
        graded: &GradedResult,
        event: &PendingResultSaved,
        at: DateTime<Utc>,
    ) -> Result<(i64, i32), PortError> {
        let mut saved = self.saved.lock().unwrap();
        let id = saved.len() as i64 + 1;
        let attempt =
            saved.iter().filter(|(r, _)| r.user_id == user_id && r.mock_exam_id == exam.id).count() as i32 + 1;
        let result = StoredResult {
            id,
            user_id,
            mock_exam_id: exam.id,
            certificate_id: exam.certificate_id,
            attempt,
            total_score: graded.total_score,
            max_score: graded.max_score,
            passed: graded.passed,
            taken_time_ms: graded.taken_time_ms,
            created_at: at,
            subjects: graded.subjects.clone(),
        };
        saved.push((result, event.saved(id, attempt)));
        Ok((id, attempt))
    }
    async fn find(&self, id: i64) -> Result<Option<StoredResult>, PortError> {
        Ok(self.saved.lock().unwrap().iter().find(|(r, _)| r.id == id).map(|(r, _)| r.clone()))
    }
    async fn for_exam(&self, _: i64, _: i64) -> Result<Vec<StoredResult>, PortError> {
        Ok(vec![])
    }
    async fn latest_for_exam(&self, _: i64, _: i64) -> Result<Option<StoredResult>, PortError> {
        Ok(None)
    }
    async fn between(
        &self,
        _: i64,
        _: i64,
        _: DateTime<Utc>,
        _: DateTime<Utc>,
        _: u64,
        _: u64,
    ) -> Result<Vec<StoredResult>, PortError> {
        Ok(vec![])
    }
    async fn scores_between(
        &self,
        _: i64,
        _: i64,
        _: DateTime<Utc>,
        _: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, i32)>, PortError> {
        Ok(vec![])
    }
    async fn subject_rows(
        &self,
        user_id: i64,
        _: i64,
        _: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<Vec<SubjectRow>, PortError> {
        let saved = self.saved.lock().unwrap();
        Ok(saved
            .iter()
            .filter(|(r, _)| r.user_id == user_id)
            .flat_map(|(r, _)| r.subjects.iter())
            .map(|s| SubjectRow {
                subject_id: s.subject_id,
                correct_rate: s.correct_rate,
                total_taken_time: s.total_taken_time,
                time_limit_ms: s.time_limit_ms,
            })
            .collect())
    }
    async fn answers(
        &self,
        _: i64,
        _: AnswerScope,
        _: bool,
        _: &[SortOrder],
        _: u64,
        _: u64,
    ) -> Result<Vec<StoredAnswer>, PortError> {
        Ok(vec![])
    }
    async fn mark_reviewed(&self, _: i64, _: i64) -> Result<bool, PortError> {
        Ok(false)
    }
}

/// Certificate 1 (정보처리기사), two subjects of two questions each.
fn one_certificate() -> FixedCertificates {
    let subject = |id: i64, sequence: i32| Subject {
        id,
        sequence,
        name: format!("과목{sequence}"),
        number_of_questions: 2,
        total_score: 20,
    };
    FixedCertificates(vec![Certificate {
        id: 1,
        name: "정보처리기사".into(),
        category: "IT".into(),
        subjects: vec![subject(10, 1), subject(20, 2)],
        pass_criteria: PassCriteria { subject_min_percent: 40, average_min_percent: 60, practical_min_score: None },
    }])
}

struct NoImages;

#[async_trait]
impl ImageStorage for NoImages {
    async fn put(&self, key: &str, bytes: Vec<u8>, _: &str) -> Result<StoredObject, PortError> {
        Ok(StoredObject { key: key.to_owned(), url: self.url_for(key), size: bytes.len() as u64 })
    }
    async fn get(&self, _: &str) -> Result<Option<Vec<u8>>, PortError> {
        Ok(None)
    }
    async fn delete(&self, _: &str) -> Result<(), PortError> {
        Ok(())
    }
    fn url_for(&self, key: &str) -> String {
        format!("https://cdn.example/{key}")
    }
}

struct Fixture {
    results: Arc<FakeResults>,
    cache: Arc<MapCache>,
    clock: ManualClock,
    service: MockExamService,
}

fn fixture() -> Fixture {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).single().unwrap());
    let (results, cache) = (Arc::new(FakeResults::default()), Arc::new(MapCache::default()));
    let certificates = CertificateService::new(
        Arc::new(one_certificate()),
        Arc::new(NoSchedules),
        cache.clone(),
        Arc::new(clock.clone()),
    );
    let service = MockExamService::new(MockExamPorts {
        exams: Arc::new(FakeExams),
        results: results.clone(),
        certificates: Arc::new(certificates),
        cache: cache.clone(),
        storage: Arc::new(NoImages),
        clock: Arc::new(clock.clone()),
    });
    Fixture { results, cache, clock, service }
}

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

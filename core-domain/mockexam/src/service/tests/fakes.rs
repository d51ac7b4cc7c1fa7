//! In-memory fakes of the mock-exam ports, keeping their promises: exams numbered and unique
//! per (certificate, year, round), deletions refused while results exist, attempts numbered
//! per user and exam, each save's event completed with the id and attempt it assigned, and
//! answers kept for the wrong-answer notes.

use std::sync::{
    Arc, Mutex, MutexGuard,
    atomic::{AtomicUsize, Ordering},
};

use async_trait::async_trait;
use cercat_certificate::{
    Certificate, CertificateService, PassCriteria, Subject,
    testkit::{FixedCertificates, NoSchedules},
};
use cercat_common::{
    PortError,
    clock::ManualClock,
    paging::{Direction, SortOrder},
    testkit::fakes::{MapCache, MapStorage},
};
use chrono::{DateTime, TimeZone, Utc};

use crate::{
    GradedResult, MockExam, MockExamDraft, MockExamService, Question, QuestionOption,
    events::{MockExamEvent, PendingResultSaved},
    ports::{AnswerScope, DeleteOutcome, MockExamRepository, ResultRepository, StoredAnswer, StoredResult, SubjectRow},
    service::MockExamPorts,
};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The exam every fixture starts with: certificate 1's 2024 round 1, 80 s, four questions.
pub const EXAM: MockExam =
    MockExam { id: 7, certificate_id: 1, exam_year: 2024, round: 1, time_limit_ms: 80_000, max_score: 40 };

/// Questions 1–3 of subject 10 and question 4 of subject 20, 10 points each, key = option 2.
pub fn questions() -> Vec<Question> {
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

/// Exams and questions in lists; `question_reads` counts the question reads (cache misses).
pub struct Exams {
    exams: Mutex<Vec<MockExam>>,
    questions: Mutex<Vec<Question>>,
    results: Arc<Results>,
    pub question_reads: AtomicUsize,
}

impl Exams {
    /// [`EXAM`] with its [`questions`]; deletions consult `results`.
    pub fn new(results: Arc<Results>) -> Self {
        Self {
            exams: Mutex::new(vec![EXAM]),
            questions: Mutex::new(questions()),
            results,
            question_reads: AtomicUsize::new(0),
        }
    }

    /// The stored question `number` of exam `id`, as the repository holds it.
    pub fn stored(&self, id: i64, number: i32) -> Option<Question> {
        lock(&self.questions).iter().find(|q| q.mock_exam_id == id && q.number == number).cloned()
    }

    /// Exam `id` as stored.
    pub fn exam(&self, id: i64) -> Option<MockExam> {
        lock(&self.exams).iter().find(|e| e.id == id).cloned()
    }
}

#[async_trait]
impl MockExamRepository for Exams {
    async fn years(&self, certificate_id: i64) -> Result<Vec<i32>, PortError> {
        let mut years: Vec<i32> =
            lock(&self.exams).iter().filter(|e| e.certificate_id == certificate_id).map(|e| e.exam_year).collect();
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        Ok(years)
    }
    async fn list(&self, certificate_id: i64, year: Option<i32>) -> Result<Vec<MockExam>, PortError> {
        let mut exams: Vec<MockExam> = lock(&self.exams)
            .iter()
            .filter(|e| e.certificate_id == certificate_id && year.is_none_or(|y| y == e.exam_year))
            .cloned()
            .collect();
        exams.sort_by_key(|e| (std::cmp::Reverse(e.exam_year), e.round));
        Ok(exams)
    }
    async fn find(&self, id: i64) -> Result<Option<MockExam>, PortError> {
        Ok(self.exam(id))
    }
    async fn questions(&self, id: i64) -> Result<Vec<Question>, PortError> {
        self.question_reads.fetch_add(1, Ordering::SeqCst);
        let mut questions: Vec<Question> =
            lock(&self.questions).iter().filter(|q| q.mock_exam_id == id).cloned().collect();
        questions.sort_by_key(|q| q.number);
        Ok(questions)
    }
    async fn create(&self, draft: &MockExamDraft, _: DateTime<Utc>) -> Result<i64, PortError> {
        let mut exams = lock(&self.exams);
        if exams
            .iter()
            .any(|e| (e.certificate_id, e.exam_year, e.round) == (draft.certificate_id, draft.exam_year, draft.round))
        {
            return Err(PortError::Duplicate("uk_mock_exam_year_round".into()));
        }
        let id = exams.iter().map(|e| e.id).max().unwrap_or(0) + 1;
        exams.push(MockExam {
            id,
            certificate_id: draft.certificate_id,
            exam_year: draft.exam_year,
            round: draft.round,
            time_limit_ms: draft.time_limit_ms,
            max_score: draft.max_score(),
        });
        lock(&self.questions).extend(draft.questions.iter().map(|q| Question {
            id: id * 1000 + i64::from(q.number),
            mock_exam_id: id,
            subject_id: q.subject_id,
            number: q.number,
            text: q.text.clone(),
            image: q.image.clone(),
            options: q.options.clone(),
            correct_option: q.correct_option,
            score: q.score,
        }));
        Ok(id)
    }
    async fn replace_question(&self, question: &Question, _: DateTime<Utc>) -> Result<bool, PortError> {
        let mut questions = lock(&self.questions);
        let Some(slot) = questions.iter_mut().find(|q| q.id == question.id) else { return Ok(false) };
        *slot = question.clone();
        let max: i32 = questions.iter().filter(|q| q.mock_exam_id == question.mock_exam_id).map(|q| q.score).sum();
        if let Some(exam) = lock(&self.exams).iter_mut().find(|e| e.id == question.mock_exam_id) {
            exam.max_score = max;
        }
        Ok(true)
    }
    async fn delete(&self, id: i64) -> Result<DeleteOutcome, PortError> {
        let mut exams = lock(&self.exams);
        if !exams.iter().any(|e| e.id == id) {
            return Ok(DeleteOutcome::NotFound);
        }
        if lock(&self.results.saved).iter().any(|(r, _)| r.mock_exam_id == id) {
            return Ok(DeleteOutcome::HasResults);
        }
        exams.retain(|e| e.id != id);
        lock(&self.questions).retain(|q| q.mock_exam_id != id);
        Ok(DeleteOutcome::Deleted)
    }
}

/// Results and their answers in lists, with the event each save would record.
#[derive(Default)]
pub struct Results {
    pub saved: Mutex<Vec<(StoredResult, MockExamEvent)>>,
    answers: Mutex<Vec<StoredAnswer>>,
}

impl Results {
    fn of_user(&self, user_id: i64) -> Vec<StoredResult> {
        lock(&self.saved).iter().filter(|(r, _)| r.user_id == user_id).map(|(r, _)| r.clone()).collect()
    }

    fn in_period(
        &self,
        user_id: i64,
        certificate_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<StoredResult> {
        self.of_user(user_id)
            .into_iter()
            .filter(|r| r.certificate_id == certificate_id && from <= r.created_at && r.created_at < to)
            .collect()
    }
}

#[async_trait]
impl ResultRepository for Results {
    async fn save(
        &self,
        user_id: i64,
        exam: &MockExam,
        graded: &GradedResult,
        event: &PendingResultSaved,
        at: DateTime<Utc>,
    ) -> Result<(i64, i32), PortError> {
        let mut saved = lock(&self.saved);
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
        let mut answers = lock(&self.answers);
        let first = answers.len() as i64 + 1;
        answers.extend(graded.answers.iter().enumerate().map(|(i, a)| StoredAnswer {
            id: first + i as i64,
            result_id: id,
            mock_exam_id: exam.id,
            question_id: a.question_id,
            number: a.number,
            selected: a.selected,
            taken_ms: a.taken_ms,
            correct: a.correct,
            reviewed: false,
            created_at: at,
        }));
        Ok((id, attempt))
    }
    async fn find(&self, id: i64) -> Result<Option<StoredResult>, PortError> {
        Ok(lock(&self.saved).iter().find(|(r, _)| r.id == id).map(|(r, _)| r.clone()))
    }
    async fn for_exam(&self, user_id: i64, mock_exam_id: i64) -> Result<Vec<StoredResult>, PortError> {
        Ok(self.of_user(user_id).into_iter().filter(|r| r.mock_exam_id == mock_exam_id).collect())
    }
    async fn latest_for_exam(&self, user_id: i64, mock_exam_id: i64) -> Result<Option<StoredResult>, PortError> {
        Ok(self.for_exam(user_id, mock_exam_id).await?.pop())
    }
    async fn between(
        &self,
        user_id: i64,
        certificate_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<StoredResult>, PortError> {
        let mut rows = self.in_period(user_id, certificate_id, from, to);
        rows.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
        Ok(rows
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|r| StoredResult { subjects: Vec::new(), ..r })
            .collect())
    }
    async fn scores_between(
        &self,
        user_id: i64,
        certificate_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, i32)>, PortError> {
        Ok(self.in_period(user_id, certificate_id, from, to).iter().map(|r| (r.created_at, r.total_score)).collect())
    }
    async fn subject_rows(
        &self,
        user_id: i64,
        certificate_id: i64,
        period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<Vec<SubjectRow>, PortError> {
        let (from, to) = period.unwrap_or((DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC));
        Ok(self
            .in_period(user_id, certificate_id, from, to)
            .iter()
            .flat_map(|r| r.subjects.iter())
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
        user_id: i64,
        scope: AnswerScope,
        wrong_only: bool,
        sort: &[SortOrder],
        offset: u64,
        limit: u64,
    ) -> Result<Vec<StoredAnswer>, PortError> {
        let results = self.of_user(user_id);
        let latest = |r: &StoredResult| {
            results.iter().filter(|o| o.mock_exam_id == r.mock_exam_id).all(|o| o.attempt <= r.attempt)
        };
        let in_scope: Vec<i64> = results
            .iter()
            .filter(|r| match scope {
                AnswerScope::Result(id) => r.id == id,
                AnswerScope::LatestOfCertificate(c) => r.certificate_id == c && latest(r),
            })
            .map(|r| r.id)
            .collect();
        let mut rows: Vec<StoredAnswer> = lock(&self.answers)
            .iter()
            .filter(|a| in_scope.contains(&a.result_id) && (!wrong_only || (!a.correct && !a.reviewed)))
            .cloned()
            .collect();
        rows.sort_by(|a, b| {
            sort.iter()
                .map(|s| {
                    let order = match s.field.as_str() {
                        "createdAt" => a.created_at.cmp(&b.created_at),
                        _ => a.number.cmp(&b.number),
                    };
                    if s.direction == Direction::Desc { order.reverse() } else { order }
                })
                .find(|o| o.is_ne())
                .unwrap_or_else(|| a.id.cmp(&b.id))
        });
        Ok(rows.into_iter().skip(offset as usize).take(limit as usize).collect())
    }
    async fn mark_reviewed(&self, user_id: i64, answer_id: i64) -> Result<bool, PortError> {
        let mine: Vec<i64> = self.of_user(user_id).iter().map(|r| r.id).collect();
        let mut answers = lock(&self.answers);
        let Some(answer) = answers.iter_mut().find(|a| a.id == answer_id && mine.contains(&a.result_id)) else {
            return Ok(false);
        };
        answer.reviewed = true;
        Ok(true)
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

/// The service over fresh fakes, with handles on them.
pub struct Fixture {
    pub exams: Arc<Exams>,
    pub results: Arc<Results>,
    pub cache: Arc<MapCache>,
    pub storage: Arc<MapStorage>,
    pub clock: ManualClock,
    pub service: MockExamService,
}

/// 2026-12-01 12:00 in Seoul.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).single().unwrap_or_default()
}

/// The service over fresh fakes and `cache` (a [`MapCache::broken`] one to prove the service
/// does without it).
pub fn fixture_with(cache: MapCache) -> Fixture {
    let clock = ManualClock::new(t0());
    let (results, cache, storage) = (Arc::new(Results::default()), Arc::new(cache), Arc::new(MapStorage::default()));
    let exams = Arc::new(Exams::new(results.clone()));
    let certificates = CertificateService::new(
        Arc::new(one_certificate()),
        Arc::new(NoSchedules),
        Arc::new(MapCache::default()),
        Arc::new(clock.clone()),
    );
    let service = MockExamService::new(MockExamPorts {
        exams: exams.clone(),
        results: results.clone(),
        certificates: Arc::new(certificates),
        cache: cache.clone(),
        storage: storage.clone(),
        clock: Arc::new(clock.clone()),
    });
    Fixture { exams, results, cache, storage, clock, service }
}

/// The service over fresh fakes with a working cache.
pub fn fixture() -> Fixture {
    fixture_with(MapCache::default())
}

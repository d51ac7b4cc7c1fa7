//! Mock-exam use cases: browsing exams, taking them (server-side grading), results, wrong-answer
//! notes, reports, and the admin's imports and edits.

use std::{collections::HashMap, sync::Arc, time::Duration};

use cercat_certificate::{Certificate, CertificateService, Subject};
use cercat_common::{
    cache::{self, Cache},
    calendar::seoul_date,
    clock::Clock,
    paging::{PageRequest, Slice},
    storage::{ImageStorage, sniff_image},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    AnswerInput, GradedResult, MockExam, MockExamError, Question, QuestionOption, Report, ReportPeriod, ResultFilter,
    grade,
    import::MockExamImport,
    model::is_absolute_url,
    ports::{AnswerScope, DeleteOutcome, MockExamRepository, ResultRepository, StoredAnswer, StoredResult},
};

/// How long a question set stays cached (admin edits invalidate it at once).
pub const QUESTIONS_TTL: Duration = Duration::from_secs(3600);
/// How long a score report stays cached (saving a result invalidates it at once).
pub const REPORT_TTL: Duration = Duration::from_secs(600);
/// Largest question or option image, bytes.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// Sort fields of wrong-answer lists, with the names Cercat's client sends.
pub const ANSWER_SORT_FIELDS: &[&str] =
    &["createdAt", "questionSeq", "subjectResultEntity.mockExamResultEntity.createdAt", "questionEntity.questionSeq"];

/// An exam with its questions (image references resolved to URLs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionSet {
    /// The exam.
    pub exam: MockExam,
    /// Questions by number.
    pub questions: Vec<Question>,
}

/// A result as the views show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultView {
    /// The stored result.
    pub result: StoredResult,
    /// Its exam.
    pub exam: MockExam,
    /// The certificate's subjects, for naming the subject results.
    pub subjects: Vec<Subject>,
}

/// A wrong (or any) answer with its question.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerView {
    /// The answer.
    pub answer: StoredAnswer,
    /// Its question.
    pub question: Question,
    /// The question's exam.
    pub exam: MockExam,
    /// The question's subject.
    pub subject: Option<Subject>,
}

/// A subject's averages over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectAverage {
    /// The subject.
    pub subject: Subject,
    /// Mean percent correct.
    pub correct_rate: f64,
    /// Mean time spent, ms.
    pub total_taken_time: i64,
    /// Mean time allotted (the subject's share of the exam's limit), ms.
    pub time_limit: i64,
    /// Results averaged.
    pub results: u32,
}

/// A saved submission.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    /// Result id.
    pub id: i64,
    /// Attempt number.
    pub attempt: i32,
    /// The grading.
    pub graded: GradedResult,
}

/// An admin's edit of one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionEdit {
    /// Text.
    pub text: String,
    /// Option texts in order (4 or 5); existing option images are kept by position.
    pub options: Vec<String>,
    /// Correct option.
    pub correct_option: i32,
    /// Points.
    pub score: i32,
}

/// The ports the service runs on.
pub struct MockExamPorts {
    /// Exams and questions.
    pub exams: Arc<dyn MockExamRepository>,
    /// Results.
    pub results: Arc<dyn ResultRepository>,
    /// Certificates (subjects and pass criteria).
    pub certificates: Arc<CertificateService>,
    /// Question-set and report cache.
    pub cache: Arc<dyn Cache>,
    /// Images.
    pub storage: Arc<dyn ImageStorage>,
    /// Now.
    pub clock: Arc<dyn Clock>,
}

/// Mock-exam use cases.
pub struct MockExamService {
    ports: MockExamPorts,
}

/// The cache key of an exam's question set.
pub fn questions_key(mock_exam_id: i64) -> String {
    format!("mockexam:v1:questions:{mock_exam_id}")
}

/// The cache key under which a program may keep a rendered form of an exam's question set
/// (the API keeps its response body); dropped together with the set by every admin edit.
pub fn rendered_questions_key(mock_exam_id: i64) -> String {
    format!("mockexam:v1:questions-rendered:{mock_exam_id}")
}

/// The cache key of a user's report.
pub fn report_key(user_id: i64, certificate_id: i64, period: &ReportPeriod) -> String {
    format!("mockexam:v1:report:{user_id}:{certificate_id}:{}", period.key())
}

fn page_of<T>(rows: Vec<T>, page: &PageRequest) -> Slice<T> {
    Slice::from_fetched(rows, page)
}

impl MockExamService {
    /// Wires the service.
    pub fn new(ports: MockExamPorts) -> Self {
        Self { ports }
    }

    async fn certificate(&self, id: i64) -> Result<Certificate, MockExamError> {
        Ok(self.ports.certificates.get(id).await?)
    }

    fn resolve(&self, image: &mut Option<String>) {
        if let Some(i) = image.as_mut().filter(|i| !is_absolute_url(i)) {
            *i = self.ports.storage.url_for(i);
        }
    }

    /// Years with mock exams for the certificate, newest first.
    pub async fn exam_years(&self, certificate_id: i64) -> Result<Vec<i32>, MockExamError> {
        self.certificate(certificate_id).await?;
        Ok(self.ports.exams.years(certificate_id).await?)
    }

    /// The certificate's mock exams, of one year or all.
    pub async fn mock_exams(&self, certificate_id: i64, year: Option<i32>) -> Result<Vec<MockExam>, MockExamError> {
        self.certificate(certificate_id).await?;
        Ok(self.ports.exams.list(certificate_id, year).await?)
    }

    /// The exam with its questions, from the cache when possible (a cache failure only costs
    /// database reads). Image references come back as URLs.
    pub async fn question_set(&self, mock_exam_id: i64) -> Result<QuestionSet, MockExamError> {
        let key = questions_key(mock_exam_id);
        match cache::get_json::<QuestionSet>(&*self.ports.cache, &key).await {
            Ok(Some(hit)) => return Ok(hit),
            Ok(None) => {}
            Err(err) => tracing::warn!(%err, "question cache read failed; reading the database"),
        }
        let exam = self.ports.exams.find(mock_exam_id).await?.ok_or(MockExamError::NotFound(mock_exam_id))?;
        let mut questions = self.ports.exams.questions(mock_exam_id).await?;
        for q in &mut questions {
            self.resolve(&mut q.image);
            for o in &mut q.options {
                self.resolve(&mut o.image);
            }
        }
        let set = QuestionSet { exam, questions };
        if let Err(err) = cache::set_json(&*self.ports.cache, &key, &set, QUESTIONS_TTL).await {
            tracing::warn!(%err, "question cache write failed");
        }
        Ok(set)
    }

    /// The exam's certificate subjects, for naming question subjects.
    pub async fn subjects_of(&self, exam: &MockExam) -> Result<Vec<Subject>, MockExamError> {
        Ok(self.certificate(exam.certificate_id).await?.subjects)
    }

    /// Grades and stores a submission; the caller's score reports for that day are
    /// invalidated once it is stored.
    pub async fn submit(
        &self,
        user_id: i64,
        mock_exam_id: i64,
        answers: &[AnswerInput],
    ) -> Result<Submitted, MockExamError> {
        // Graded against the stored answer key, never a cached copy: a question set cached just
        // before an admin's correction must not grade new submissions.
        let exam = self.ports.exams.find(mock_exam_id).await?.ok_or(MockExamError::NotFound(mock_exam_id))?;
        let questions = self.ports.exams.questions(mock_exam_id).await?;
        let certificate = self.certificate(exam.certificate_id).await?;
        let graded = grade(&questions, certificate.pass_criteria, answers)?;
        let at = self.ports.clock.now();
        let (id, attempt) = self.ports.results.save(user_id, &exam, &graded, at).await?;
        for period in ReportPeriod::containing(seoul_date(at)) {
            let key = report_key(user_id, certificate.id, &period);
            if let Err(err) = self.ports.cache.delete(&key).await {
                tracing::warn!(%err, key, "could not invalidate a score report; it expires on its own");
            }
        }
        Ok(Submitted { id, attempt, graded })
    }

    async fn view(&self, result: StoredResult) -> Result<ResultView, MockExamError> {
        let set = self.question_set(result.mock_exam_id).await?;
        let subjects = self.subjects_of(&set.exam).await?;
        Ok(ResultView { result, exam: set.exam, subjects })
    }

    /// The caller's attempts of an exam, oldest first.
    pub async fn attempts(&self, user_id: i64, mock_exam_id: i64) -> Result<Vec<ResultView>, MockExamError> {
        let set = self.question_set(mock_exam_id).await?;
        let subjects = self.subjects_of(&set.exam).await?;
        let results = self.ports.results.for_exam(user_id, mock_exam_id).await?;
        Ok(results
            .into_iter()
            .map(|result| ResultView { result, exam: set.exam.clone(), subjects: subjects.clone() })
            .collect())
    }

    /// The caller's latest attempt of an exam.
    pub async fn recent(&self, user_id: i64, mock_exam_id: i64) -> Result<ResultView, MockExamError> {
        self.question_set(mock_exam_id).await?;
        let result = self
            .ports
            .results
            .latest_for_exam(user_id, mock_exam_id)
            .await?
            .ok_or(MockExamError::NoResultYet(mock_exam_id))?;
        self.view(result).await
    }

    /// One of the caller's results.
    pub async fn result(&self, user_id: i64, result_id: i64) -> Result<ResultView, MockExamError> {
        let result = self
            .ports
            .results
            .find(result_id)
            .await?
            .filter(|r| r.user_id == user_id)
            .ok_or(MockExamError::ResultNotFound(result_id))?;
        self.view(result).await
    }

    /// The caller's results of a certificate within a day, a week of a month or a month,
    /// newest first, one page at a time.
    pub async fn results_in(
        &self,
        user_id: i64,
        certificate_id: i64,
        filter: ResultFilter,
        page: &PageRequest,
    ) -> Result<Slice<(StoredResult, MockExam)>, MockExamError> {
        self.certificate(certificate_id).await?;
        let (from, to) = filter.range();
        let rows =
            self.ports.results.between(user_id, certificate_id, from, to, page.offset(), page.fetch_limit()).await?;
        let mut exams: HashMap<i64, MockExam> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let exam = match exams.get(&r.mock_exam_id) {
                Some(e) => e.clone(),
                None => {
                    let e = self.question_set(r.mock_exam_id).await?.exam;
                    exams.insert(r.mock_exam_id, e.clone());
                    e
                }
            };
            out.push((r, exam));
        }
        Ok(page_of(out, page))
    }

    /// The caller's WEEKLY / MONTHLY / YEARLY score report, cached until a result of theirs in
    /// that period is saved.
    pub async fn report(
        &self,
        user_id: i64,
        certificate_id: i64,
        period: ReportPeriod,
    ) -> Result<Report, MockExamError> {
        self.certificate(certificate_id).await?;
        let key = report_key(user_id, certificate_id, &period);
        match cache::get_json::<Report>(&*self.ports.cache, &key).await {
            Ok(Some(hit)) => return Ok(hit),
            Ok(None) => {}
            Err(err) => tracing::warn!(%err, "report cache read failed; computing"),
        }
        let (from, to) = period.range();
        let scores = self.ports.results.scores_between(user_id, certificate_id, from, to).await?;
        let report = period.compute(&scores);
        if let Err(err) = cache::set_json(&*self.ports.cache, &key, &report, REPORT_TTL).await {
            tracing::warn!(%err, "report cache write failed");
        }
        Ok(report)
    }

    /// Per-subject averages of the caller's results of a certificate within `period` (all
    /// time when `None`): every subject of the certificate, in exam order, zeros when unseen.
    pub async fn subject_averages(
        &self,
        user_id: i64,
        certificate_id: i64,
        period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<Vec<SubjectAverage>, MockExamError> {
        let certificate = self.certificate(certificate_id).await?;
        let rows = self.ports.results.subject_rows(user_id, certificate_id, period).await?;
        Ok(certificate
            .subjects
            .into_iter()
            .map(|subject| {
                let mine: Vec<_> = rows.iter().filter(|r| r.subject_id == subject.id).collect();
                let n = mine.len() as u32;
                let avg_f = |f: fn(&crate::ports::SubjectRow) -> f64| {
                    if n == 0 {
                        0.0
                    } else {
                        (mine.iter().map(|r| f(r)).sum::<f64>() / f64::from(n) * 100.0).round() / 100.0
                    }
                };
                SubjectAverage {
                    correct_rate: avg_f(|r| r.correct_rate),
                    total_taken_time: avg_f(|r| r.total_taken_time as f64).round() as i64,
                    time_limit: avg_f(|r| r.time_limit_ms as f64).round() as i64,
                    results: n,
                    subject,
                }
            })
            .collect())
    }

    async fn answer_views(&self, answers: Vec<StoredAnswer>) -> Result<Vec<AnswerView>, MockExamError> {
        let mut sets: HashMap<i64, (QuestionSet, Vec<Subject>)> = HashMap::new();
        let mut out = Vec::with_capacity(answers.len());
        for answer in answers {
            if let std::collections::hash_map::Entry::Vacant(slot) = sets.entry(answer.mock_exam_id) {
                let set = self.question_set(answer.mock_exam_id).await?;
                let subjects = self.subjects_of(&set.exam).await?;
                slot.insert((set, subjects));
            }
            let Some((set, subjects)) = sets.get(&answer.mock_exam_id) else { continue };
            let Some(question) = set.questions.iter().find(|q| q.id == answer.question_id).cloned() else {
                continue;
            };
            let subject = subjects.iter().find(|s| s.id == question.subject_id).cloned();
            out.push(AnswerView { answer, question, exam: set.exam.clone(), subject });
        }
        Ok(out)
    }

    /// The wrong, not yet reviewed answers of one of the caller's results. Pages past the end
    /// are empty.
    pub async fn wrong_answers_of_result(
        &self,
        user_id: i64,
        result_id: i64,
        page: &PageRequest,
    ) -> Result<Slice<AnswerView>, MockExamError> {
        self.ports
            .results
            .find(result_id)
            .await?
            .filter(|r| r.user_id == user_id)
            .ok_or(MockExamError::ResultNotFound(result_id))?;
        self.wrong_answers(user_id, AnswerScope::Result(result_id), page).await
    }

    /// The wrong, not yet reviewed answers of the caller's latest attempt of each exam of a
    /// certificate.
    pub async fn wrong_answers_of_certificate(
        &self,
        user_id: i64,
        certificate_id: i64,
        page: &PageRequest,
    ) -> Result<Slice<AnswerView>, MockExamError> {
        self.certificate(certificate_id).await?;
        self.wrong_answers(user_id, AnswerScope::LatestOfCertificate(certificate_id), page).await
    }

    async fn wrong_answers(
        &self,
        user_id: i64,
        scope: AnswerScope,
        page: &PageRequest,
    ) -> Result<Slice<AnswerView>, MockExamError> {
        let sort: Vec<_> = page
            .sort()
            .iter()
            .map(|s| cercat_common::paging::SortOrder {
                field: if s.field.ends_with("createdAt") { "createdAt".into() } else { "questionSeq".into() },
                direction: s.direction,
            })
            .collect();
        let rows = self.ports.results.answers(user_id, scope, true, &sort, page.offset(), page.fetch_limit()).await?;
        let slice = page_of(rows, page);
        Ok(Slice { content: self.answer_views(slice.content).await?, has_next: slice.has_next })
    }

    /// Marks one of the caller's answers reviewed (it leaves the wrong-answer notes).
    pub async fn mark_reviewed(&self, user_id: i64, answer_id: i64) -> Result<(), MockExamError> {
        if self.ports.results.mark_reviewed(user_id, answer_id).await? {
            Ok(())
        } else {
            Err(MockExamError::AnswerNotFound(answer_id))
        }
    }

    // ---- admin ----

    /// Creates a mock exam from Cercat's JSON import document.
    pub async fn import(&self, certificate_id: i64, document: MockExamImport) -> Result<QuestionSet, MockExamError> {
        let certificate = self.certificate(certificate_id).await?;
        let draft = document.into_draft(&certificate)?;
        let id = self.ports.exams.create(&draft, self.ports.clock.now()).await.map_err(|e| match e {
            cercat_common::PortError::Duplicate(_) => {
                MockExamError::Duplicate { certificate_id, year: draft.exam_year, round: draft.round }
            }
            other => other.into(),
        })?;
        self.invalidate(id).await;
        self.question_set(id).await
    }

    /// Drops an exam's cached question set and its rendered form.
    pub async fn invalidate(&self, mock_exam_id: i64) {
        for key in [questions_key(mock_exam_id), rendered_questions_key(mock_exam_id)] {
            if let Err(err) = self.ports.cache.delete(&key).await {
                tracing::warn!(%err, mock_exam_id, "could not invalidate a cached question set");
            }
        }
    }

    /// A rendered form of the question set kept by the caller (see [`rendered_questions_key`]);
    /// a cache failure is a miss.
    pub async fn cached_rendering(&self, mock_exam_id: i64) -> Option<Vec<u8>> {
        self.ports.cache.get(&rendered_questions_key(mock_exam_id)).await.ok().flatten()
    }

    /// Keeps a rendered form of the question set until the next admin edit (or the TTL).
    pub async fn keep_rendering(&self, mock_exam_id: i64, bytes: &[u8]) {
        if let Err(err) = self.ports.cache.set(&rendered_questions_key(mock_exam_id), bytes, QUESTIONS_TTL).await {
            tracing::warn!(%err, "rendered question cache write failed");
        }
    }

    async fn stored_question(&self, mock_exam_id: i64, number: i32) -> Result<Question, MockExamError> {
        self.ports.exams.find(mock_exam_id).await?.ok_or(MockExamError::NotFound(mock_exam_id))?;
        self.ports.exams.questions(mock_exam_id).await?.into_iter().find(|q| q.number == number).ok_or_else(|| {
            MockExamError::QuestionNotFound(format!("mock exam {mock_exam_id} has no question {number}"))
        })
    }

    /// Edits question `number` of an exam (results already graded keep their grades).
    pub async fn edit_question(
        &self,
        mock_exam_id: i64,
        number: i32,
        edit: QuestionEdit,
    ) -> Result<QuestionSet, MockExamError> {
        let bad = |field: &'static str, reason: &str| MockExamError::InvalidQuestion { field, reason: reason.into() };
        let text = edit.text.trim();
        if text.is_empty() || text.chars().count() > crate::import::MAX_TEXT_CHARS {
            return Err(bad("questionText", "must be 1 to 5000 characters"));
        }
        if !(4..=5).contains(&edit.options.len()) {
            return Err(bad("options", "must hold 4 or 5 options"));
        }
        if edit.options.iter().any(|o| o.chars().count() > crate::import::MAX_TEXT_CHARS) {
            return Err(bad("options", "each option is at most 5000 characters"));
        }
        if !(1..=edit.options.len() as i32).contains(&edit.correct_option) {
            return Err(bad("correctOption", "must name one of the options"));
        }
        if !(1..=1000).contains(&edit.score) {
            return Err(bad("score", "must be between 1 and 1000"));
        }
        let mut question = self.stored_question(mock_exam_id, number).await?;
        let old = std::mem::take(&mut question.options);
        question.options = edit
            .options
            .into_iter()
            .enumerate()
            .map(|(i, content)| QuestionOption {
                sequence: i as i32 + 1,
                content: content.trim().to_owned(),
                image: old.get(i).and_then(|o| o.image.clone()),
            })
            .collect();
        question.text = text.to_owned();
        question.correct_option = edit.correct_option;
        question.score = edit.score;
        self.ports.exams.replace_question(&question, self.ports.clock.now()).await?;
        self.invalidate(mock_exam_id).await;
        self.question_set(mock_exam_id).await
    }

    /// Stores an image for question `number` (or for its option `option`) and returns its URL.
    pub async fn upload_image(
        &self,
        mock_exam_id: i64,
        number: i32,
        option: Option<i32>,
        bytes: Vec<u8>,
    ) -> Result<String, MockExamError> {
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(MockExamError::InvalidImage(format!("larger than {MAX_IMAGE_BYTES} bytes")));
        }
        let (ext, mime) =
            sniff_image(&bytes).ok_or_else(|| MockExamError::InvalidImage("use PNG, JPEG, GIF or WebP".into()))?;
        let mut question = self.stored_question(mock_exam_id, number).await?;
        let stamp = self.ports.clock.now().timestamp_millis();
        let key = match option {
            None => format!("mock-exams/{mock_exam_id}/q{number}-{stamp}.{ext}"),
            Some(o) => format!("mock-exams/{mock_exam_id}/q{number}-o{o}-{stamp}.{ext}"),
        };
        let slot = match option {
            None => &mut question.image,
            Some(o) => {
                let opt =
                    question.options.iter_mut().find(|x| x.sequence == o).ok_or_else(|| {
                        MockExamError::QuestionNotFound(format!("question {number} has no option {o}"))
                    })?;
                &mut opt.image
            }
        };
        let previous = slot.replace(key.clone());
        let stored = self.ports.storage.put(&key, bytes, mime).await?;
        self.ports.exams.replace_question(&question, self.ports.clock.now()).await?;
        self.invalidate(mock_exam_id).await;
        if let Some(old) = previous.filter(|p| !is_absolute_url(p))
            && let Err(err) = self.ports.storage.delete(&old).await
        {
            tracing::warn!(%err, old, "could not delete a replaced question image");
        }
        Ok(stored.url)
    }

    /// Deletes an exam that nobody has taken.
    pub async fn delete(&self, mock_exam_id: i64) -> Result<(), MockExamError> {
        let outcome = self.ports.exams.delete(mock_exam_id).await?;
        self.invalidate(mock_exam_id).await;
        match outcome {
            DeleteOutcome::Deleted => Ok(()),
            DeleteOutcome::NotFound => Err(MockExamError::NotFound(mock_exam_id)),
            DeleteOutcome::HasResults => Err(MockExamError::HasResults(mock_exam_id)),
        }
    }
}

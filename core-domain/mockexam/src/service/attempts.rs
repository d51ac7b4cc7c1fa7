//! Taking exams: grading and storing a submission, and reading the caller's attempts back.

use super::*;

impl MockExamService {
    /// Grades and stores a submission with its `MockExamResultSaved` event; the caller's score
    /// reports for that day are invalidated once it is stored.
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
        let graded = grade(&questions, exam.time_limit_ms, certificate.pass_criteria, answers)?;
        let event = PendingResultSaved::of(user_id, &exam, &graded);
        let at = self.ports.clock.now();
        let (id, attempt) = self.ports.results.save(user_id, &exam, &graded, &event, at).await?;
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
}

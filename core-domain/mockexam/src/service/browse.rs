//! Browsing: the years and exams of a certificate, an exam's question set (cached).

use super::*;

impl MockExamService {
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
}

//! Wrong-answer notes: the wrong, not yet reviewed answers with their questions, and reviewing them.

use super::*;

impl MockExamService {
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
}

//! The admin's side: imports, question edits and images, deletion, and the question-set cache.

use super::*;

impl MockExamService {
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

//! Cercat's mock-exam JSON import format, as admins upload it (HTTP or `cercat-admin
//! import-mock-exam`):
//!
//! ```json
//! { "examYear": 2024, "round": 1, "timeLimit": 150, "score": 500,
//!   "questions": [ { "subjectSeq": 1, "questionNumber": 1, "question": "…",
//!                    "choices": ["…", "…", "…", "…"], "answer": 2 } ] }
//! ```
//!
//! `timeLimit` is in minutes; `score` is the exam's total. A question may carry its own
//! `score`; the others share what remains equally (it must divide evenly). `choices` items are
//! strings or `{ "content": "…", "image": "https://…" }`; a question may have an `image` URL.
//! Unknown fields are ignored.

use cercat_certificate::Certificate;
use serde::Deserialize;

use crate::{MockExamDraft, MockExamError, QuestionDraft, QuestionOption};

/// Most questions one exam may have.
pub const MAX_QUESTIONS: usize = 300;
/// Longest question or option text, in characters.
pub const MAX_TEXT_CHARS: usize = 5_000;

/// The document as uploaded.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MockExamImport {
    /// Year of the original exam.
    pub exam_year: i32,
    /// Round within the year, 1 to 20; (certificate, year, round) must be new.
    pub round: i32,
    /// Minutes allowed.
    pub time_limit: i64,
    /// The exam's total score.
    pub score: i32,
    /// The questions, 1 to 300, in any order; `questionNumber` must run 1..=n.
    pub questions: Vec<ImportQuestion>,
}

/// One question as uploaded.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportQuestion {
    /// The subject's sequence within the certificate (1-based).
    pub subject_seq: i32,
    /// 1-based position in the exam.
    pub question_number: i32,
    /// The question, trimmed, 1 to 5,000 characters.
    pub question: String,
    /// Options in order.
    pub choices: Vec<ImportChoice>,
    /// 1-based index of the correct choice.
    pub answer: i32,
    /// Points, when this question differs from the others.
    #[serde(default)]
    pub score: Option<i32>,
    /// Image URL.
    #[serde(default)]
    pub image: Option<String>,
}

/// An option: plain text or text with an image.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ImportChoice {
    /// Text only.
    Text(String),
    /// Text and image.
    Rich {
        /// The option, trimmed, at most 5,000 characters; may be empty when there is an image.
        #[serde(default)]
        content: String,
        /// Image URL.
        #[serde(default)]
        image: Option<String>,
    },
}

fn invalid(reason: impl Into<String>) -> MockExamError {
    MockExamError::InvalidImport(reason.into())
}

fn check_image(image: Option<String>, at: &str) -> Result<Option<String>, MockExamError> {
    match image.map(|i| i.trim().to_owned()).filter(|i| !i.is_empty()) {
        None => Ok(None),
        Some(url) if crate::model::is_absolute_url(&url) && url.len() <= 1000 => Ok(Some(url)),
        Some(_) => Err(invalid(format!("{at}: image must be an http(s) URL of at most 1000 characters"))),
    }
}

fn check_text(text: &str, at: &str, allow_empty: bool) -> Result<String, MockExamError> {
    let text = text.trim();
    if !allow_empty && text.is_empty() {
        return Err(invalid(format!("{at} is empty")));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(invalid(format!("{at} is longer than {MAX_TEXT_CHARS} characters")));
    }
    Ok(text.to_owned())
}

impl MockExamImport {
    /// Parses the JSON document; syntax and type errors name the line and column.
    pub fn from_json(bytes: &[u8]) -> Result<Self, MockExamError> {
        serde_json::from_slice(bytes).map_err(|e| invalid(format!("not a mock exam document: {e}")))
    }

    /// Checks the document against `certificate` and turns it into a draft: numbers are
    /// 1..=n without gaps, subjects exist and do not go backwards as numbers grow, every
    /// question has 4 or 5 options and a correct answer among them, and scores add up.
    pub fn into_draft(self, certificate: &Certificate) -> Result<MockExamDraft, MockExamError> {
        if !(1950..=2100).contains(&self.exam_year) {
            return Err(invalid("examYear must be between 1950 and 2100"));
        }
        if !(1..=20).contains(&self.round) {
            return Err(invalid("round must be between 1 and 20"));
        }
        if !(1..=600).contains(&self.time_limit) {
            return Err(invalid("timeLimit is in minutes and must be between 1 and 600"));
        }
        let n = self.questions.len();
        if n == 0 || n > MAX_QUESTIONS {
            return Err(invalid(format!("questions must hold 1 to {MAX_QUESTIONS} questions")));
        }
        if !(1..=100_000).contains(&self.score) {
            return Err(invalid("score (the exam's total) must be between 1 and 100000"));
        }
        let mut questions = self.questions;
        questions.sort_by_key(|q| q.question_number);
        let explicit: i64 = questions.iter().filter_map(|q| q.score).map(i64::from).sum();
        let shared = questions.iter().filter(|q| q.score.is_none()).count() as i64;
        let remaining = i64::from(self.score) - explicit;
        let each = match shared {
            0 if remaining == 0 => 0,
            0 => return Err(invalid(format!("question scores add up to {explicit}, not score {}", self.score))),
            _ if remaining <= 0 || remaining % shared != 0 => {
                return Err(invalid(format!(
                    "score {} does not divide evenly over {shared} questions (after {explicit} given explicitly)",
                    self.score
                )));
            }
            _ => remaining / shared,
        };
        let mut drafts = Vec::with_capacity(n);
        let mut last_subject = 0;
        for (i, q) in questions.into_iter().enumerate() {
            let expected = i as i32 + 1;
            let at = format!("question {}", q.question_number);
            if q.question_number != expected {
                return Err(invalid(format!(
                    "questionNumber must run 1..={n} without gaps or repeats; expected {expected}, found {}",
                    q.question_number
                )));
            }
            let subject = certificate.subjects.iter().find(|s| s.sequence == q.subject_seq).ok_or_else(|| {
                invalid(format!("{at}: subjectSeq {} is not a subject of {}", q.subject_seq, certificate.name))
            })?;
            if subject.sequence < last_subject {
                return Err(invalid(format!("{at}: subjects must not go backwards as question numbers grow")));
            }
            last_subject = subject.sequence;
            if !(4..=5).contains(&q.choices.len()) {
                return Err(invalid(format!("{at}: must have 4 or 5 choices")));
            }
            if !(1..=q.choices.len() as i32).contains(&q.answer) {
                return Err(invalid(format!("{at}: answer must be between 1 and {}", q.choices.len())));
            }
            let score = match q.score {
                Some(s) if (1..=1000).contains(&s) => s,
                Some(_) => return Err(invalid(format!("{at}: score must be between 1 and 1000"))),
                None => i32::try_from(each).map_err(|_| invalid("score is too large"))?,
            };
            let mut options = Vec::with_capacity(q.choices.len());
            for (j, choice) in q.choices.into_iter().enumerate() {
                let at = format!("{at}, choice {}", j + 1);
                let (content, image) = match choice {
                    ImportChoice::Text(t) => (t, None),
                    ImportChoice::Rich { content, image } => (content, image),
                };
                let image = check_image(image, &at)?;
                let content = check_text(&content, &at, image.is_some())?;
                options.push(QuestionOption { sequence: j as i32 + 1, content, image });
            }
            drafts.push(QuestionDraft {
                subject_id: subject.id,
                number: expected,
                text: check_text(&q.question, &at, false)?,
                image: check_image(q.image, &at)?,
                options,
                correct_option: q.answer,
                score,
            });
        }
        Ok(MockExamDraft {
            certificate_id: certificate.id,
            exam_year: self.exam_year,
            round: self.round,
            time_limit_ms: self.time_limit * 60_000,
            questions: drafts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cercat_certificate::{PassCriteria, Subject};

    fn certificate() -> Certificate {
        Certificate {
            id: 7,
            name: "테스트".into(),
            category: "IT".into(),
            subjects: vec![
                Subject { id: 70, sequence: 1, name: "A".into(), number_of_questions: 2, total_score: 100 },
                Subject { id: 71, sequence: 2, name: "B".into(), number_of_questions: 2, total_score: 100 },
            ],
            pass_criteria: PassCriteria { subject_min_percent: 40, average_min_percent: 60, practical_min_score: None },
        }
    }

    fn doc(extra: &str) -> String {
        format!(
            r#"{{"examYear":2024,"round":1,"timeLimit":60,"score":200,"unknown":true,"questions":[
            {{"subjectSeq":1,"questionNumber":2,"question":"q2","choices":["a","b","c","d"],"answer":4}},
            {{"subjectSeq":1,"questionNumber":1,"question":"q1","choices":["a","b","c",{{"content":"","image":"https://img/x.png"}}],"answer":1}},
            {{"subjectSeq":2,"questionNumber":3,"question":"q3","choices":["a","b","c","d","e"],"answer":5{extra}}},
            {{"subjectSeq":2,"questionNumber":4,"question":"q4","choices":["a","b","c","d"],"answer":2}}]}}"#
        )
    }

    #[test]
    fn imports_sorted_questions_with_equal_scores_and_subject_ids() {
        let draft = MockExamImport::from_json(doc("").as_bytes()).unwrap().into_draft(&certificate()).unwrap();
        assert_eq!(draft.time_limit_ms, 3_600_000);
        assert_eq!(draft.questions.iter().map(|q| q.number).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
        assert_eq!(draft.questions.iter().map(|q| q.subject_id).collect::<Vec<_>>(), vec![70, 70, 71, 71]);
        assert!(draft.questions.iter().all(|q| q.score == 50));
        assert_eq!(draft.max_score(), 200);
        assert_eq!(draft.questions[0].options[3].image.as_deref(), Some("https://img/x.png"));
        assert_eq!(draft.questions[2].options.len(), 5);
    }

    #[test]
    fn explicit_scores_leave_the_rest_shared() {
        let draft = MockExamImport::from_json(doc(r#","score":80"#).as_bytes()).unwrap().into_draft(&certificate());
        let draft = draft.unwrap();
        assert_eq!(draft.questions.iter().map(|q| q.score).collect::<Vec<_>>(), vec![40, 40, 80, 40]);
    }

    #[test]
    fn refuses_broken_documents_with_a_reason() {
        let cert = certificate();
        let err = |json: String| MockExamImport::from_json(json.as_bytes()).and_then(|d| d.into_draft(&cert));
        let msg = |r: Result<MockExamDraft, MockExamError>| r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg(err(doc(r#","score":70"#))).contains("divide evenly"));
        assert!(msg(err(doc("").replace(r#""answer":5"#, r#""answer":6"#))).contains("answer must be between 1 and 5"));
        assert!(msg(err(doc("").replace(r#""questionNumber":4"#, r#""questionNumber":5"#))).contains("without gaps"));
        assert!(
            msg(err(doc("").replace(r#""subjectSeq":2,"questionNumber":4"#, r#""subjectSeq":9,"questionNumber":4"#)))
                .contains("subjectSeq 9")
        );
        assert!(
            msg(err(doc("").replace(r#""subjectSeq":2,"questionNumber":4"#, r#""subjectSeq":1,"questionNumber":4"#)))
                .contains("backwards")
        );
        assert!(msg(err(doc("").replace(r#""timeLimit":60"#, r#""timeLimit":9000000"#))).contains("minutes"));
        assert!(msg(err("{\"examYear\":2024".into())).contains("not a mock exam document"));
        assert!(msg(err(doc("").replace(r#""question":"q4""#, r#""question":"  ""#))).contains("question 4 is empty"));
    }
}

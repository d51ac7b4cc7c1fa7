//! The events the mock-exam context publishes through the outbox.

use cercat_common::events::DomainEvent;
use serde::{Deserialize, Serialize};

pub use crate::ports::RESULT_TOPIC;
use crate::{GradedResult, MockExam};

/// A graded attempt was stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultSaved {
    /// The stored result.
    pub result_id: i64,
    /// Who took the exam.
    pub user_id: i64,
    /// The exam.
    pub mock_exam_id: i64,
    /// Its certificate.
    pub certificate_id: i64,
    /// The user's attempt number at this exam (1 for the first).
    pub attempt: i32,
    /// Points scored.
    pub total_score: i32,
    /// Points possible.
    pub max_score: i32,
    /// Whether the pass criteria were met.
    pub passed: bool,
}

/// Every event the mock-exam context publishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum MockExamEvent {
    /// A graded attempt was stored.
    MockExamResultSaved(ResultSaved),
}

/// The `MockExamResultSaved` event the service decided on, short of the two facts only the
/// storing transaction can assign: the result's id and the attempt number (numbered under the
/// write lock, so concurrent submissions never share one). The repository completes it with
/// [`PendingResultSaved::saved`] and records it in that same transaction. A plain value rather
/// than a callback, so the port stays object-safe and the payload is decided before the write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingResultSaved {
    user_id: i64,
    mock_exam_id: i64,
    certificate_id: i64,
    total_score: i32,
    max_score: i32,
    passed: bool,
}

impl PendingResultSaved {
    /// The event of `user_id`'s submission of `exam`, graded as `graded`.
    pub fn of(user_id: i64, exam: &MockExam, graded: &GradedResult) -> Self {
        Self {
            user_id,
            mock_exam_id: exam.id,
            certificate_id: exam.certificate_id,
            total_score: graded.total_score,
            max_score: graded.max_score,
            passed: graded.passed,
        }
    }

    /// The event, once the result is stored as `result_id`, the user's `attempt`-th.
    pub fn saved(&self, result_id: i64, attempt: i32) -> MockExamEvent {
        MockExamEvent::MockExamResultSaved(ResultSaved {
            result_id,
            user_id: self.user_id,
            mock_exam_id: self.mock_exam_id,
            certificate_id: self.certificate_id,
            attempt,
            total_score: self.total_score,
            max_score: self.max_score,
            passed: self.passed,
        })
    }
}

impl DomainEvent for MockExamEvent {
    const TOPICS: &'static [&'static str] = &[RESULT_TOPIC];

    fn topic(&self) -> &'static str {
        RESULT_TOPIC
    }

    fn aggregate(&self) -> (&'static str, String) {
        let Self::MockExamResultSaved(saved) = self;
        ("user", saved.user_id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cercat_common::events::EventEnvelope;

    #[test]
    fn a_result_event_round_trips_in_its_wire_format() {
        let event = MockExamEvent::MockExamResultSaved(ResultSaved {
            result_id: 1,
            user_id: 2,
            mock_exam_id: 3,
            certificate_id: 4,
            attempt: 2,
            total_score: 70,
            max_score: 100,
            passed: true,
        });
        let envelope = EventEnvelope::of(&event, chrono::Utc::now()).unwrap();
        assert_eq!((envelope.topic.as_str(), envelope.event_type.as_str()), (RESULT_TOPIC, "MockExamResultSaved"));
        assert_eq!((envelope.aggregate_type.as_str(), envelope.aggregate_id.as_str()), ("user", "2"));
        assert_eq!(
            (envelope.payload["mockExamId"].as_i64(), envelope.payload["passed"].as_bool()),
            (Some(3), Some(true))
        );
        assert_eq!(envelope.decode::<MockExamEvent>().unwrap(), event);
    }

    #[test]
    fn a_pending_event_is_completed_with_the_id_and_attempt_the_write_assigned() {
        let exam = MockExam { id: 3, certificate_id: 4, exam_year: 2024, round: 1, time_limit_ms: 1, max_score: 100 };
        let graded = GradedResult {
            total_score: 70,
            max_score: 100,
            number_of_correct: 7,
            taken_time_ms: 5,
            passed: true,
            subjects: vec![],
            answers: vec![],
        };
        let MockExamEvent::MockExamResultSaved(saved) = PendingResultSaved::of(2, &exam, &graded).saved(1, 2);
        assert_eq!(
            saved,
            ResultSaved {
                result_id: 1,
                user_id: 2,
                mock_exam_id: 3,
                certificate_id: 4,
                attempt: 2,
                total_score: 70,
                max_score: 100,
                passed: true
            }
        );
    }
}

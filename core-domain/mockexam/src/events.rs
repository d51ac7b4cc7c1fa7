//! The events the mock-exam context publishes through the outbox.

use cercat_common::events::DomainEvent;
use serde::{Deserialize, Serialize};

pub use crate::ports::RESULT_TOPIC;

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
}

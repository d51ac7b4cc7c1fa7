//! The events the certificate context publishes through the outbox: a schedule was created or
//! changed (topic [`SCHEDULE_TOPIC`]), a user's interest certificates changed (topic
//! [`INTEREST_TOPIC`], boards are favourited from it).

use cercat_common::events::DomainEvent;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::interest::INTEREST_TOPIC;
pub use crate::ports::SCHEDULE_TOPIC;
use crate::{ExamScheduleDraft, InterestPriority, UpsertOutcome};

/// Whether a schedule is new or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ScheduleChange {
    /// A new schedule.
    Created,
    /// An existing schedule got new values.
    Updated,
}

/// A schedule as it stands after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleChanged {
    /// The schedule.
    pub exam_schedule_id: i64,
    /// Its certificate.
    pub certificate_id: i64,
    /// The exam's year.
    pub exam_year: i32,
    /// The round within the year.
    pub round: i32,
    /// New or changed.
    pub change: ScheduleChange,
    /// Applications open.
    pub application_start_date_time: DateTime<Utc>,
    /// Applications close.
    pub application_deadline_date_time: DateTime<Utc>,
    /// The exam.
    pub exam_date_time: DateTime<Utc>,
}

/// One chosen interest certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChosenInterest {
    /// The certificate.
    pub certificate_id: i64,
    /// How much it matters.
    pub priority: InterestPriority,
}

/// A user's interest certificates, all of them, after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InterestsChanged {
    /// The user.
    pub user_id: i64,
    /// Every interest now (empty when all were removed).
    pub interests: Vec<ChosenInterest>,
}

/// Every event the certificate context publishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum CertificateEvent {
    /// A schedule was created or changed.
    ExamScheduleChanged(ScheduleChanged),
    /// A user's interest certificates changed.
    InterestCertificatesChanged(InterestsChanged),
}

/// The `ExamScheduleChanged` event the service decided on for storing a draft, short of the
/// facts only the storing transaction knows: the schedule's id (assigned on insert, found on
/// upsert) and whether the write created, changed or left it as it was. The repository
/// completes it with [`PendingScheduleChange::stored`] and records it in that transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingScheduleChange {
    certificate_id: i64,
    exam_year: i32,
    round: i32,
    application_start: DateTime<Utc>,
    application_deadline: DateTime<Utc>,
    exam_date: DateTime<Utc>,
}

impl PendingScheduleChange {
    /// The event of storing `draft`.
    pub fn of(draft: &ExamScheduleDraft) -> Self {
        Self {
            certificate_id: draft.certificate_id,
            exam_year: draft.exam_year,
            round: draft.round,
            application_start: draft.application_start,
            application_deadline: draft.application_deadline,
            exam_date: draft.exam_date,
        }
    }

    /// The event once the write stored schedule `id` with `outcome`; `None` when nothing
    /// changed (an unchanged re-import tells nobody).
    pub fn stored(&self, id: i64, outcome: UpsertOutcome) -> Option<CertificateEvent> {
        let change = match outcome {
            UpsertOutcome::Inserted => ScheduleChange::Created,
            UpsertOutcome::Updated => ScheduleChange::Updated,
            UpsertOutcome::Unchanged => return None,
        };
        Some(CertificateEvent::ExamScheduleChanged(ScheduleChanged {
            exam_schedule_id: id,
            certificate_id: self.certificate_id,
            exam_year: self.exam_year,
            round: self.round,
            change,
            application_start_date_time: self.application_start,
            application_deadline_date_time: self.application_deadline,
            exam_date_time: self.exam_date,
        }))
    }
}

impl CertificateEvent {
    /// The event for schedule `id` having been stored as `draft`; `None` when nothing changed.
    pub fn schedule_stored(id: i64, draft: &ExamScheduleDraft, outcome: UpsertOutcome) -> Option<Self> {
        PendingScheduleChange::of(draft).stored(id, outcome)
    }

    /// The event for `user_id`'s interests having become `targets`.
    pub fn interests_replaced(user_id: i64, targets: &[(i64, InterestPriority)]) -> Self {
        let interests =
            targets.iter().map(|&(certificate_id, priority)| ChosenInterest { certificate_id, priority }).collect();
        Self::InterestCertificatesChanged(InterestsChanged { user_id, interests })
    }
}

impl DomainEvent for CertificateEvent {
    const TOPICS: &'static [&'static str] = &[SCHEDULE_TOPIC, INTEREST_TOPIC];

    fn topic(&self) -> &'static str {
        match self {
            Self::ExamScheduleChanged(_) => SCHEDULE_TOPIC,
            Self::InterestCertificatesChanged(_) => INTEREST_TOPIC,
        }
    }

    fn aggregate(&self) -> (&'static str, String) {
        match self {
            Self::ExamScheduleChanged(s) => ("exam_schedule", s.exam_schedule_id.to_string()),
            Self::InterestCertificatesChanged(i) => ("user", i.user_id.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ExamFees, ExamTimeLimits};
    use cercat_common::events::EventEnvelope;

    #[test]
    fn both_events_round_trip_in_their_wire_format() {
        let at = Utc::now();
        let draft = ExamScheduleDraft {
            certificate_id: 3,
            exam_year: 2026,
            round: 2,
            application_start: at,
            application_deadline: at,
            exam_date: at,
            result_announcement: at,
            fees: ExamFees { written: None, practical: None },
            time_limits: ExamTimeLimits { written_minutes: None, practical_minutes: None },
            eligibility: None,
            description: None,
            exam_format: None,
        };
        assert_eq!(CertificateEvent::schedule_stored(9, &draft, UpsertOutcome::Unchanged), None);
        let schedule = CertificateEvent::schedule_stored(9, &draft, UpsertOutcome::Inserted).unwrap();
        let envelope = EventEnvelope::of(&schedule, at).unwrap();
        assert_eq!((envelope.topic.as_str(), envelope.event_type.as_str()), (SCHEDULE_TOPIC, "ExamScheduleChanged"));
        assert_eq!((envelope.aggregate_type.as_str(), envelope.aggregate_id.as_str()), ("exam_schedule", "9"));
        assert_eq!(envelope.payload["change"], "CREATED");
        assert_eq!(envelope.payload["examScheduleId"], 9);
        assert_eq!(envelope.decode::<CertificateEvent>().unwrap(), schedule);

        let interests = CertificateEvent::interests_replaced(4, &[(3, InterestPriority::High)]);
        let envelope = EventEnvelope::of(&interests, at).unwrap();
        assert_eq!(
            (envelope.topic.as_str(), envelope.event_type.as_str()),
            (INTEREST_TOPIC, "InterestCertificatesChanged")
        );
        assert_eq!(envelope.payload["interests"][0]["priority"], "HIGH");
        assert_eq!(envelope.decode::<CertificateEvent>().unwrap(), interests);
    }
}

//! The events enrollments emit (through the outbox, in the transaction of the transition).

use cercat_common::events::DomainEvent;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Enrollment, EnrollmentStatus};

/// Topic of every enrollment transition (key = enrollment id, so one enrollment's events stay in order).
pub const ENROLLMENT_TOPIC: &str = "course.enrollment";

/// An enrollment as it stands right after a transition (every enrollment event's payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentChanged {
    /// The enrollment.
    pub enrollment_id: i64,
    /// Its course.
    pub course_id: i64,
    /// The student (who is told).
    pub user_id: i64,
    /// The course's certificate (alarms link to it).
    pub certificate_id: i64,
    /// The status it entered.
    pub status: EnrollmentStatus,
    /// What the student pays, won.
    pub amount: i64,
    /// Pay by then (meaningful while the payment is pending).
    pub hold_deadline: DateTime<Utc>,
}

/// Every event the course context publishes: one per status an enrollment enters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum EnrollmentEvent {
    /// A seat is held; payment is due by the deadline.
    EnrollmentHeld(EnrollmentChanged),
    /// Paid; the seat is the student's.
    EnrollmentCompleted(EnrollmentChanged),
    /// The hold ran out unpaid.
    EnrollmentExpired(EnrollmentChanged),
    /// Cancelled before paying.
    EnrollmentCancelled(EnrollmentChanged),
    /// Cancelled after paying; refunded.
    EnrollmentRefunded(EnrollmentChanged),
}

impl EnrollmentEvent {
    /// The enrollment as it stands after the event.
    pub fn change(&self) -> &EnrollmentChanged {
        match self {
            Self::EnrollmentHeld(c)
            | Self::EnrollmentCompleted(c)
            | Self::EnrollmentExpired(c)
            | Self::EnrollmentCancelled(c)
            | Self::EnrollmentRefunded(c) => c,
        }
    }
}

impl DomainEvent for EnrollmentEvent {
    const TOPICS: &'static [&'static str] = &[ENROLLMENT_TOPIC];

    fn topic(&self) -> &'static str {
        ENROLLMENT_TOPIC
    }

    fn aggregate(&self) -> (&'static str, String) {
        ("Enrollment", self.change().enrollment_id.to_string())
    }
}

/// The event for `enrollment` having just entered its current status. `certificate_id` is the
/// course's (alarms link to it).
pub fn transition(enrollment: &Enrollment, certificate_id: i64) -> EnrollmentEvent {
    let change = EnrollmentChanged {
        enrollment_id: enrollment.id,
        course_id: enrollment.course_id,
        user_id: enrollment.user_id,
        certificate_id,
        status: enrollment.status,
        amount: enrollment.amount,
        hold_deadline: enrollment.hold_deadline,
    };
    match enrollment.status {
        EnrollmentStatus::PendingPayment => EnrollmentEvent::EnrollmentHeld(change),
        EnrollmentStatus::Completed => EnrollmentEvent::EnrollmentCompleted(change),
        EnrollmentStatus::Expired => EnrollmentEvent::EnrollmentExpired(change),
        EnrollmentStatus::Cancelled => EnrollmentEvent::EnrollmentCancelled(change),
        EnrollmentStatus::Refunded => EnrollmentEvent::EnrollmentRefunded(change),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cercat_common::events::EventEnvelope;

    #[test]
    fn every_transition_round_trips_with_the_wire_names_consumers_know() {
        let at = Utc::now();
        let names = [
            (EnrollmentStatus::PendingPayment, "EnrollmentHeld", "PENDING_PAYMENT"),
            (EnrollmentStatus::Completed, "EnrollmentCompleted", "COMPLETED"),
            (EnrollmentStatus::Expired, "EnrollmentExpired", "EXPIRED"),
            (EnrollmentStatus::Cancelled, "EnrollmentCancelled", "CANCELLED"),
            (EnrollmentStatus::Refunded, "EnrollmentRefunded", "REFUNDED"),
        ];
        for (status, event_type, wire_status) in names {
            let enrollment = Enrollment {
                id: 7,
                course_id: 3,
                user_id: 5,
                status,
                amount: 30_000,
                order_id: "order-7".into(),
                hold_deadline: at,
                payment_key: None,
                created_at: at,
                updated_at: at,
            };
            let event = transition(&enrollment, 2);
            let envelope = EventEnvelope::of(&event, at).unwrap();
            assert_eq!(envelope.event_type, event_type);
            assert_eq!((envelope.topic.as_str(), envelope.aggregate_id.as_str()), (ENROLLMENT_TOPIC, "7"));
            assert_eq!(envelope.payload["status"], wire_status);
            assert_eq!(envelope.payload["certificateId"], 2);
            assert_eq!(envelope.decode::<EnrollmentEvent>().unwrap(), event);
        }
    }
}

//! The events enrollments emit (through the outbox, in the transaction of the transition).

use cercat_common::events::EventEnvelope;
use chrono::{DateTime, Utc};

use crate::{Enrollment, EnrollmentStatus};

/// Topic of every enrollment transition (key = enrollment id, so one enrollment's events stay in order).
pub const ENROLLMENT_TOPIC: &str = "course.enrollment";

/// The event type of a transition into `status`.
pub fn event_type(status: EnrollmentStatus) -> &'static str {
    match status {
        EnrollmentStatus::PendingPayment => "EnrollmentHeld",
        EnrollmentStatus::Completed => "EnrollmentCompleted",
        EnrollmentStatus::Expired => "EnrollmentExpired",
        EnrollmentStatus::Cancelled => "EnrollmentCancelled",
        EnrollmentStatus::Refunded => "EnrollmentRefunded",
    }
}

/// The event for `enrollment` having just entered its current status. `certificate_id` is the
/// course's (alarms link to it).
pub fn transition(enrollment: &Enrollment, certificate_id: i64, at: DateTime<Utc>) -> EventEnvelope {
    EventEnvelope::new(
        ENROLLMENT_TOPIC,
        "Enrollment",
        enrollment.id.to_string(),
        event_type(enrollment.status),
        serde_json::json!({
            "enrollmentId": enrollment.id,
            "courseId": enrollment.course_id,
            "userId": enrollment.user_id,
            "certificateId": certificate_id,
            "status": enrollment.status.as_str(),
            "amount": enrollment.amount,
            "holdDeadline": enrollment.hold_deadline,
        }),
        at,
    )
}

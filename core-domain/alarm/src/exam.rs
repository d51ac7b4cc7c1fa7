//! The daily exam alarms (09:00 Asia/Seoul): for every user with the certificate as an
//! interest, "application opens tomorrow", "opens today" and "deadline tomorrow". Each event's
//! id is derived from (schedule, kind, user, day), so running the job twice on one day stores
//! each alarm once (the outbox's unique event id and the consumer's inbox both dedupe).

use cercat_common::{
    PortError,
    calendar::seoul_date,
    events::{DomainEvent, EventEnvelope},
};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::AlarmType;

mod reminders;

pub use reminders::ExamReminders;

/// The topic exam alarms travel on.
pub const EXAM_ALARM_TOPIC: &str = "alarm.exam-schedule";

/// The alarm context's own events: the exam reminders the daily job writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum ExamAlarmEvent {
    /// A reminder is due for one interested user.
    ExamAlarmDue(ExamAlarmDue),
}

/// One reminder: who, which kind, about which schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExamAlarmDue {
    /// Who is told.
    pub receiver_id: i64,
    /// `BEFORE_APPLICATION`, `START_APPLICATION` or `DEFAULT_DEADLINE`.
    pub alarm_type: AlarmType,
    /// The schedule's certificate.
    pub certificate_id: i64,
    /// The schedule (what the alarm points at).
    pub schedule_id: i64,
}

impl DomainEvent for ExamAlarmEvent {
    const TOPICS: &'static [&'static str] = &[EXAM_ALARM_TOPIC];

    fn topic(&self) -> &'static str {
        EXAM_ALARM_TOPIC
    }

    fn aggregate(&self) -> (&'static str, String) {
        let Self::ExamAlarmDue(due) = self;
        ("user", due.receiver_id.to_string())
    }
}

/// What the job needs of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleDates {
    /// Schedule id.
    pub schedule_id: i64,
    /// The certificate whose exam it is.
    pub certificate_id: i64,
    /// Applications open.
    pub application_start: DateTime<Utc>,
    /// Applications close.
    pub application_deadline: DateTime<Utc>,
}

/// The alarm kinds `schedule` calls for on Seoul day `today`.
pub fn due(schedule: &ScheduleDates, today: NaiveDate) -> Vec<AlarmType> {
    let tomorrow = today + Days::new(1);
    let opens = seoul_date(schedule.application_start);
    let mut out = Vec::new();
    if opens == tomorrow {
        out.push(AlarmType::BeforeApplication);
    }
    if opens == today {
        out.push(AlarmType::StartApplication);
    }
    if seoul_date(schedule.application_deadline) == tomorrow {
        out.push(AlarmType::DefaultDeadline);
    }
    out
}

fn stable_id(parts: &str) -> uuid::Uuid {
    let digest = Sha256::digest(parts.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// The events for `users` (interested in the schedule's certificate) on `today`.
///
/// Errors: [`PortError::Corrupt`] only if an event fails to encode (see [`EventEnvelope::of`]).
pub fn events(
    schedule: &ScheduleDates,
    users: &[i64],
    today: NaiveDate,
    at: DateTime<Utc>,
) -> Result<Vec<EventEnvelope>, PortError> {
    let mut out = Vec::new();
    for kind in due(schedule, today) {
        for user in users {
            let due = ExamAlarmDue {
                receiver_id: *user,
                alarm_type: kind,
                certificate_id: schedule.certificate_id,
                schedule_id: schedule.schedule_id,
            };
            let mut event = EventEnvelope::of(&ExamAlarmEvent::ExamAlarmDue(due), at)?;
            event.id = stable_id(&format!("{}:{}:{user}:{today}", schedule.schedule_id, kind.as_str()));
            out.push(event);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn kst(m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).single().unwrap_or_default() - chrono::Duration::hours(9)
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default()
    }

    #[test]
    fn alarms_fall_on_seoul_days_before_and_on_the_dates() {
        // Opens 3 May 00:30 KST (2 May 15:30 UTC), closes 10 May 18:00 KST.
        let s = ScheduleDates {
            schedule_id: 5,
            certificate_id: 1,
            application_start: kst(5, 3, 0) + chrono::Duration::minutes(30),
            application_deadline: kst(5, 10, 18),
        };
        assert_eq!(due(&s, day(5, 2)), vec![AlarmType::BeforeApplication]);
        assert_eq!(due(&s, day(5, 3)), vec![AlarmType::StartApplication]);
        assert_eq!(due(&s, day(5, 9)), vec![AlarmType::DefaultDeadline]);
        assert!(due(&s, day(5, 4)).is_empty());
        assert!(due(&s, day(5, 10)).is_empty());
    }

    #[test]
    fn a_rerun_on_the_same_day_makes_the_same_event_ids() {
        let s = ScheduleDates {
            schedule_id: 5,
            certificate_id: 1,
            application_start: kst(5, 3, 9),
            application_deadline: kst(5, 4, 9),
        };
        let first = events(&s, &[7, 8], day(5, 3), Utc::now()).unwrap();
        let again = events(&s, &[7, 8], day(5, 3), Utc::now()).unwrap();
        // Opens today and closes tomorrow: two kinds × two users.
        assert_eq!(first.len(), 4);
        assert_eq!(first.iter().map(|e| e.id).collect::<Vec<_>>(), again.iter().map(|e| e.id).collect::<Vec<_>>());
        let next_day = events(&s, &[7], day(5, 4), Utc::now()).unwrap();
        assert!(next_day.is_empty());
        assert_eq!(first[0].payload["alarmType"], "START_APPLICATION");
        assert_ne!(first[0].id, first[1].id);
    }

    #[test]
    fn an_exam_alarm_round_trips_in_its_wire_format() {
        let s = ScheduleDates {
            schedule_id: 5,
            certificate_id: 1,
            application_start: kst(5, 3, 9),
            application_deadline: kst(5, 20, 9),
        };
        let events = events(&s, &[7], day(5, 2), Utc::now()).unwrap();
        let [event] = events.as_slice() else { panic!("one reminder: {events:?}") };
        assert_eq!((event.topic.as_str(), event.event_type.as_str()), (EXAM_ALARM_TOPIC, "ExamAlarmDue"));
        assert_eq!(event.payload["alarmType"], "BEFORE_APPLICATION");
        assert_eq!((event.payload["receiverId"].as_i64(), event.payload["scheduleId"].as_i64()), (Some(7), Some(5)));
        let ExamAlarmEvent::ExamAlarmDue(due) = event.decode::<ExamAlarmEvent>().unwrap();
        assert_eq!((due.receiver_id, due.alarm_type, due.certificate_id), (7, AlarmType::BeforeApplication, 1));
    }
}

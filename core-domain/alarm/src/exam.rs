//! The daily exam alarms (09:00 Asia/Seoul): for every user with the certificate as an
//! interest, "application opens tomorrow", "opens today" and "deadline tomorrow". Each event's
//! id is derived from (schedule, kind, user, day), so running the job twice on one day stores
//! each alarm once (the outbox's unique event id and the consumer's inbox both dedupe).

use cercat_common::{calendar::seoul_date, events::EventEnvelope};
use chrono::{DateTime, Days, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use crate::AlarmType;

/// The topic exam alarms travel on.
pub const EXAM_ALARM_TOPIC: &str = "alarm.exam-schedule";

/// What the job needs of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleDates {
    /// Schedule id.
    pub schedule_id: i64,
    /// Certificate.
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
pub fn events(schedule: &ScheduleDates, users: &[i64], today: NaiveDate, at: DateTime<Utc>) -> Vec<EventEnvelope> {
    let mut out = Vec::new();
    for kind in due(schedule, today) {
        for user in users {
            let mut event = EventEnvelope::new(
                EXAM_ALARM_TOPIC,
                "user",
                user.to_string(),
                "ExamAlarmDue",
                serde_json::json!({
                    "receiverId": user,
                    "alarmType": kind.as_str(),
                    "certificateId": schedule.certificate_id,
                    "scheduleId": schedule.schedule_id,
                }),
                at,
            );
            event.id = stable_id(&format!("{}:{}:{user}:{today}", schedule.schedule_id, kind.as_str()));
            out.push(event);
        }
    }
    out
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
        let first = events(&s, &[7, 8], day(5, 3), Utc::now());
        let again = events(&s, &[7, 8], day(5, 3), Utc::now());
        // Opens today and closes tomorrow: two kinds × two users.
        assert_eq!(first.len(), 4);
        assert_eq!(first.iter().map(|e| e.id).collect::<Vec<_>>(), again.iter().map(|e| e.id).collect::<Vec<_>>());
        let next_day = events(&s, &[7], day(5, 4), Utc::now());
        assert!(next_day.is_empty());
        assert_eq!(first[0].payload["alarmType"], "START_APPLICATION");
        assert_ne!(first[0].id, first[1].id);
    }
}

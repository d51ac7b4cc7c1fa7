//! Recording the day's exam reminders: the service decides which are due and records them
//! through [`ReminderOutbox`], so the scheduled job only walks certificates and schedules.

use std::sync::Arc;

use cercat_common::{PortError, clock::Clock};
use chrono::NaiveDate;

use super::{ScheduleDates, due, events};
use crate::ports::ReminderOutbox;

/// The daily exam reminders, on today's Seoul date.
pub struct ExamReminders {
    outbox: Arc<dyn ReminderOutbox>,
    clock: Arc<dyn Clock>,
}

impl ExamReminders {
    /// Over `outbox`, dated by `clock`.
    pub fn new(outbox: Arc<dyn ReminderOutbox>, clock: Arc<dyn Clock>) -> Self {
        Self { outbox, clock }
    }

    /// The Seoul day reminders are computed for.
    pub fn today(&self) -> NaiveDate {
        self.clock.today_in_seoul()
    }

    /// Whether `schedule` calls for any reminder today (when not, its interested users need
    /// not be read at all).
    pub fn any_due(&self, schedule: &ScheduleDates) -> bool {
        !due(schedule, self.today()).is_empty()
    }

    /// Records today's reminders of `schedule` for `users`; returns how many were new.
    ///
    /// Errors: `Corrupt` if an event fails to encode; the outbox's `Unavailable`.
    pub async fn record(&self, schedule: &ScheduleDates, users: &[i64]) -> Result<u64, PortError> {
        let now = self.clock.now();
        let batch = events(schedule, users, self.today(), now)?;
        if batch.is_empty() {
            return Ok(0);
        }
        self.outbox.append(&batch, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use cercat_common::events::EventEnvelope;
    use chrono::{DateTime, Utc};
    use std::sync::Mutex;

    /// Keeps the ids it was handed, skipping repeats, like the outbox's unique event id.
    #[derive(Default)]
    struct Recorded(Mutex<Vec<uuid::Uuid>>);

    #[async_trait]
    impl ReminderOutbox for Recorded {
        async fn append(&self, events: &[EventEnvelope], _now: DateTime<Utc>) -> Result<u64, PortError> {
            let mut seen = self.0.lock().map_err(|_| PortError::unavailable("test", "poisoned"))?;
            let before = seen.len();
            for event in events {
                if !seen.contains(&event.id) {
                    seen.push(event.id);
                }
            }
            Ok((seen.len() - before) as u64)
        }
    }

    struct At(DateTime<Utc>);

    impl Clock for At {
        fn now(&self) -> DateTime<Utc> {
            self.0
        }
    }

    #[tokio::test]
    async fn a_second_run_on_the_same_day_records_nothing_new() {
        // 2026-03-09 01:00 UTC is 10:00 in Seoul; applications open the next Seoul day.
        let now = DateTime::parse_from_rfc3339("2026-03-09T01:00:00Z").map(|t| t.to_utc()).unwrap_or_default();
        let reminders = ExamReminders::new(Arc::new(Recorded::default()), Arc::new(At(now)));
        let opens = now + chrono::Duration::days(1);
        let schedule = ScheduleDates {
            schedule_id: 7,
            certificate_id: 1,
            application_start: opens,
            application_deadline: opens + chrono::Duration::days(10),
        };
        assert!(reminders.any_due(&schedule));
        assert_eq!(reminders.record(&schedule, &[1, 2]).await.ok(), Some(2));
        assert_eq!(reminders.record(&schedule, &[1, 2]).await.ok(), Some(0), "ids are stable within a day");
        let quiet = ScheduleDates { application_start: now + chrono::Duration::days(30), ..schedule };
        assert!(!reminders.any_due(&quiet));
        assert_eq!(reminders.record(&quiet, &[1]).await.ok(), Some(0));
    }
}

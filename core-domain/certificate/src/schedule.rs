//! Exam schedules and the validated draft the import upserts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ScheduleError;

/// Exam fees in won.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExamFees {
    /// Written exam fee.
    pub written: Option<i64>,
    /// Practical exam fee.
    pub practical: Option<i64>,
}

/// Exam time limits in minutes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExamTimeLimits {
    /// Written exam.
    pub written_minutes: Option<i32>,
    /// Practical exam.
    pub practical_minutes: Option<i32>,
}

/// A validated schedule to store, identified by (certificate, year, round).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExamScheduleDraft {
    /// Certificate id.
    pub certificate_id: i64,
    /// Exam year.
    pub exam_year: i32,
    /// Round within the year (1-based).
    pub round: i32,
    /// Applications open.
    pub application_start: DateTime<Utc>,
    /// Applications close.
    pub application_deadline: DateTime<Utc>,
    /// The exam.
    pub exam_date: DateTime<Utc>,
    /// Results are announced.
    pub result_announcement: DateTime<Utc>,
    /// Written and practical exam fees, in won.
    pub fees: ExamFees,
    /// Time limits.
    pub time_limits: ExamTimeLimits,
    /// Who may apply.
    pub eligibility: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Exam format, e.g. `필기: 객관식 4지 택일형`.
    pub exam_format: Option<String>,
}

/// A stored schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExamSchedule {
    /// The schedule's id; (certificate, year, round) identifies it too.
    pub id: i64,
    /// Everything else.
    #[serde(flatten)]
    pub draft: ExamScheduleDraft,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertOutcome {
    /// A new schedule was stored.
    Inserted,
    /// An existing schedule changed.
    Updated,
    /// The stored schedule already had these values.
    Unchanged,
}

const MAX_TEXT: usize = 2000;

impl ExamScheduleDraft {
    /// Checks ranges and the order of the dates: application start ≤ deadline ≤ exam ≤ result.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        let bad = |field: &'static str, reason: String| Err(ScheduleError::Invalid { field, reason });
        if self.certificate_id <= 0 {
            return bad("certificateId", "must be positive".into());
        }
        if !(2000..=2100).contains(&self.exam_year) {
            return bad("examYear", format!("{} is outside 2000..=2100", self.exam_year));
        }
        if !(1..=20).contains(&self.round) {
            return bad("round", format!("{} is outside 1..=20", self.round));
        }
        if self.application_start > self.application_deadline {
            return bad("applicationDeadlineDateTime", "is before applicationStartDateTime".into());
        }
        if self.application_deadline > self.exam_date {
            return bad("examDateTime", "is before applicationDeadlineDateTime".into());
        }
        if self.exam_date > self.result_announcement {
            return bad("resultAnnouncementDateTime", "is before examDateTime".into());
        }
        for (field, fee) in [("writtenExamFee", self.fees.written), ("practicalExamFee", self.fees.practical)] {
            if fee.is_some_and(|f| !(0..=10_000_000).contains(&f)) {
                return bad(field, "must be between 0 and 10000000 won".into());
            }
        }
        for (field, limit) in [
            ("writtenExamTimeLimit", self.time_limits.written_minutes),
            ("practicalExamTimeLimit", self.time_limits.practical_minutes),
        ] {
            if limit.is_some_and(|m| !(1..=1440).contains(&m)) {
                return bad(field, "must be between 1 and 1440 minutes".into());
            }
        }
        for (field, text) in [
            ("examEligibility", &self.eligibility),
            ("description", &self.description),
            ("examFormat", &self.exam_format),
        ] {
            if text.as_ref().is_some_and(|t| t.chars().count() > MAX_TEXT) {
                return bad(field, format!("is longer than {MAX_TEXT} characters"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(crate) fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).single().unwrap()
    }

    pub(crate) fn draft(year: i32, round: i32, exam: DateTime<Utc>) -> ExamScheduleDraft {
        ExamScheduleDraft {
            certificate_id: 1,
            exam_year: year,
            round,
            application_start: exam - chrono::Duration::days(40),
            application_deadline: exam - chrono::Duration::days(30),
            exam_date: exam,
            result_announcement: exam + chrono::Duration::days(20),
            fees: ExamFees { written: Some(19_400), practical: Some(22_600) },
            time_limits: ExamTimeLimits { written_minutes: Some(150), practical_minutes: Some(150) },
            eligibility: None,
            description: None,
            exam_format: None,
        }
    }

    #[test]
    fn a_well_formed_draft_passes() {
        assert_eq!(draft(2026, 1, at(2026, 3, 1)).validate(), Ok(()));
    }

    #[test]
    fn dates_out_of_order_are_named() {
        let mut d = draft(2026, 1, at(2026, 3, 1));
        d.result_announcement = d.exam_date - chrono::Duration::days(1);
        assert!(matches!(d.validate(), Err(ScheduleError::Invalid { field: "resultAnnouncementDateTime", .. })));
    }

    #[test]
    fn ranges_are_checked() {
        let mut d = draft(2026, 0, at(2026, 3, 1));
        assert!(matches!(d.validate(), Err(ScheduleError::Invalid { field: "round", .. })));
        d.round = 1;
        d.fees.written = Some(-1);
        assert!(matches!(d.validate(), Err(ScheduleError::Invalid { field: "writtenExamFee", .. })));
    }
}

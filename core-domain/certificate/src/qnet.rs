//! Q-Net's exam-schedule rounds: one round of a series (e.g. 기사, 2026 제2회) has a written stage
//! (`doc*` dates) and usually a practical one (`prac*`), and fills the schedule of every
//! certificate that follows the series. The written stage becomes the schedule's application,
//! exam and result dates; the practical stage is stored beside them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ExamScheduleDraft, ScheduleError, events::PendingScheduleChange};

/// The dates of one stage (written or practical) of a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageDates {
    /// Applications open (`docRegStartDt`, `pracRegStartDt`).
    pub application_start: DateTime<Utc>,
    /// Applications close, end of that day (`docRegEndDt`, `pracRegEndDt`).
    pub application_deadline: DateTime<Utc>,
    /// The exam period opens (`docExamStartDt`, `pracExamStartDt`).
    pub exam_start: DateTime<Utc>,
    /// The exam period closes, end of that day (`docExamEndDt`, `pracExamEndDt`).
    pub exam_end: DateTime<Utc>,
    /// Results are announced (`docPassDt`, `pracPassDt`).
    pub result_announcement: DateTime<Utc>,
}

/// The feed's field names of a stage, for error messages.
struct StageFields {
    deadline: &'static str,
    exam_start: &'static str,
    exam_end: &'static str,
    result: &'static str,
}

const WRITTEN: StageFields = StageFields {
    deadline: "docRegEndDt",
    exam_start: "docExamStartDt",
    exam_end: "docExamEndDt",
    result: "docPassDt",
};
const PRACTICAL: StageFields = StageFields {
    deadline: "pracRegEndDt",
    exam_start: "pracExamStartDt",
    exam_end: "pracExamEndDt",
    result: "pracPassDt",
};

impl StageDates {
    fn validate(&self, fields: &StageFields) -> Result<(), ScheduleError> {
        let before = |field: &'static str, other: &'static str| {
            Err(ScheduleError::Invalid { field, reason: format!("is before {other}") })
        };
        let start = if fields.deadline == WRITTEN.deadline { "docRegStartDt" } else { "pracRegStartDt" };
        if self.application_deadline < self.application_start {
            return before(fields.deadline, start);
        }
        if self.exam_start < self.application_deadline {
            return before(fields.exam_start, fields.deadline);
        }
        if self.exam_end < self.exam_start {
            return before(fields.exam_end, fields.exam_start);
        }
        if self.result_announcement < self.exam_start {
            return before(fields.result, fields.exam_start);
        }
        Ok(())
    }
}

/// One row of Q-Net's schedule list: a round of a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QnetRound {
    /// The series' name (`qualgbNm`, e.g. `기사`); certificates name the series they follow.
    pub series: String,
    /// The series' code (`qualgbCd`), for reports.
    pub series_code: Option<String>,
    /// `implYy`.
    pub year: i32,
    /// `implSeq`: the round within the year.
    pub round: i32,
    /// `description`, e.g. `국가기술자격 기사 (2026년도 제2회)`.
    pub description: Option<String>,
    /// The written stage.
    pub written: StageDates,
    /// The practical stage, when the round has one.
    pub practical: Option<StageDates>,
}

/// The schedule a round gives one certificate of its series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QnetSchedule {
    /// The certificate.
    pub certificate_id: i64,
    /// The exam year.
    pub exam_year: i32,
    /// The round within the year.
    pub round: i32,
    /// The round's description.
    pub description: Option<String>,
    /// The written stage: the schedule's application, exam and result dates.
    pub written: StageDates,
    /// The practical stage.
    pub practical: Option<StageDates>,
}

impl QnetRound {
    /// Checks the year and round ranges and the order of each stage's dates (applications
    /// open ≤ close ≤ exam start ≤ exam end, exam start ≤ results).
    pub fn validate(&self) -> Result<(), ScheduleError> {
        if !(2000..=2100).contains(&self.year) {
            return Err(ScheduleError::Invalid {
                field: "implYy",
                reason: format!("{} is outside 2000..=2100", self.year),
            });
        }
        if !(1..=20).contains(&self.round) {
            return Err(ScheduleError::Invalid {
                field: "implSeq",
                reason: format!("{} is outside 1..=20", self.round),
            });
        }
        if self.series.trim().is_empty() {
            return Err(ScheduleError::Invalid { field: "qualgbNm", reason: "is missing".into() });
        }
        self.written.validate(&WRITTEN)?;
        if let Some(practical) = &self.practical {
            practical.validate(&PRACTICAL)?;
        }
        Ok(())
    }

    /// The schedule this round gives `certificate_id`.
    pub fn schedule_for(&self, certificate_id: i64) -> QnetSchedule {
        QnetSchedule {
            certificate_id,
            exam_year: self.year,
            round: self.round,
            description: self.description.clone(),
            written: self.written,
            practical: self.practical,
        }
    }
}

impl QnetSchedule {
    /// The schedule as a draft, for the fields Q-Net gives: the written stage's dates and the
    /// description; fees, time limits, eligibility and format are unknown (`None`).
    pub fn draft(&self) -> ExamScheduleDraft {
        ExamScheduleDraft {
            certificate_id: self.certificate_id,
            exam_year: self.exam_year,
            round: self.round,
            application_start: self.written.application_start,
            application_deadline: self.written.application_deadline,
            exam_date: self.written.exam_start,
            result_announcement: self.written.result_announcement,
            fees: Default::default(),
            time_limits: Default::default(),
            eligibility: None,
            description: self.description.clone(),
            exam_format: None,
        }
    }

    /// The change event of storing it.
    pub fn event(&self) -> PendingScheduleChange {
        PendingScheduleChange::of(&self.draft())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, 0, 0, 0).single().unwrap()
    }

    fn stage(m: u32) -> StageDates {
        StageDates {
            application_start: day(m, 1),
            application_deadline: day(m, 4),
            exam_start: day(m, 20),
            exam_end: day(m, 25),
            result_announcement: day(m + 1, 10),
        }
    }

    fn round() -> QnetRound {
        QnetRound {
            series: "기사".into(),
            series_code: Some("T".into()),
            year: 2026,
            round: 2,
            description: Some("국가기술자격 기사 (2026년도 제2회)".into()),
            written: stage(3),
            practical: Some(stage(6)),
        }
    }

    #[test]
    fn a_round_in_order_passes_and_maps_its_written_stage_onto_the_schedule() {
        let r = round();
        assert_eq!(r.validate(), Ok(()));
        let draft = r.schedule_for(7).draft();
        assert_eq!((draft.certificate_id, draft.exam_year, draft.round), (7, 2026, 2));
        assert_eq!((draft.application_start, draft.application_deadline), (day(3, 1), day(3, 4)));
        assert_eq!((draft.exam_date, draft.result_announcement), (day(3, 20), day(4, 10)));
        assert_eq!(draft.validate(), Ok(()), "a valid round makes a valid schedule");
    }

    #[test]
    fn each_stage_names_the_field_out_of_order() {
        let mut r = round();
        r.written.exam_end = day(3, 19);
        assert!(matches!(r.validate(), Err(ScheduleError::Invalid { field: "docExamEndDt", .. })));
        let mut r = round();
        if let Some(p) = r.practical.as_mut() {
            p.application_deadline = day(5, 30);
        }
        assert_eq!(
            r.validate(),
            Err(ScheduleError::Invalid { field: "pracRegEndDt", reason: "is before pracRegStartDt".into() })
        );
        let mut r = round();
        r.round = 0;
        assert!(matches!(r.validate(), Err(ScheduleError::Invalid { field: "implSeq", .. })));
    }
}

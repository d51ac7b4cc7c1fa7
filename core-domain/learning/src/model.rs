//! Goals and the achievement dashboard.

use chrono::{DateTime, Utc};

use crate::LearningError;

/// What a user aims for in one certificate over a preparation period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalDraft {
    /// Target total score.
    pub goal_score: i32,
    /// Preparation starts.
    pub prepare_start: DateTime<Utc>,
    /// Preparation ends.
    pub prepare_finish: DateTime<Utc>,
    /// Days of preparation planned.
    pub goal_prepare_days: i32,
    /// Mock exams per study day.
    pub mock_exams_per_day: i32,
    /// Mock exams in total.
    pub goal_mock_exams: i32,
    /// Weekdays for mock exams (as the client numbers them, 0–7; 0 and 7 both mean Sunday).
    pub mock_exam_repeat_days: Vec<i32>,
    /// Study time per day (the client's unit, stored as given).
    pub study_time_per_day: i64,
    /// Study time in total (the client's unit).
    pub goal_study_time: i64,
    /// Weekdays for study.
    pub study_repeat_days: Vec<i32>,
}

/// A stored goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goal {
    /// The goal's id, as in `/goals/{id}`.
    pub id: i64,
    /// The user whose goal it is; only they may read or change it.
    pub user_id: i64,
    /// The certificate it is a goal for (a user may have several goals per certificate).
    pub certificate_id: i64,
    /// The goal's fields.
    pub draft: GoalDraft,
}

/// Longest preparation period accepted.
pub const MAX_PERIOD_DAYS: i64 = 3 * 366;

fn bad(field: &'static str, reason: impl Into<String>) -> LearningError {
    LearningError::InvalidGoal { field, reason: reason.into() }
}

fn check_days(days: &mut Vec<i32>, field: &'static str) -> Result<(), LearningError> {
    if days.iter().any(|d| !(0..=7).contains(d)) {
        return Err(bad(field, "days are numbered 0 to 7 (0 and 7 are Sunday)"));
    }
    days.sort_unstable();
    days.dedup();
    Ok(())
}

impl GoalDraft {
    /// Checks ranges and order; sorts and dedupes the weekday lists. `max_score` is the
    /// certificate's highest written-exam score.
    pub fn validate(&mut self, max_score: i32) -> Result<(), LearningError> {
        if !(0..=max_score.max(1)).contains(&self.goal_score) {
            return Err(bad("goalScore", format!("must be between 0 and {max_score}")));
        }
        if self.prepare_finish <= self.prepare_start {
            return Err(bad("prepareFinishDateTime", "must be after prepareStartDateTime"));
        }
        if (self.prepare_finish - self.prepare_start).num_days() > MAX_PERIOD_DAYS {
            return Err(bad("prepareFinishDateTime", "the preparation period is at most three years"));
        }
        if !(0..=1100).contains(&self.goal_prepare_days) {
            return Err(bad("goalPrepareDays", "must be between 0 and 1100"));
        }
        if !(0..=100).contains(&self.mock_exams_per_day) {
            return Err(bad("mockExamsPerDay", "must be between 0 and 100"));
        }
        if !(0..=100_000).contains(&self.goal_mock_exams) {
            return Err(bad("goalMockExams", "must be between 0 and 100000"));
        }
        if !(0..=86_400_000).contains(&self.study_time_per_day) {
            return Err(bad("studyTimePerDay", "must be between 0 and 86400000"));
        }
        if !(0..=100_000_000_000).contains(&self.goal_study_time) {
            return Err(bad("goalStudyTime", "must be between 0 and 100000000000"));
        }
        check_days(&mut self.mock_exam_repeat_days, "mockExamRepeatDays")?;
        check_days(&mut self.study_repeat_days, "studyRepeatDays")?;
        Ok(())
    }
}

/// The home dashboard: the goal against what the user has done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Achievement {
    /// The goal it measures.
    pub goal: Goal,
    /// Best total score within the goal period (0 without results).
    pub max_score: i32,
    /// Mock exams taken within the period.
    pub current_mock_exams: u32,
    /// Mock exams taken today (Seoul).
    pub today_mock_exams: u32,
    /// Study time logged for the goal, ms.
    pub current_study_time: i64,
    /// Study time logged today (Seoul), ms.
    pub today_study_time: i64,
    /// Days until the period ends (0 once it has).
    pub days_left: i64,
}

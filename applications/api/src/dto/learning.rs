//! Goal, study-time and dashboard wire types.

use cercat_certificate::Certificate;
use cercat_learning::{Achievement, Goal, GoalDraft, LearningError};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Seoul;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::certificate::CertificateRef;

/// `POST /certificates/{id}/goals` and `PUT /goals/{id}`. Date-times may carry an offset
/// (`2026-05-01T00:00:00+09:00`, `…Z`) or not (`2026-05-01T00:00:00`, read as Asia/Seoul);
/// a bare date is midnight in Seoul.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GoalRequest {
    /// Target total score, from 0 to the certificate's highest written-exam score.
    #[schema(example = 250, minimum = 0)]
    pub goal_score: i32,
    /// Preparation starts.
    #[schema(example = "2026-05-01T00:00:00")]
    pub prepare_start_date_time: String,
    /// Preparation ends.
    #[schema(example = "2026-07-31T23:59:59")]
    pub prepare_finish_date_time: String,
    /// Days of preparation planned, 0–1100.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1100)]
    pub goal_prepare_days: i32,
    /// Mock exams per study day, 0–100.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub mock_exams_per_day: i32,
    /// Mock exams in total, 0–100000.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100000)]
    pub goal_mock_exams: i32,
    /// Weekdays for mock exams, 0–7 (0 and 7 are Sunday).
    #[serde(default)]
    #[schema(schema_with = cercat_http::openapi::weekdays)]
    pub mock_exam_repeat_days: Vec<i32>,
    /// Study time per day, milliseconds, 0–86400000.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 86400000)]
    pub study_time_per_day: i64,
    /// Study time in total, milliseconds, 0–100000000000.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100000000000i64)]
    pub goal_study_time: i64,
    /// Weekdays for study, 0–7.
    #[serde(default)]
    #[schema(schema_with = cercat_http::openapi::weekdays)]
    pub study_repeat_days: Vec<i32>,
}

/// Parses a client date-time (see [`GoalRequest`]).
pub fn parse_client_time(raw: &str, field: &'static str) -> Result<DateTime<Utc>, LearningError> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M"))
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S"))
        .ok()
        .or_else(|| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)));
    naive.and_then(|n| Seoul.from_local_datetime(&n).earliest()).map(|t| t.with_timezone(&Utc)).ok_or(
        LearningError::InvalidGoal { field, reason: "must be an ISO-8601 date-time like 2026-05-01T00:00:00".into() },
    )
}

impl GoalRequest {
    /// The domain draft (validated further by the service).
    pub fn into_draft(self) -> Result<GoalDraft, LearningError> {
        Ok(GoalDraft {
            goal_score: self.goal_score,
            prepare_start: parse_client_time(&self.prepare_start_date_time, "prepareStartDateTime")?,
            prepare_finish: parse_client_time(&self.prepare_finish_date_time, "prepareFinishDateTime")?,
            goal_prepare_days: self.goal_prepare_days,
            mock_exams_per_day: self.mock_exams_per_day,
            goal_mock_exams: self.goal_mock_exams,
            mock_exam_repeat_days: self.mock_exam_repeat_days,
            study_time_per_day: self.study_time_per_day,
            goal_study_time: self.goal_study_time,
            study_repeat_days: self.study_repeat_days,
        })
    }
}

/// A time in Asia/Seoul, with its offset.
pub fn seoul(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&Seoul).fixed_offset()
}

/// A goal.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GoalResponse {
    /// The goal's id, for `GET`/`PUT /goals/{goalId}` and its study-time logs.
    pub goal_id: i64,
    /// The certificate.
    pub certificate: CertificateRef,
    /// Target total score.
    pub goal_score: i32,
    /// Preparation starts (Asia/Seoul offset).
    pub prepare_start_date_time: DateTime<FixedOffset>,
    /// Preparation ends.
    pub prepare_finish_date_time: DateTime<FixedOffset>,
    /// Days of preparation planned.
    pub goal_prepare_days: i32,
    /// Mock exams per study day.
    pub mock_exams_per_day: i32,
    /// Mock exams in total.
    pub goal_mock_exams: i32,
    /// Weekdays for mock exams.
    pub mock_exam_repeat_days: Vec<i32>,
    /// Study time per day.
    pub study_time_per_day: i64,
    /// Study time in total.
    pub goal_study_time: i64,
    /// Weekdays for study.
    pub study_repeat_days: Vec<i32>,
}

impl GoalResponse {
    /// Builds the response (the certificate names it).
    pub fn new(goal: Goal, certificate: &Certificate) -> Self {
        let d = goal.draft;
        Self {
            goal_id: goal.id,
            certificate: CertificateRef { certificate_id: certificate.id, certificate_name: certificate.name.clone() },
            goal_score: d.goal_score,
            prepare_start_date_time: seoul(d.prepare_start),
            prepare_finish_date_time: seoul(d.prepare_finish),
            goal_prepare_days: d.goal_prepare_days,
            mock_exams_per_day: d.mock_exams_per_day,
            goal_mock_exams: d.goal_mock_exams,
            mock_exam_repeat_days: d.mock_exam_repeat_days,
            study_time_per_day: d.study_time_per_day,
            goal_study_time: d.goal_study_time,
            study_repeat_days: d.study_repeat_days,
        }
    }
}

/// A goal's id and period, as goal lists show it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GoalPeriodResponse {
    /// The goal's id, for `GET /goals/{goalId}`.
    pub goal_id: i64,
    /// Preparation starts.
    pub prepare_start_date_time: DateTime<FixedOffset>,
    /// Preparation ends.
    pub prepare_finish_date_time: DateTime<FixedOffset>,
}

impl From<Goal> for GoalPeriodResponse {
    fn from(g: Goal) -> Self {
        Self {
            goal_id: g.id,
            prepare_start_date_time: seoul(g.draft.prepare_start),
            prepare_finish_date_time: seoul(g.draft.prepare_finish),
        }
    }
}

/// The home dashboard.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AchievementResponse {
    /// The goal measured.
    pub goal_id: i64,
    /// Target score.
    pub goal_score: i32,
    /// Best score within the goal period.
    pub max_score: i32,
    /// Target number of mock exams.
    pub goal_mock_exams: i32,
    /// Mock exams taken within the period.
    pub current_mock_exams: u32,
    /// Mock exams taken today (Asia/Seoul).
    pub today_mock_exams: u32,
    /// Target mock exams per day.
    pub mock_exams_per_day: i32,
    /// Target study time in total.
    pub goal_study_time: i64,
    /// Target study time per day.
    pub study_time_per_day: i64,
    /// Study time logged for the goal, ms.
    pub current_study_time: i64,
    /// Study time logged today, ms.
    pub today_study_time: i64,
    /// Days until the period ends.
    pub days_left: i64,
}

impl From<Achievement> for AchievementResponse {
    fn from(a: Achievement) -> Self {
        let d = &a.goal.draft;
        Self {
            goal_id: a.goal.id,
            goal_score: d.goal_score,
            max_score: a.max_score,
            goal_mock_exams: d.goal_mock_exams,
            current_mock_exams: a.current_mock_exams,
            today_mock_exams: a.today_mock_exams,
            mock_exams_per_day: d.mock_exams_per_day,
            goal_study_time: d.goal_study_time,
            study_time_per_day: d.study_time_per_day,
            current_study_time: a.current_study_time,
            today_study_time: a.today_study_time,
            days_left: a.days_left,
        }
    }
}

/// `?studyTime=` in milliseconds.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct StudyTimeQuery {
    /// Milliseconds studied (1 to 86400000).
    #[param(minimum = 1, maximum = 86400000)]
    pub study_time: i64,
}

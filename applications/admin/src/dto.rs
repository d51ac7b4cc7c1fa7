//! Admin requests and responses.

use cercat_certificate::{CertificateDraft, ExamFees, ExamSchedule, ExamScheduleDraft, ExamTimeLimits, PassCriteria};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// A subject in a certificate request.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubjectRequest {
    /// The subject's name, e.g. `데이터베이스 구축`.
    #[validate(length(min = 1, max = 100))]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub subject_name: String,
    /// How many questions the subject's part of the written exam has.
    #[validate(range(min = 1, max = 500))]
    #[schema(minimum = 1, maximum = 500)]
    pub number_of_questions: i32,
    /// The points the subject is worth; the certificate's maximum score is the sum over its subjects.
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    pub total_score: i32,
}

/// Pass criteria in a certificate request.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CriteriaRequest {
    /// Minimum per subject, percent.
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub subject_passing_criteria: i32,
    /// Minimum average, percent.
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub total_avg_criteria: i32,
    /// Minimum practical score, if there is a practical exam.
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub practical_passing_criteria: Option<i32>,
}

/// `POST /admin/v1/certificates`, `PUT /admin/v1/certificates/{id}`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateRequest {
    /// Unique name.
    #[validate(length(min = 1, max = 100))]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub certificate_name: String,
    /// The category the certificate is listed under, e.g. `정보기술`.
    #[validate(length(min = 1, max = 50))]
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub category: String,
    /// Subjects in exam order.
    #[validate(length(min = 1, max = 20), nested)]
    #[schema(min_items = 1, max_items = 20)]
    pub subjects: Vec<SubjectRequest>,
    /// Pass criteria.
    #[validate(nested)]
    pub passing_criteria: CriteriaRequest,
}

impl From<CertificateRequest> for CertificateDraft {
    fn from(r: CertificateRequest) -> Self {
        Self {
            name: r.certificate_name,
            category: r.category,
            subjects: r.subjects.into_iter().map(|s| (s.subject_name, s.number_of_questions, s.total_score)).collect(),
            pass_criteria: PassCriteria {
                subject_min_percent: r.passing_criteria.subject_passing_criteria,
                average_min_percent: r.passing_criteria.total_avg_criteria,
                practical_min_score: r.passing_criteria.practical_passing_criteria,
            },
        }
    }
}

/// `POST /admin/v1/certificates/{id}/exam-schedules`, `PUT /admin/v1/exam-schedules/{id}`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleRequest {
    /// The calendar year the exam is held in.
    #[validate(range(min = 2000, max = 2100))]
    #[schema(minimum = 2000, maximum = 2100)]
    pub exam_year: i32,
    /// Round within the year.
    #[validate(range(min = 1, max = 20))]
    #[schema(minimum = 1, maximum = 20)]
    pub round: i32,
    /// Applications open (ISO-8601 with offset).
    pub application_start_date_time: DateTime<Utc>,
    /// Applications close.
    pub application_deadline_date_time: DateTime<Utc>,
    /// The exam.
    pub exam_date_time: DateTime<Utc>,
    /// When results are announced; no earlier than the exam.
    pub result_announcement_date_time: DateTime<Utc>,
    /// Written exam fee (won).
    #[validate(range(min = 0, max = 10_000_000))]
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub written_exam_fee: Option<i64>,
    /// Practical exam fee (won).
    #[validate(range(min = 0, max = 10_000_000))]
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub practical_exam_fee: Option<i64>,
    /// Written exam time limit (minutes).
    #[validate(range(min = 1, max = 1440))]
    #[schema(minimum = 1, maximum = 1440)]
    pub written_exam_time_limit: Option<i32>,
    /// Practical exam time limit (minutes).
    #[validate(range(min = 1, max = 1440))]
    #[schema(minimum = 1, maximum = 1440)]
    pub practical_exam_time_limit: Option<i32>,
    /// Who may apply.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub exam_eligibility: Option<String>,
    /// Free text.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// The exam's format, e.g. `필기: 객관식 4지 택일형`.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub exam_format: Option<String>,
}

impl ScheduleRequest {
    /// The draft for `certificate_id`.
    pub fn into_draft(self, certificate_id: i64) -> ExamScheduleDraft {
        ExamScheduleDraft {
            certificate_id,
            exam_year: self.exam_year,
            round: self.round,
            application_start: self.application_start_date_time,
            application_deadline: self.application_deadline_date_time,
            exam_date: self.exam_date_time,
            result_announcement: self.result_announcement_date_time,
            fees: ExamFees { written: self.written_exam_fee, practical: self.practical_exam_fee },
            time_limits: ExamTimeLimits {
                written_minutes: self.written_exam_time_limit,
                practical_minutes: self.practical_exam_time_limit,
            },
            eligibility: self.exam_eligibility,
            description: self.description,
            exam_format: self.exam_format,
        }
    }
}

/// A stored schedule.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleResponse {
    /// The schedule's id, for `PUT` and `DELETE /admin/v1/exam-schedules/{id}`.
    pub exam_schedule_id: i64,
    /// The certificate the exam is for.
    pub certificate_id: i64,
    /// The calendar year the exam is held in.
    pub exam_year: i32,
    /// Round within the year, from 1.
    pub round: i32,
    /// Applications open.
    pub application_start_date_time: DateTime<Utc>,
    /// Applications close.
    pub application_deadline_date_time: DateTime<Utc>,
    /// The exam.
    pub exam_date_time: DateTime<Utc>,
    /// When results are announced.
    pub result_announcement_date_time: DateTime<Utc>,
    /// Written exam fee.
    pub written_exam_fee: Option<i64>,
    /// Practical exam fee.
    pub practical_exam_fee: Option<i64>,
    /// Written time limit (minutes).
    pub written_exam_time_limit: Option<i32>,
    /// Practical time limit (minutes).
    pub practical_exam_time_limit: Option<i32>,
    /// Who may apply.
    pub exam_eligibility: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// The exam's format, e.g. `필기: 객관식 4지 택일형`.
    pub exam_format: Option<String>,
}

impl From<ExamSchedule> for ScheduleResponse {
    fn from(s: ExamSchedule) -> Self {
        let d = s.draft;
        Self {
            exam_schedule_id: s.id,
            certificate_id: d.certificate_id,
            exam_year: d.exam_year,
            round: d.round,
            application_start_date_time: d.application_start,
            application_deadline_date_time: d.application_deadline,
            exam_date_time: d.exam_date,
            result_announcement_date_time: d.result_announcement,
            written_exam_fee: d.fees.written,
            practical_exam_fee: d.fees.practical,
            written_exam_time_limit: d.time_limits.written_minutes,
            practical_exam_time_limit: d.time_limits.practical_minutes,
            exam_eligibility: d.eligibility,
            description: d.description,
            exam_format: d.exam_format,
        }
    }
}

/// A recorded batch run.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobRunResponse {
    /// Run id.
    pub id: i64,
    /// The job's name, as `cercat-batch list` shows it, e.g. `exam-schedule-import`.
    pub job: String,
    /// Node that ran it.
    pub node: String,
    /// `RUNNING` (also once its process died), `SUCCEEDED`, `COMPLETED_WITH_SKIPS` or `FAILED`.
    pub status: String,
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// When the run ended; absent while it runs or if its process died.
    pub ended_at: Option<DateTime<Utc>>,
    /// Items read.
    pub read: u64,
    /// Items written.
    pub written: u64,
    /// Items skipped.
    pub skipped: u64,
    /// Error or skip summary.
    pub error: Option<String>,
    /// What the run found beyond its counts (an evaluation's figures, a rebuild's sizes), as the
    /// job records it.
    #[schema(value_type = Option<Object>)]
    pub summary: Option<serde_json::Value>,
}

/// An image upload's body: the raw bytes of a PNG, JPEG, GIF or WebP (checked by content, at
/// most 5 MiB).
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct ImageBody(pub Vec<u8>);

//! Certificate responses, shaped as Cercat's web client reads them.

use cercat_certificate::{Certificate, ExamSchedule};
use cercat_common::id::CertificateId;
use cercat_http::dto::certificate::PassingCriteria;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use validator::Validate;

/// `{certificateId, certificateName}` as nested in other responses.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateRef {
    /// The certificate's id, for `/certificates/{certificateId}/…`.
    pub certificate_id: i64,
    /// Its name, e.g. `정보처리기사`.
    pub certificate_name: String,
}

/// Key dates of one exam (UTC, ISO-8601).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExamDates {
    /// Applications open.
    pub application_start_date_time: DateTime<Utc>,
    /// Applications close.
    pub application_deadline_date_time: DateTime<Utc>,
    /// Results are announced.
    pub result_announcement_date_time: DateTime<Utc>,
    /// The exam.
    pub exam_date_time: DateTime<Utc>,
}

/// Fees in won.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExamFee {
    /// Written exam.
    #[schema(example = 19400)]
    pub written_exam_fee: Option<i64>,
    /// Practical exam.
    #[schema(example = 22600)]
    pub practical_exam_fee: Option<i64>,
}

/// Time limits in minutes.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExamTimeLimit {
    /// Written exam, minutes.
    #[schema(example = 150)]
    pub written_exam_time_limit: Option<i32>,
    /// Practical exam, minutes.
    #[schema(example = 150)]
    pub practical_exam_time_limit: Option<i32>,
}

/// One scheduled exam.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExamInfo {
    /// Schedule id.
    pub exam_schedule_id: i64,
    /// The calendar year the exam is held in.
    #[schema(example = 2027)]
    pub exam_year: i32,
    /// Round within the year.
    #[schema(example = 1)]
    pub round: i32,
    /// When applications open and close, the exam, and results (UTC).
    pub exam_schedule: ExamDates,
    /// Written and practical exam fees, in won; null when unknown.
    pub exam_fee: ExamFee,
    /// Time limits.
    pub exam_time_limit: ExamTimeLimit,
    /// Pass criteria (the certificate's).
    pub passing_criteria: PassingCriteria,
    /// The subjects, as one line.
    pub subjects_info: String,
    /// Free text.
    pub description: Option<String>,
    /// Exam format.
    pub exam_format: Option<String>,
    /// Who may apply.
    pub exam_eligibility: Option<String>,
}

/// `GET /certificates/{id}/certificate-exams`: the certificate and one exam.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateExamResponse {
    /// The certificate.
    pub certificate: CertificateRef,
    /// The exam.
    pub exam_info: ExamInfo,
}

impl CertificateExamResponse {
    /// Builds the response from the certificate and one of its schedules.
    pub fn new(certificate: Certificate, schedule: ExamSchedule) -> Self {
        let d = schedule.draft;
        Self {
            exam_info: ExamInfo {
                exam_schedule_id: schedule.id,
                exam_year: d.exam_year,
                round: d.round,
                exam_schedule: ExamDates {
                    application_start_date_time: d.application_start,
                    application_deadline_date_time: d.application_deadline,
                    result_announcement_date_time: d.result_announcement,
                    exam_date_time: d.exam_date,
                },
                exam_fee: ExamFee { written_exam_fee: d.fees.written, practical_exam_fee: d.fees.practical },
                exam_time_limit: ExamTimeLimit {
                    written_exam_time_limit: d.time_limits.written_minutes,
                    practical_exam_time_limit: d.time_limits.practical_minutes,
                },
                passing_criteria: certificate.pass_criteria.into(),
                subjects_info: certificate.subjects_info(),
                description: d.description,
                exam_format: d.exam_format,
                exam_eligibility: d.eligibility,
            },
            certificate: CertificateRef { certificate_id: certificate.id, certificate_name: certificate.name },
        }
    }
}

/// One interest target in `POST/PUT /interest-certificates`.
#[derive(Debug, serde::Deserialize, serde::Serialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InterestTarget {
    /// Certificate id.
    #[schema(value_type = i64, minimum = 1)]
    pub certificate_id: CertificateId,
    /// `HIGH`, `NORMAL` or `LOW`.
    #[schema(value_type = String, example = "HIGH", pattern = "^(HIGH|NORMAL|LOW)$")]
    pub interest_priority: cercat_certificate::InterestPriority,
}

/// `POST/PUT /interest-certificates`: the whole new list (replace-all).
#[derive(Debug, serde::Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InterestRequest {
    /// At most three certificates, each once.
    #[validate(length(max = 3), nested)]
    #[schema(max_items = 3)]
    pub interest_target_list: Vec<InterestTarget>,
}

/// An interest certificate as the client reads it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InterestResponse {
    /// The certificate.
    pub certificate: CertificateRef,
    /// `HIGH`, `NORMAL` or `LOW`.
    #[schema(example = "HIGH")]
    pub interest_priority: &'static str,
}

impl From<cercat_certificate::Interest> for InterestResponse {
    fn from(i: cercat_certificate::Interest) -> Self {
        Self {
            certificate: CertificateRef { certificate_id: i.certificate.id, certificate_name: i.certificate.name },
            interest_priority: i.priority.as_str(),
        }
    }
}

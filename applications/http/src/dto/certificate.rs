//! Certificate responses both servers render (lists, details with subjects and criteria).

use cercat_certificate::{Certificate, CertificateSummary, PassCriteria, Subject};
use serde::Serialize;
use utoipa::ToSchema;

/// A certificate in lists.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateItem {
    /// The certificate's id, for `/certificates/{certificateId}/…`.
    #[schema(example = 1)]
    pub certificate_id: i64,
    /// Its name, unique among certificates.
    #[schema(example = "정보처리기사")]
    pub certificate_name: String,
    /// The category it is listed under.
    #[schema(example = "정보기술")]
    pub category: String,
}

impl From<CertificateSummary> for CertificateItem {
    fn from(c: CertificateSummary) -> Self {
        Self { certificate_id: c.id, certificate_name: c.name, category: c.category }
    }
}

/// A subject of the written exam.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubjectResponse {
    /// The subject's id, which questions and graded results refer to.
    pub subject_id: i64,
    /// Its name, e.g. `데이터베이스 구축`.
    pub subject_name: String,
    /// 1-based order in the exam.
    pub sequence: i32,
    /// Questions in the subject.
    pub number_of_questions: i32,
    /// Points the subject is worth.
    pub total_score: i32,
}

impl From<&Subject> for SubjectResponse {
    fn from(s: &Subject) -> Self {
        Self {
            subject_id: s.id,
            subject_name: s.name.clone(),
            sequence: s.sequence,
            number_of_questions: s.number_of_questions,
            total_score: s.total_score,
        }
    }
}

/// Pass criteria.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PassingCriteria {
    /// Minimum per subject, percent of the subject's total.
    #[schema(example = 40)]
    pub subject_passing_criteria: i32,
    /// Minimum average over subjects, percent.
    #[schema(example = 60)]
    pub total_avg_criteria: i32,
    /// Minimum practical score (of 100), if there is a practical exam.
    #[schema(example = 60)]
    pub practical_passing_criteria: Option<i32>,
}

impl From<PassCriteria> for PassingCriteria {
    fn from(p: PassCriteria) -> Self {
        Self {
            subject_passing_criteria: p.subject_min_percent,
            total_avg_criteria: p.average_min_percent,
            practical_passing_criteria: p.practical_min_score,
        }
    }
}

/// A certificate with its subjects.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateDetail {
    /// The certificate's id, for `/certificates/{certificateId}/…`.
    pub certificate_id: i64,
    /// Its name, unique among certificates, e.g. `정보처리기사`.
    pub certificate_name: String,
    /// The category it is listed under, e.g. `정보기술`.
    pub category: String,
    /// Highest written-exam score (sum of subject totals).
    #[schema(example = 500)]
    pub max_score: i32,
    /// Subjects in exam order.
    pub subjects: Vec<SubjectResponse>,
    /// Pass criteria.
    pub passing_criteria: PassingCriteria,
}

impl From<Certificate> for CertificateDetail {
    fn from(c: Certificate) -> Self {
        Self {
            certificate_id: c.id,
            max_score: c.max_score(),
            subjects: c.subjects.iter().map(SubjectResponse::from).collect(),
            passing_criteria: c.pass_criteria.into(),
            certificate_name: c.name,
            category: c.category,
        }
    }
}

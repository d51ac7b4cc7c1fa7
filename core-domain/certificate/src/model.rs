//! Certificates, subjects and pass criteria.

use serde::{Deserialize, Serialize};

/// A certificate as listed (id, name, category).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSummary {
    /// Id.
    pub id: i64,
    /// Name, e.g. `정보처리기사`.
    pub name: String,
    /// Category, e.g. `IT`.
    pub category: String,
}

/// One subject of a certificate's written exam.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Id.
    pub id: i64,
    /// 1-based order within the exam.
    pub sequence: i32,
    /// Name, e.g. `데이터베이스 구축`.
    pub name: String,
    /// Questions in this subject.
    pub number_of_questions: i32,
    /// Points this subject is worth.
    pub total_score: i32,
}

/// When an exam is passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassCriteria {
    /// Minimum score in every subject, as a percentage of that subject's total (e.g. 40).
    pub subject_min_percent: i32,
    /// Minimum average over all subjects, as a percentage (e.g. 60).
    pub average_min_percent: i32,
    /// Minimum practical-exam score out of 100, when there is a practical exam.
    pub practical_min_score: Option<i32>,
}

/// A certificate with its subjects (ordered by sequence) and pass criteria.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Subjects in exam order.
    pub subjects: Vec<Subject>,
    /// Pass criteria.
    pub pass_criteria: PassCriteria,
}

impl Certificate {
    /// The highest possible written-exam score: the sum of the subjects' totals.
    pub fn max_score(&self) -> i32 {
        self.subjects.iter().map(|s| s.total_score).sum()
    }

    /// Its summary.
    pub fn summary(&self) -> CertificateSummary {
        CertificateSummary { id: self.id, name: self.name.clone(), category: self.category.clone() }
    }

    /// A one-line description of the subjects, e.g. `1. 소프트웨어 설계 (20문항, 100점), …`.
    pub fn subjects_info(&self) -> String {
        self.subjects
            .iter()
            .map(|s| format!("{}. {} ({}문항, {}점)", s.sequence, s.name, s.number_of_questions, s.total_score))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sqld() -> Certificate {
        Certificate {
            id: 3,
            name: "SQLD".into(),
            category: "데이터".into(),
            subjects: vec![
                Subject {
                    id: 10,
                    sequence: 1,
                    name: "데이터 모델링의 이해".into(),
                    number_of_questions: 10,
                    total_score: 20,
                },
                Subject {
                    id: 11,
                    sequence: 2,
                    name: "SQL 기본과 활용".into(),
                    number_of_questions: 40,
                    total_score: 80,
                },
            ],
            pass_criteria: PassCriteria { subject_min_percent: 40, average_min_percent: 60, practical_min_score: None },
        }
    }

    #[test]
    fn max_score_sums_the_subjects() {
        assert_eq!(sqld().max_score(), 100);
    }

    #[test]
    fn subjects_info_lists_subjects_in_order() {
        assert_eq!(sqld().subjects_info(), "1. 데이터 모델링의 이해 (10문항, 20점), 2. SQL 기본과 활용 (40문항, 80점)");
    }
}

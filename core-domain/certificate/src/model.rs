//! Certificates, subjects and pass criteria.

use serde::{Deserialize, Serialize};

/// A certificate as listed (id, name, category).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSummary {
    /// The certificate's id: the board's id in the community and the `certificateId` of its mock exams.
    pub id: i64,
    /// Name, e.g. `정보처리기사`.
    pub name: String,
    /// Category, e.g. `IT`.
    pub category: String,
}

/// One subject of a certificate's written exam.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The subject's id, which mock-exam questions and graded results refer to.
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
    /// The certificate's id; its board, schedules and mock exams carry it.
    pub id: i64,
    /// Its name, unique among certificates, e.g. `정보처리기사`.
    pub name: String,
    /// The category it is listed under, e.g. `IT`.
    pub category: String,
    /// Subjects in exam order.
    pub subjects: Vec<Subject>,
    /// Pass criteria.
    pub pass_criteria: PassCriteria,
}

/// A certificate to create or to replace an existing one with (subjects in exam order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateDraft {
    /// Name (unique).
    pub name: String,
    /// The category it is listed under, e.g. `IT`.
    pub category: String,
    /// Subjects: (name, number of questions, total score), sequence = position + 1.
    pub subjects: Vec<(String, i32, i32)>,
    /// Pass criteria.
    pub pass_criteria: PassCriteria,
}

impl CertificateDraft {
    /// Checks names, counts and criteria.
    pub fn validate(&self) -> Result<(), crate::ScheduleError> {
        let bad =
            |field: &'static str, reason: &str| Err(crate::ScheduleError::Invalid { field, reason: reason.into() });
        let name_len = self.name.trim().chars().count();
        if !(1..=100).contains(&name_len) {
            return bad("certificateName", "must be 1 to 100 characters");
        }
        if !(1..=50).contains(&self.category.trim().chars().count()) {
            return bad("category", "must be 1 to 50 characters");
        }
        if self.subjects.is_empty() || self.subjects.len() > 20 {
            return bad("subjects", "give 1 to 20 subjects");
        }
        for (name, questions, score) in &self.subjects {
            if !(1..=100).contains(&name.trim().chars().count()) {
                return bad("subjects.subjectName", "must be 1 to 100 characters");
            }
            if !(1..=500).contains(questions) {
                return bad("subjects.numberOfQuestions", "must be 1 to 500");
            }
            if !(1..=1000).contains(score) {
                return bad("subjects.totalScore", "must be 1 to 1000");
            }
        }
        let c = self.pass_criteria;
        if !(0..=100).contains(&c.subject_min_percent) || !(0..=100).contains(&c.average_min_percent) {
            return bad("passingCriteria", "percentages must be 0 to 100");
        }
        if c.practical_min_score.is_some_and(|s| !(0..=100).contains(&s)) {
            return bad("passingCriteria.practicalPassingCriteria", "must be 0 to 100");
        }
        Ok(())
    }
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

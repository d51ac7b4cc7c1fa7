//! Exam reviews ("따끈 후기"): how hard the last exam was and how long the reviewer prepared,
//! written in the two weeks after an exam by people who studied for that certificate.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::CommunityError;

/// How long after an exam reviews are open.
pub const REVIEW_WINDOW_DAYS: i64 = 14;
/// Longest review, characters.
pub const MAX_REVIEW_CHARS: usize = 1_000;

/// How hard the exam felt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Difficulty {
    /// Too easy.
    TooEasy,
    /// Easier than expected.
    Easy,
    /// About as hard as expected.
    Normal,
    /// A little difficult.
    LittleDifficult,
    /// Too difficult.
    TooDifficult,
}

impl Difficulty {
    /// The stored/wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TooEasy => "TOO_EASY",
            Self::Easy => "EASY",
            Self::Normal => "NORMAL",
            Self::LittleDifficult => "LITTLE_DIFFICULT",
            Self::TooDifficult => "TOO_DIFFICULT",
        }
    }

    /// Parses a stored/wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "TOO_EASY" => Self::TooEasy,
            "EASY" => Self::Easy,
            "NORMAL" => Self::Normal,
            "LITTLE_DIFFICULT" => Self::LittleDifficult,
            "TOO_DIFFICULT" => Self::TooDifficult,
            _ => return None,
        })
    }
}

/// The exam a review is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewedExam {
    /// Its schedule.
    pub schedule_id: i64,
    /// When it took place.
    pub exam_date: DateTime<Utc>,
}

impl ReviewedExam {
    /// Whether `now` is within the two weeks after the exam.
    pub fn open_at(&self, now: DateTime<Utc>) -> bool {
        self.exam_date <= now && now < self.exam_date + Duration::days(REVIEW_WINDOW_DAYS)
    }
}

/// A stored review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamReview {
    /// The review's id (what its creation answered); it breaks ties in the newest-first list.
    pub id: i64,
    /// The certificate whose exam it reviews.
    pub certificate_id: i64,
    /// Reviewer's nickname (a placeholder once withdrawn).
    pub nickname: String,
    /// How hard the exam felt.
    pub difficulty: Difficulty,
    /// Months of preparation (from the reviewer's goal; 0 without one).
    pub prepare_months: i32,
    /// The review, trimmed, 1 to 1,000 characters.
    pub content: String,
    /// Written at.
    pub created_at: DateTime<Utc>,
}

/// List filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReviewFilter {
    /// At least this many months of preparation.
    pub min_months: Option<i32>,
    /// At most this many.
    pub max_months: Option<i32>,
    /// Only this difficulty.
    pub difficulty: Option<Difficulty>,
}

/// Whole months from `start` to `exam` (a started month counts), at least 1 when the goal began
/// before the exam, 0 otherwise.
pub fn prepare_months(start: DateTime<Utc>, exam: DateTime<Utc>) -> i32 {
    if start >= exam {
        return 0;
    }
    let days = (exam - start).num_days();
    i32::try_from((days + 29) / 30).unwrap_or(i32::MAX).max(1)
}

/// Why a user may not review now; `None` when they may.
pub fn refusal(exam: Option<ReviewedExam>, studied: bool, already: bool, now: DateTime<Utc>) -> Option<CommunityError> {
    match exam {
        Some(e) if e.open_at(now) => {}
        _ => return Some(CommunityError::ReviewClosed),
    }
    if !studied {
        return Some(CommunityError::NotAReviewer);
    }
    if already {
        return Some(CommunityError::AlreadyReviewed);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, d, h, 0, 0).unwrap()
    }

    #[test]
    fn reviews_open_for_two_weeks_after_the_exam() {
        let exam = ReviewedExam { schedule_id: 1, exam_date: at(2, 0) };
        assert!(!exam.open_at(at(1, 23)));
        assert!(exam.open_at(at(2, 0)));
        assert!(exam.open_at(at(15, 23)));
        assert!(!exam.open_at(at(16, 0)));
        assert!(matches!(refusal(Some(exam), true, false, at(20, 0)), Some(CommunityError::ReviewClosed)));
        assert!(matches!(refusal(None, true, false, at(3, 0)), Some(CommunityError::ReviewClosed)));
        assert!(matches!(refusal(Some(exam), false, false, at(3, 0)), Some(CommunityError::NotAReviewer)));
        assert!(matches!(refusal(Some(exam), true, true, at(3, 0)), Some(CommunityError::AlreadyReviewed)));
        assert!(refusal(Some(exam), true, false, at(3, 0)).is_none());
    }

    #[test]
    fn preparation_counts_started_months() {
        assert_eq!(prepare_months(at(1, 0), at(2, 0)), 1);
        assert_eq!(prepare_months(at(2, 0), at(2, 0)), 0);
        let feb = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
        assert_eq!(prepare_months(feb, at(2, 0)), 3); // 90 days
        assert_eq!(prepare_months(feb, at(3, 0)), 4); // 91 days
    }
}

//! Mock-exam, result and report wire types, shaped as Cercat's web client reads them.

use cercat_certificate::Subject;
use cercat_common::{calendar::weekday_name, paging::Slice};
use cercat_mockexam::{
    MockExam,
    grading::GradedSubject,
    report::{BucketLabel, Report},
    service::{AnswerView, ResultView, SubjectAverage},
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use cercat_http::dto::{
    certificate::SubjectResponse,
    mockexam::{MockExamResponse, QuestionResponse, subject_response},
};

/// One answer of `POST …/mock-exam-results`. Only the question number, the selected option
/// and the time are used; `isCorrect` is ignored (the server grades).
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserAnswerRequest {
    /// The question's 1-based number in the exam (Cercat's client sends it here).
    pub question_id: Option<i64>,
    /// Same as `questionId`; used when `questionId` is absent.
    pub question_seq: Option<i64>,
    /// Selected option, 1 to the question's number of options (4 or 5); 0 = unanswered.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 5)]
    pub select_option_seq: i64,
    /// Time spent, milliseconds.
    #[serde(default)]
    pub taken_time: f64,
    /// Accepted for the client's sake and ignored: the server grades every answer.
    #[serde(default)]
    #[allow(dead_code)]
    pub is_correct: Option<bool>,
}

/// One subject block of the submission; `subjectId` and `score` are ignored.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubjectResultRequest {
    /// Ignored (the server derives subjects from the questions).
    #[serde(default)]
    #[allow(dead_code)]
    pub subject_id: Option<i64>,
    /// Ignored (the server scores).
    #[serde(default)]
    #[allow(dead_code)]
    pub score: Option<i64>,
    /// The answers.
    #[validate(length(max = 300))]
    #[schema(max_items = 300)]
    #[serde(default)]
    pub create_user_answer_requests: Vec<UserAnswerRequest>,
}

/// `POST /mock-exams/{id}/mock-exam-results`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateResultRequest {
    /// Answers grouped by subject (the grouping is ignored).
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    #[serde(default)]
    pub create_subject_result_requests: Vec<SubjectResultRequest>,
}

/// What a submission stored.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedResultResponse {
    /// The result id.
    pub mock_exam_result_id: i64,
    /// The user's attempt number for this exam.
    pub attempt: i32,
    /// Score (server-graded).
    pub total_score: i32,
    /// Highest possible score.
    pub max_score: i32,
    /// Whether the certificate's criteria were met.
    pub passed: bool,
}

/// One subject of a result.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubjectResultResponse {
    /// The subject.
    pub subject: SubjectResponse,
    /// Points earned.
    pub score: i32,
    /// Questions of the subject in this exam.
    pub number_of_questions: i32,
    /// Correct answers.
    pub number_of_correct: i32,
    /// Time spent, ms.
    pub total_taken_time: i64,
    /// Percent correct.
    pub correct_rate: f64,
}

impl SubjectResultResponse {
    fn new(s: &GradedSubject, subjects: &[Subject]) -> Self {
        Self {
            subject: subject_response(subjects, s.subject_id),
            score: s.score,
            number_of_questions: s.number_of_questions,
            number_of_correct: s.number_of_correct,
            total_taken_time: s.total_taken_time,
            correct_rate: s.correct_rate,
        }
    }
}

/// A result with its subjects.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultResponse {
    /// The result's id, for `GET /mock-exam-results/{id}` and its wrong answers.
    pub mock_exam_result_id: i64,
    /// The exam's round.
    pub round: i32,
    /// Attempt number.
    pub attempt: i32,
    /// Points earned.
    pub total_score: i32,
    /// Highest possible score.
    pub max_score: i32,
    /// Whether the certificate's criteria were met.
    pub passed: bool,
    /// Time spent, ms.
    pub total_taken_time: i64,
    /// Submitted at.
    pub created_at: DateTime<Utc>,
    /// The exam.
    pub mock_exam: MockExamResponse,
    /// Subjects in exam order.
    pub subject_results: Vec<SubjectResultResponse>,
}

impl From<ResultView> for ResultResponse {
    fn from(v: ResultView) -> Self {
        let r = v.result;
        Self {
            mock_exam_result_id: r.id,
            round: v.exam.round,
            attempt: r.attempt,
            total_score: r.total_score,
            max_score: r.max_score,
            passed: r.passed,
            total_taken_time: r.taken_time_ms,
            created_at: r.created_at,
            subject_results: r.subjects.iter().map(|s| SubjectResultResponse::new(s, &v.subjects)).collect(),
            mock_exam: (&v.exam).into(),
        }
    }
}

/// A result in date-filtered lists.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultSummaryResponse {
    /// The result's id, for `GET /mock-exam-results/{id}`.
    pub mock_exam_result_id: i64,
    /// The exam's round.
    pub round: i32,
    /// Attempt number.
    pub attempt: i32,
    /// Points earned.
    pub total_score: i32,
    /// Whether it passed.
    pub passed: bool,
    /// Submitted at.
    pub created_at: DateTime<Utc>,
    /// The exam.
    pub mock_exam: MockExamResponse,
}

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultSlice {
    /// Items (empty past the end).
    pub content: Vec<ResultSummaryResponse>,
    /// Whether another page has items.
    pub has_next: bool,
}

impl From<Slice<(cercat_mockexam::ports::StoredResult, MockExam)>> for ResultSlice {
    fn from(s: Slice<(cercat_mockexam::ports::StoredResult, MockExam)>) -> Self {
        Self {
            has_next: s.has_next,
            content: s
                .content
                .into_iter()
                .map(|(r, e)| ResultSummaryResponse {
                    mock_exam_result_id: r.id,
                    round: e.round,
                    attempt: r.attempt,
                    total_score: r.total_score,
                    passed: r.passed,
                    created_at: r.created_at,
                    mock_exam: (&e).into(),
                })
                .collect(),
        }
    }
}

/// A wrong answer with its question.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserAnswerResponse {
    /// Id (for `PATCH /user-answers/{id}/review`).
    pub user_answer_id: i64,
    /// The result it belongs to.
    pub mock_exam_result_id: i64,
    /// Selected option; 0 = unanswered.
    pub select_option_seq: i32,
    /// Time spent, ms.
    pub taken_time: i64,
    /// Whether it was right.
    pub is_correct: bool,
    /// Whether the user marked it reviewed.
    pub is_reviewed: bool,
    /// Submitted at.
    pub created_at: DateTime<Utc>,
    /// The question.
    pub question: QuestionResponse,
}

/// A page of answers.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserAnswerSlice {
    /// Items (empty past the end).
    pub content: Vec<UserAnswerResponse>,
    /// Whether another page has items.
    pub has_next: bool,
}

impl From<Slice<AnswerView>> for UserAnswerSlice {
    fn from(s: Slice<AnswerView>) -> Self {
        Self {
            has_next: s.has_next,
            content: s
                .content
                .into_iter()
                .map(|v| {
                    let subjects: Vec<Subject> = v.subject.into_iter().collect();
                    UserAnswerResponse {
                        user_answer_id: v.answer.id,
                        mock_exam_result_id: v.answer.result_id,
                        select_option_seq: v.answer.selected,
                        taken_time: v.answer.taken_ms,
                        is_correct: v.answer.correct,
                        is_reviewed: v.answer.reviewed,
                        created_at: v.answer.created_at,
                        question: QuestionResponse::new(v.question, &v.exam, &subjects),
                    }
                })
                .collect(),
        }
    }
}

/// A subject's averages within the current goal period.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubjectAverageResponse {
    /// The subject.
    pub subject: SubjectResponse,
    /// Mean percent correct.
    pub correct_rate: f64,
    /// Mean time spent, ms.
    pub total_taken_time: i64,
    /// Mean time allotted to the subject (its share of the exam's limit), ms.
    pub time_limit: i64,
    /// Results averaged.
    pub results: u32,
}

impl From<SubjectAverage> for SubjectAverageResponse {
    fn from(a: SubjectAverage) -> Self {
        Self {
            subject: SubjectResponse::from(&a.subject),
            correct_rate: a.correct_rate,
            total_taken_time: a.total_taken_time,
            time_limit: a.time_limit,
            results: a.results,
        }
    }
}

/// One bar of a score report.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScoreAverageItem {
    /// Mean total score of the results in the bucket (0 when `count` is 0).
    pub score_average: f64,
    /// Results in the bucket.
    pub count: u32,
    /// WEEKLY: `SUNDAY` … `SATURDAY`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_of_week: Option<&'static str>,
    /// MONTHLY: week of the month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub week_of_month: Option<u32>,
    /// YEARLY: month 1–12.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<u32>,
    /// First day of the bucket (Asia/Seoul).
    #[schema(value_type = String, example = "2026-05-03")]
    pub date: NaiveDate,
}

/// `GET …/mock-exam-result/{WEEKLY|MONTHLY|YEARLY}/statistics`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatisticsResponse {
    /// Mean total score over every result of the period.
    pub total_average: f64,
    /// Best total score of the period.
    pub max_score: i32,
    /// Buckets in calendar order.
    #[serde(rename = "scoreAVGList")]
    pub score_avg_list: Vec<ScoreAverageItem>,
}

impl From<Report> for StatisticsResponse {
    fn from(r: Report) -> Self {
        Self {
            total_average: r.total_average,
            max_score: r.max_score,
            score_avg_list: r
                .buckets
                .into_iter()
                .map(|b| {
                    let (day_of_week, week_of_month, month) = match b.label {
                        BucketLabel::Day(d) => (Some(weekday_name(d)), None, None),
                        BucketLabel::Week(w) => (None, Some(w), None),
                        BucketLabel::Month(m) => (None, None, Some(m)),
                    };
                    ScoreAverageItem {
                        score_average: b.score_average,
                        count: b.count,
                        day_of_week,
                        week_of_month,
                        month,
                        date: b.date,
                    }
                })
                .collect(),
        }
    }
}

/// `?examYear=` (absent or empty = every year).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct ExamYearQuery {
    /// The year; absent, blank or `전체` for all.
    #[param(pattern = "^[ \\t\\n\\r]*(전체|[0-9]{1,9})?[ \\t\\n\\r]*$")]
    pub exam_year: Option<String>,
}

/// Report parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct PeriodQuery {
    /// Year (all types).
    pub year: Option<i32>,
    /// Month 1–12 (WEEKLY, MONTHLY, WEEK_OF_MONTH, MONTH).
    pub month: Option<u32>,
    /// Week of the month, 1-based, weeks start on Sunday (WEEKLY, WEEK_OF_MONTH).
    pub week_of_month: Option<u32>,
    /// `YYYY-MM-DD` (DATE).
    pub date: Option<String>,
}

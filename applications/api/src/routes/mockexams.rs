//! Mock exams: years, exams, questions, submission (graded on the server), results, wrong-answer
//! notes, subject averages and score reports — the paths Cercat's web client calls.

use actix_web::{HttpResponse, get, http::header, patch, post, web};
use cercat_error::ApiResponse;
use cercat_mockexam::{AnswerInput, MockExamError, ReportPeriod, ResultFilter};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    AppState,
    dto::{
        mockexam::{
            CreateResultRequest, CreatedResultResponse, ExamYearQuery, PeriodQuery, ResultResponse, ResultSlice,
            StatisticsResponse, SubjectAverageResponse, UserAnswerSlice,
        },
        paging::{AnswerSorting, PageQuery},
    },
};
use cercat_common::id::{CertificateId, MockExamId, ResultId, UserAnswerId};
use cercat_http::dto::mockexam::{MockExamResponse, QuestionResponse};
use cercat_http::{AppError, IdPath, Valid, auth::Authenticated};

/// Registers the endpoints (`…/average` before `…/{dateType}` so it is not taken for one).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(exam_years)
        .service(mock_exams)
        .service(questions)
        .service(attempts)
        .service(submit)
        .service(recent)
        .service(result)
        .service(wrong_answers_of_result)
        .service(wrong_answers_of_certificate)
        .service(review)
        .service(subject_averages)
        .service(results_by_date)
        .service(statistics);
}

/// Years with mock exams, newest first (the client selects the first).
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("certificateId" = i64, Path)), extensions(("x-errors" = json!(["CRT_001"]))), responses(
    (status = 200, description = "Years", body = ApiResponse<Vec<i32>>),
))]
#[get("/certificates/{certificateId}/exam-years")]
pub async fn exam_years(
    state: web::Data<AppState>,
    _caller: Authenticated,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<Vec<i32>>, AppError> {
    let id = path.0.get();
    Ok(ApiResponse::ok(state.mockexams.exam_years(id).await?))
}

/// The certificate's mock exams, of one year (`examYear`) or all.
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("certificateId" = i64, Path), ExamYearQuery), extensions(("x-errors" = json!(["GLB_004", "CRT_001"]))), responses(
    (status = 200, description = "Mock exams", body = ApiResponse<Vec<MockExamResponse>>),
))]
#[get("/certificates/{certificateId}/mock-exams")]
pub async fn mock_exams(
    state: web::Data<AppState>,
    _caller: Authenticated,
    path: IdPath<CertificateId>,
    query: web::Query<ExamYearQuery>,
) -> Result<ApiResponse<Vec<MockExamResponse>>, AppError> {
    let id = path.0.get();
    let year = cercat_http::extract::optional_number(query.exam_year.as_deref(), "examYear")?;
    let exams = state.mockexams.mock_exams(id, year).await?;
    Ok(ApiResponse::ok(exams.iter().map(MockExamResponse::from).collect()))
}

/// The exam's questions ordered by number (subjects in exam order), with options, images,
/// subject and correct option. The rendered body is cached (Redis in production) until an
/// admin edits the exam.
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("mockExamId" = i64, Path)), extensions(("x-errors" = json!(["MEX_001"]))), responses(
    (status = 200, description = "Questions", body = ApiResponse<Vec<QuestionResponse>>),
))]
#[get("/mock-exams/{mockExamId}/questions")]
pub async fn questions(
    state: web::Data<AppState>,
    _caller: Authenticated,
    path: IdPath<MockExamId>,
) -> Result<HttpResponse, AppError> {
    let id = path.0.get();
    let json = |body: Vec<u8>| HttpResponse::Ok().insert_header((header::CONTENT_TYPE, "application/json")).body(body);
    // The body is the same for every student; keep it rendered instead of decoding the cached
    // set and encoding ~80 KB of JSON on every request.
    if let Some(body) = state.mockexams.cached_rendering(id).await {
        return Ok(json(body));
    }
    let set = state.mockexams.question_set(id).await?;
    let subjects = state.mockexams.subjects_of(&set.exam).await?;
    let questions: Vec<QuestionResponse> =
        set.questions.into_iter().map(|q| QuestionResponse::new(q, &set.exam, &subjects)).collect();
    let body = serde_json::to_vec(&ApiResponse::ok(questions))
        .map_err(|e| AppError(cercat_error::ApiError::internal(format!("serializing questions failed: {e}"))))?;
    state.mockexams.keep_rendering(id, &body).await;
    Ok(json(body))
}

/// The caller's results of this exam, oldest first (the last is the latest).
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("mockExamId" = i64, Path)), extensions(("x-errors" = json!(["MEX_001"]))), responses(
    (status = 200, description = "Attempts", body = ApiResponse<Vec<ResultResponse>>),
))]
#[get("/mock-exams/{mockExamId}")]
pub async fn attempts(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<MockExamId>,
) -> Result<ApiResponse<Vec<ResultResponse>>, AppError> {
    let id = path.0.get();
    let views = state.mockexams.attempts(caller.user_id(), id).await?;
    Ok(ApiResponse::ok(views.into_iter().map(ResultResponse::from).collect()))
}

/// Submits answers. The server grades: each answer is matched to its question by its 1-based
/// number in the exam (`questionId`, or `questionSeq`); the client's `isCorrect`, `score` and
/// `subjectId` are ignored. Questions not answered count as unanswered.
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("mockExamId" = i64, Path)), request_body = CreateResultRequest, extensions(("x-errors" = json!(["MEX_002", "MEX_001"]))), responses(
    (status = 201, description = "Stored", body = ApiResponse<CreatedResultResponse>),
))]
#[post("/mock-exams/{mockExamId}/mock-exam-results")]
pub async fn submit(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<MockExamId>,
    body: Valid<CreateResultRequest>,
) -> Result<ApiResponse<CreatedResultResponse>, AppError> {
    let id = path.0.get();
    let mut answers = Vec::new();
    for block in &body.0.create_subject_result_requests {
        for a in &block.create_user_answer_requests {
            let number = a.question_id.or(a.question_seq).ok_or_else(|| {
                MockExamError::InvalidSubmission("every answer needs questionId (its number in the exam)".into())
            })?;
            let number = i32::try_from(number)
                .map_err(|_| MockExamError::InvalidSubmission(format!("question {number} does not exist")))?;
            let selected = i32::try_from(a.select_option_seq).map_err(|_| {
                MockExamError::InvalidSubmission(format!("question {number}: selectOptionSeq is out of range"))
            })?;
            if !a.taken_time.is_finite() {
                return Err(
                    MockExamError::InvalidSubmission(format!("question {number}: takenTime is not a number")).into()
                );
            }
            answers.push(AnswerInput { number, selected, taken_ms: a.taken_time.round() as i64 });
        }
    }
    let saved = state.mockexams.submit(caller.user_id(), id, &answers).await?;
    Ok(ApiResponse::created(CreatedResultResponse {
        mock_exam_result_id: saved.id,
        attempt: saved.attempt,
        total_score: saved.graded.total_score,
        max_score: saved.graded.max_score,
        passed: saved.graded.passed,
    }))
}

/// The caller's latest result of this exam.
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("mockExamId" = i64, Path)), extensions(("x-errors" = json!(["MEX_001", "MEX_007"]))), responses(
    (status = 200, description = "Latest result", body = ApiResponse<ResultResponse>),
))]
#[get("/mock-exams/{mockExamId}/mock-exam-results/recent")]
pub async fn recent(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<MockExamId>,
) -> Result<ApiResponse<ResultResponse>, AppError> {
    let id = path.0.get();
    Ok(ApiResponse::ok(state.mockexams.recent(caller.user_id(), id).await?.into()))
}

/// One of the caller's results.
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("resultId" = i64, Path)), extensions(("x-errors" = json!(["MEX_003"]))), responses(
    (status = 200, description = "Result", body = ApiResponse<ResultResponse>),
))]
#[get("/mock-exam-results/{resultId}")]
pub async fn result(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<ResultId>,
) -> Result<ApiResponse<ResultResponse>, AppError> {
    let id = path.0.get();
    Ok(ApiResponse::ok(state.mockexams.result(caller.user_id(), id).await?.into()))
}

/// Wrong (and unanswered), not yet reviewed answers of one of the caller's results. Sort by
/// `createdAt`/`questionSeq` (the client's long names are accepted too); pages past the end
/// have empty `content`.
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("resultId" = i64, Path), PageQuery<AnswerSorting>), extensions(("x-errors" = json!(["GLB_004", "MEX_003"]))), responses(
    (status = 200, description = "Wrong answers", body = ApiResponse<UserAnswerSlice>),
))]
#[get("/mock-exam-results/{resultId}/user-answers/wrong-answers")]
pub async fn wrong_answers_of_result(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<ResultId>,
    query: web::Query<PageQuery<AnswerSorting>>,
) -> Result<ApiResponse<UserAnswerSlice>, AppError> {
    let id = path.0.get();
    let page = query.request()?;
    Ok(ApiResponse::ok(state.mockexams.wrong_answers_of_result(caller.user_id(), id, &page).await?.into()))
}

/// Wrong, not yet reviewed answers of the caller's latest attempt of each exam of a certificate.
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("certificateId" = i64, Path), PageQuery<AnswerSorting>), extensions(("x-errors" = json!(["GLB_004", "CRT_001"]))), responses(
    (status = 200, description = "Wrong answers", body = ApiResponse<UserAnswerSlice>),
))]
#[get("/certificates/{certificateId}/user-answers/wrong-answers")]
pub async fn wrong_answers_of_certificate(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
    query: web::Query<PageQuery<AnswerSorting>>,
) -> Result<ApiResponse<UserAnswerSlice>, AppError> {
    let id = path.0.get();
    let page = query.request()?;
    Ok(ApiResponse::ok(state.mockexams.wrong_answers_of_certificate(caller.user_id(), id, &page).await?.into()))
}

/// Marks one of the caller's answers reviewed: it leaves the wrong-answer notes.
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("userAnswerId" = i64, Path)), extensions(("x-errors" = json!(["MEX_004"]))), responses(
    (status = 200, description = "Marked", body = ApiResponse<bool>),
))]
#[patch("/user-answers/{userAnswerId}/review")]
pub async fn review(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<UserAnswerId>,
) -> Result<ApiResponse<bool>, AppError> {
    let id = path.0.get();
    state.mockexams.mark_reviewed(caller.user_id(), id).await?;
    Ok(ApiResponse::ok(true))
}

/// Per-subject averages (correct rate, time spent, time allotted) of the caller's results
/// within the current goal period (all time without a goal), one entry per subject in exam order.
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("certificateId" = i64, Path)), extensions(("x-errors" = json!(["CRT_001"]))), responses(
    (status = 200, description = "Averages", body = ApiResponse<Vec<SubjectAverageResponse>>),
))]
#[get("/certificates/{certificateId}/mock-exam-results/average")]
pub async fn subject_averages(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<Vec<SubjectAverageResponse>>, AppError> {
    let id = path.0.get();
    let period = state.learning.current_period(caller.user_id(), id).await?;
    let period = period.map(|(from, to)| (from, to + chrono::Duration::milliseconds(1)));
    let averages = state.mockexams.subject_averages(caller.user_id(), id, period).await?;
    Ok(ApiResponse::ok(averages.into_iter().map(SubjectAverageResponse::from).collect()))
}

/// The caller's results of a certificate on a day (`DATE`, `date`), in a week of a month
/// (`WEEK_OF_MONTH`, `year`/`month`/`weekOfMonth`, clipped to the month) or in a month
/// (`MONTH`), newest first, paged. Asia/Seoul calendar; weeks start on Sunday.
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("certificateId" = i64, Path), ("dateType" = inline(crate::dto::path::DateTypeSegment), Path), PeriodQuery, PageQuery), extensions(("x-errors" = json!(["MEX_008", "CRT_001"]))), responses(
    (status = 200, description = "Results", body = ApiResponse<ResultSlice>),
))]
#[get("/certificates/{certificateId}/mock-exam-results/{dateType}")]
pub async fn results_by_date(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<(CertificateId, String)>,
    period: web::Query<PeriodQuery>,
    page: web::Query<PageQuery>,
) -> Result<ApiResponse<ResultSlice>, AppError> {
    let (id, kind) = path.into_inner();
    let id = id.get();
    let filter = ResultFilter::parse(&kind, period.year, period.month, period.week_of_month, period.date.as_deref())?;
    let page = page.request()?;
    Ok(ApiResponse::ok(state.mockexams.results_in(caller.user_id(), id, filter, &page).await?.into()))
}

/// WEEKLY (`year`, `month`, `weekOfMonth`: one bar per day, Sunday first), MONTHLY (`year`,
/// `month`: one bar per week, clipped to the month) or YEARLY (`year`: one bar per month)
/// averages of the caller's total scores, with the period's average and best. Cached; saving
/// a result invalidates exactly the reports that include its day.
#[utoipa::path(tag = "mock-exams", security(("access_token" = [])), params(("certificateId" = i64, Path), ("reportType" = inline(crate::dto::path::ReportTypeSegment), Path), PeriodQuery), extensions(("x-errors" = json!(["MEX_008", "CRT_001"]))), responses(
    (status = 200, description = "Report", body = ApiResponse<StatisticsResponse>),
))]
#[get("/certificates/{certificateId}/mock-exam-result/{reportType}/statistics")]
pub async fn statistics(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<(CertificateId, String)>,
    query: web::Query<PeriodQuery>,
) -> Result<ApiResponse<StatisticsResponse>, AppError> {
    let (id, kind) = path.into_inner();
    let id = id.get();
    let period = ReportPeriod::parse(&kind, query.year, query.month, query.week_of_month)?;
    Ok(ApiResponse::ok(state.mockexams.report(caller.user_id(), id, period).await?.into()))
}

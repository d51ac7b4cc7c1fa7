//! Job history.

use actix_web::{get, web};
use cercat_error::ApiResponse;
use cercat_http::{AppError, auth::Admin};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{AdminState, dto::JobRunResponse};

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(job_runs);
}

/// Which runs `GET /admin/v1/job-runs` lists.
#[derive(Debug, Deserialize, IntoParams)]
pub struct JobRunQuery {
    /// Only this job.
    pub job: Option<String>,
    /// How many (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Recorded batch runs, newest first.
#[utoipa::path(
    tag = "jobs",
    security(("access_token" = [])),
    params(JobRunQuery),
    extensions(("x-errors" = json!(["USR_007", "USR_009", "GLB_003"]))),
    responses(
        (status = 200, description = "Runs", body = ApiResponse<Vec<JobRunResponse>>),
    )
)]
#[get("/job-runs")]
pub async fn job_runs(
    state: web::Data<AdminState>,
    _admin: Admin,
    query: web::Query<JobRunQuery>,
) -> Result<ApiResponse<Vec<JobRunResponse>>, AppError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::invalid_query("limit", "must be between 1 and 200"));
    }
    let runs = state.services.job_runs.recent(query.job.as_deref(), limit).await?;
    Ok(ApiResponse::ok(
        runs.into_iter()
            .map(|r| JobRunResponse {
                id: r.id,
                job: r.job,
                node: r.node,
                status: r.status.as_str().to_owned(),
                started_at: r.started_at,
                ended_at: r.ended_at,
                read: r.counts.read,
                written: r.counts.written,
                skipped: r.counts.skipped,
                error: r.error,
                summary: r.summary,
            })
            .collect(),
    ))
}

//! Search features of a board: recent searches, autocomplete and trending keywords.

use actix_web::{delete, get, web};
use cercat_error::ApiResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::AppState;
use cercat_common::id::CertificateId;
use cercat_http::{AppError, IdPath, auth::Authenticated};

/// Registers the endpoints (`…/all` before the single delete).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(recent).service(forget_all).service(forget).service(autocomplete).service(trending);
}

/// The caller's recent searches on the board (at most 10, newest first).
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificateId" = i64, Path)), responses(
    (status = 200, description = "Keywords", body = ApiResponse<Vec<String>>),
))]
#[get("/certificates/{certificateId}/search-logs")]
pub async fn recent(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<Vec<String>>, AppError> {
    let id = path.0.get();
    Ok(ApiResponse::ok(state.community.recent_searches(caller.user_id(), id).await?))
}

/// `?keyword=` (empty is a no-op; the client sends it on page load).
#[derive(Debug, Deserialize, IntoParams)]
pub struct KeywordQuery {
    /// The recent search to remove.
    pub keyword: Option<String>,
}

/// Removes one recent search.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificateId" = i64, Path), KeywordQuery), responses(
    (status = 200, description = "Removed (or nothing to remove)", body = ApiResponse<bool>),
))]
#[delete("/certificates/{certificateId}/search-logs")]
pub async fn forget(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
    query: web::Query<KeywordQuery>,
) -> Result<ApiResponse<bool>, AppError> {
    let id = path.0.get();
    state.community.forget_searches(caller.user_id(), id, Some(query.keyword.as_deref().unwrap_or(""))).await?;
    Ok(ApiResponse::ok(true))
}

/// Removes every recent search of the board.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificateId" = i64, Path)), responses(
    (status = 200, description = "Removed", body = ApiResponse<bool>),
))]
#[delete("/certificates/{certificateId}/search-logs/all")]
pub async fn forget_all(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<bool>, AppError> {
    let id = path.0.get();
    state.community.forget_searches(caller.user_id(), id, None).await?;
    Ok(ApiResponse::ok(true))
}

/// `?query=` (absent, empty or `null` → no suggestions).
#[derive(Debug, Deserialize, IntoParams)]
pub struct AutocompleteQuery {
    /// A prefix, or initial consonants (`ㅈㅂㅊㄹ`).
    pub query: Option<String>,
}

/// Up to five popular keywords starting with the query, or whose initial consonants do.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificateId" = i64, Path), AutocompleteQuery), extensions(("x-errors" = json!(["GLB_004"]))), responses(
    (status = 200, description = "Suggestions", body = ApiResponse<Vec<String>>),
))]
#[get("/certificates/{certificateId}/auto-complete-keywords")]
pub async fn autocomplete(
    state: web::Data<AppState>,
    _caller: Authenticated,
    path: IdPath<CertificateId>,
    query: web::Query<AutocompleteQuery>,
) -> Result<ApiResponse<Vec<String>>, AppError> {
    let id = path.0.get();
    Ok(ApiResponse::ok(state.community.autocomplete(id, query.query.as_deref()).await?))
}

/// A trending keyword.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendingResponse {
    /// 1-based rank.
    pub rank: usize,
    /// The keyword.
    pub keyword: String,
    /// `NEW`, `RANK_UP`, `RANK_DOWN` or `UNCHANGED` against the 10-minute snapshot.
    #[schema(example = "RANK_UP")]
    pub status: &'static str,
}

/// The board's top ten keywords by surge score (searches, halved every 30 minutes), with their
/// movement since the last 10-minute snapshot.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificateId" = i64, Path)), responses(
    (status = 200, description = "Trending keywords", body = ApiResponse<Vec<TrendingResponse>>),
))]
#[get("/certificates/{certificateId}/trending-keywords")]
pub async fn trending(
    state: web::Data<AppState>,
    _caller: Authenticated,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<Vec<TrendingResponse>>, AppError> {
    use cercat_community::keywords::RankStatus;
    let id = path.0.get();
    let list = state.community.trending(id).await?;
    Ok(ApiResponse::ok(
        list.into_iter()
            .map(|t| TrendingResponse {
                rank: t.rank,
                keyword: t.keyword,
                status: match t.status {
                    RankStatus::New => "NEW",
                    RankStatus::RankUp => "RANK_UP",
                    RankStatus::RankDown => "RANK_DOWN",
                    RankStatus::Unchanged => "UNCHANGED",
                },
            })
            .collect(),
    ))
}

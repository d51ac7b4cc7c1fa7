//! `/api/v2/boards` and `/api/v2/favorite-boards/{certificateId}`.

use actix_web::{get, post, web};
use cercat_error::ApiResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::AppState;
use cercat_common::id::CertificateId;
use cercat_http::{AppError, IdPath, auth::Authenticated};

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(boards).service(toggle_favorite);
}

/// A certificate's board with the caller's favourite flag.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BoardResponse {
    /// The certificate (board) id.
    pub certificate_id: i64,
    /// The board's name (the certificate's).
    pub board_name: String,
    /// Whether the caller favourited it.
    pub is_favorite: bool,
}

/// Every board, with the caller's favourites marked. Choosing interest certificates
/// favourites their boards (asynchronously, through the `certificate.interest` event).
#[utoipa::path(tag = "boards", security(("access_token" = [])), extensions(("x-errors" = json!(["USR_007"]))), responses(
    (status = 200, description = "Boards", body = ApiResponse<Vec<BoardResponse>>),
))]
#[get("/boards")]
pub async fn boards(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<ApiResponse<Vec<BoardResponse>>, AppError> {
    let boards = state.boards.boards(caller.user_id()).await?;
    Ok(ApiResponse::ok(
        boards
            .into_iter()
            .map(|b| BoardResponse {
                certificate_id: b.certificate.id,
                board_name: b.certificate.name,
                is_favorite: b.is_favorite,
            })
            .collect(),
    ))
}

/// Flips the board's favourite state and returns the new state.
#[utoipa::path(tag = "boards", security(("access_token" = [])), params(("certificateId" = i64, Path)), extensions(("x-errors" = json!(["CRT_001"]))), responses(
    (status = 200, description = "The new state", body = ApiResponse<BoardResponse>),
))]
#[post("/favorite-boards/{certificateId}")]
pub async fn toggle_favorite(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<BoardResponse>, AppError> {
    let id = path.0.get();
    let is_favorite = state.boards.toggle(caller.user_id(), id).await?;
    let certificate = state.certificates.get(id).await?;
    Ok(ApiResponse::ok(BoardResponse { certificate_id: id, board_name: certificate.name, is_favorite }))
}

//! The market for operators: look at any product (hidden ones too) and hide or show it, and
//! look up any order with its history.

use actix_web::{HttpRequest, get, patch, web};
use cercat_common::id::{OrderId, ProductId};
use cercat_error::ApiResponse;
use cercat_http::{
    AppError, IdPath,
    auth::Admin,
    dto::market::{OrderDetailResponse, ProductResponse},
};
use cercat_market::service::Actor;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::AdminState;

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(product).service(moderate).service(order);
}

fn operator(admin: &Admin) -> Actor {
    Actor { user_id: admin.0.sub.get(), admin: true }
}

/// Hides or shows a product.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModerationRequest {
    /// `true` hides the product from everyone but its seller and admins (and from sale);
    /// `false` shows it again.
    pub hidden: bool,
}

/// Any product, hidden ones too (no view is counted).
#[utoipa::path(tag = "market", security(("access_token" = [])), params(("productId" = i64, Path)), extensions(("x-errors" = json!(["USR_009", "MKT_001", "GLB_004"]))), responses(
    (status = 200, description = "The product", body = ApiResponse<ProductResponse>),
))]
#[get("/products/{productId}")]
pub async fn product(
    state: web::Data<AdminState>,
    admin: Admin,
    path: IdPath<ProductId>,
) -> Result<ApiResponse<ProductResponse>, AppError> {
    Ok(ApiResponse::ok(state.market.inspect(operator(&admin), path.0.get()).await?.into()))
}

/// Hides a product (say, a report of a counterfeit) or shows it again. A hidden product is not
/// listed, cannot be ordered, and is shown only to its seller and admins; orders already placed
/// go on.
#[utoipa::path(tag = "market", security(("access_token" = [])), params(("productId" = i64, Path)), request_body = ModerationRequest, extensions(("x-errors" = json!(["USR_009", "MKT_001", "GLB_002", "GLB_004"]))), responses(
    (status = 200, description = "The product after the change", body = ApiResponse<ProductResponse>),
))]
#[patch("/products/{productId}")]
pub async fn moderate(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    path: IdPath<ProductId>,
    body: web::Json<cercat_error::Strict<ModerationRequest>>,
) -> Result<ApiResponse<ProductResponse>, AppError> {
    let changed = state.market.set_hidden(path.0.get(), body.hidden).await?;
    let target = cercat_common::audit::AuditTarget { kind: "product".into(), id: path.0.get().to_string() };
    let action = if body.hidden { "product.hide" } else { "product.show" };
    crate::routes::audit_after(&state, &admin, &req, action, target, &serde_json::json!({ "hidden": body.hidden }))
        .await;
    Ok(ApiResponse::ok(changed.into()))
}

/// Any order with every status it entered.
#[utoipa::path(tag = "market", security(("access_token" = [])), params(("orderId" = i64, Path)), extensions(("x-errors" = json!(["USR_009", "MKT_007", "GLB_004"]))), responses(
    (status = 200, description = "The order", body = ApiResponse<OrderDetailResponse>),
))]
#[get("/orders/{orderId}")]
pub async fn order(
    state: web::Data<AdminState>,
    admin: Admin,
    path: IdPath<OrderId>,
) -> Result<ApiResponse<OrderDetailResponse>, AppError> {
    Ok(ApiResponse::ok(state.market.order(operator(&admin), path.0.get()).await?.into()))
}

//! The study-material market: products (multipart with images), cursor-paged lists and
//! Korean keyword search, likes, orders with coupons, payments, cancels and trade history.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use cercat_common::id::{OrderId, ProductId};
use cercat_error::ApiResponse;
use cercat_market::{
    MarketError,
    model::{MAX_IMAGE_BYTES, MAX_IMAGES},
    service::Actor,
};
use cercat_user::Role;
use serde::de::DeserializeOwned;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    AppState,
    dto::course::PaymentRequest,
    idempotency,
    multipart::{UploadForm, bad_form, unknown_part},
};
use cercat_http::{
    AppError, IdPath,
    auth::{Authenticated, Member},
    dto::market::{
        OrderDetailResponse, OrderListQuery, OrderPage, OrderRequest, OrderResponse, ProductForm, ProductLikeResponse,
        ProductListQuery, ProductPage, ProductPatchRequest, ProductRequest, ProductResponse,
    },
};

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(detail)
        .service(update)
        .service(delete_product)
        .service(like)
        .service(unlike)
        .service(place_order)
        .service(my_orders)
        .service(get_order)
        .service(pay)
        .service(cancel);
}

fn actor(claims: &cercat_user::AccessClaims) -> Actor {
    Actor { user_id: claims.sub.get(), admin: claims.role == Role::Admin }
}

/// Reads the `request` JSON part and up to five `files` images (counted against the caller's
/// daily upload quota); stops at the first part that is too large or unknown.
async fn read_form<T: DeserializeOwned>(form: &mut UploadForm, user_id: i64) -> Result<(T, Vec<Vec<u8>>), AppError> {
    let mut request = None;
    let mut files = Vec::new();
    while let Some((name, mut field)) = form.next_part().await? {
        match name.as_str() {
            "request" if request.is_none() => request = Some(form.read_request::<T>(&mut field).await?),
            "files" | "file" => {
                if files.len() == MAX_IMAGES {
                    return Err(MarketError::InvalidImage(format!("a product has at most {MAX_IMAGES} images")).into());
                }
                let too_big = || {
                    AppError::from(MarketError::InvalidImage(format!(
                        "an image is larger than {MAX_IMAGE_BYTES} bytes"
                    )))
                };
                if let Some(bytes) = form.read_file(&mut field, user_id, MAX_IMAGE_BYTES, too_big).await? {
                    files.push(bytes);
                }
            }
            other => return Err(unknown_part(other, "one `request` part and up to five `files` parts")),
        }
    }
    let request = request.ok_or_else(|| bad_form("the `request` part (JSON) is missing"))?;
    Ok((request, files))
}

/// Lists a product for sale. Multipart: `request` = JSON ([`ProductRequest`]) and 0–5 `files`
/// (PNG/JPEG/GIF/WebP ≤ 5 MiB, checked by content). It starts `ON_SALE`.
#[utoipa::path(tag = "market", security(("access_token" = ["USER"])),
    request_body(content = ProductForm, content_type = "multipart/form-data"),
    extensions(("x-errors" = json!(["GLB_014", "MKT_002", "MKT_013", "CRT_001", "USR_009", "GLB_009", "UPL_001", "GLB_008"]))),
    responses((status = 201, description = "Listed", body = ApiResponse<ProductResponse>)),
)]
#[post("/products")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Member,
    mut form: UploadForm,
) -> Result<ApiResponse<ProductResponse>, AppError> {
    let (request, files) = read_form::<ProductRequest>(&mut form, caller.user_id()).await?;
    let product = state.market.create_product(caller.user_id(), request.into_draft()?, files).await?;
    Ok(ApiResponse::created(product.into()))
}

/// Products, newest first, a page at a time by cursor (no duplicates or gaps while others
/// list): by board, category, status, seller, or a keyword in the title or description.
#[utoipa::path(tag = "market", security(("access_token" = [])), params(ProductListQuery),
    extensions(("x-errors" = json!(["GLB_003", "MKT_002"]))),
    responses((status = 200, description = "A page of products", body = ApiResponse<ProductPage>)),
)]
#[get("/products")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ProductListQuery>,
) -> Result<ApiResponse<ProductPage>, AppError> {
    let filter = query.query()?;
    let page = query.page()?;
    let found = state.market.products(filter, page, caller.user_id()).await?;
    Ok(ApiResponse::ok(ProductPage {
        content: found.content.into_iter().map(Into::into).collect(),
        next_cursor: found.next_cursor,
        has_next: found.has_next,
    }))
}

/// One product, counting the caller's view (once per Seoul day; a seller's own views are not
/// counted).
#[utoipa::path(tag = "market", security(("access_token" = [])), params(("productId" = i64, Path)),
    extensions(("x-errors" = json!(["MKT_001"]))),
    responses((status = 200, description = "The product", body = ApiResponse<ProductResponse>)),
)]
#[get("/products/{productId}")]
pub async fn detail(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<ProductId>,
) -> Result<ApiResponse<ProductResponse>, AppError> {
    let viewer = Actor { user_id: caller.user_id(), admin: caller.0.role == Role::Admin };
    Ok(ApiResponse::ok(state.market.product(path.0.get(), viewer).await?.into()))
}

/// Edits a product (its seller or an admin) while it is `ON_SALE`. Multipart: `request` =
/// JSON ([`ProductPatchRequest`]: the fields given replace the current ones, `removeImageIds`
/// drops images) and 0–5 new `files`.
#[utoipa::path(tag = "market", security(("access_token" = ["USER"])), params(("productId" = i64, Path)),
    request_body(content = ProductForm, content_type = "multipart/form-data"),
    extensions(("x-errors" = json!(["GLB_014", "MKT_002", "MKT_013", "MKT_001", "MKT_003", "MKT_004", "CRT_001", "GLB_009", "UPL_001", "GLB_008"]))),
    responses((status = 200, description = "Updated", body = ApiResponse<ProductResponse>)),
)]
#[patch("/products/{productId}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<ProductId>,
    mut form: UploadForm,
) -> Result<ApiResponse<ProductResponse>, AppError> {
    let (request, files) = read_form::<ProductPatchRequest>(&mut form, caller.user_id()).await?;
    let (patch, removed_images) = request.into_patch()?;
    let product = state.market.update_product(actor(&caller.0), path.0.get(), patch, &removed_images, files).await?;
    Ok(ApiResponse::ok(product.into()))
}

/// Deletes a product (its seller or an admin) while it is `ON_SALE`; past orders keep it in
/// their history.
#[utoipa::path(tag = "market", security(("access_token" = ["USER"])), params(("productId" = i64, Path)),
    extensions(("x-errors" = json!(["MKT_001", "MKT_003", "MKT_004"]))),
    responses((status = 200, description = "Deleted", body = ApiResponse<bool>)),
)]
#[delete("/products/{productId}")]
pub async fn delete_product(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<ProductId>,
) -> Result<ApiResponse<bool>, AppError> {
    state.market.delete_product(actor(&caller.0), path.0.get()).await?;
    Ok(ApiResponse::ok(true))
}

/// Likes a product; liking twice changes nothing.
#[utoipa::path(tag = "market", security(("access_token" = ["USER"])), params(("productId" = i64, Path)),
    extensions(("x-errors" = json!(["MKT_001"]))),
    responses((status = 200, description = "Liked", body = ApiResponse<ProductLikeResponse>)),
)]
#[post("/products/{productId}/likes")]
pub async fn like(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<ProductId>,
) -> Result<ApiResponse<ProductLikeResponse>, AppError> {
    Ok(ApiResponse::ok(state.market.like(caller.user_id(), path.0.get()).await?.into()))
}

/// Takes back the caller's like; without one nothing changes.
#[utoipa::path(tag = "market", security(("access_token" = ["USER"])), params(("productId" = i64, Path)),
    extensions(("x-errors" = json!(["MKT_001"]))),
    responses((status = 200, description = "Not liked", body = ApiResponse<ProductLikeResponse>)),
)]
#[delete("/products/{productId}/likes")]
pub async fn unlike(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<ProductId>,
) -> Result<ApiResponse<ProductLikeResponse>, AppError> {
    Ok(ApiResponse::ok(state.market.unlike(caller.user_id(), path.0.get()).await?.into()))
}

/// Orders a product: the server prices it with the caller's coupons (`{"couponIds": [...]}`,
/// optional), and the product is reserved for this order until `payBy` — of any number of
/// buyers at once exactly one wins; the others get 409 `MKT_005`. Nothing left to pay, the
/// order is `PAID` at once. Honors `Idempotency-Key`.
#[utoipa::path(tag = "market", security(("access_token" = ["USER"])),
    params(
        ("productId" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Retries with the same key get the first response (1–255 visible ASCII characters)"),
    ),
    request_body(content = Option<OrderRequest>, description = "Optional: the coupons to spend"),
    extensions(("x-errors" = json!(["MKT_001", "MKT_005", "MKT_006", "MKT_014", "GLB_002", "IDM_002", "IDM_001", "CPN_001", "CPN_002", "CPN_003", "CPN_004", "CPN_005", "CPN_006", "CPN_007", "CPN_009"]))),
    responses((status = 201, description = "Reserved for the caller", body = ApiResponse<OrderResponse>)),
)]
#[post("/products/{productId}/orders")]
pub async fn place_order(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Member,
    path: IdPath<ProductId>,
    body: web::Bytes,
) -> HttpResponse {
    let user = caller.user_id();
    let id = path.into_inner();
    idempotency::run(&state, &req, user, &body, || async {
        let request: OrderRequest =
            idempotency::optional_json_body(&body, "the body is optional, or JSON like {\"couponIds\": [12]}")?;
        let coupons: Vec<i64> = request.coupon_ids.iter().map(|c| c.get()).collect();
        let order = state.market.place_order(user, id.get(), &coupons).await?;
        Ok(idempotency::respond(&req, ApiResponse::created(OrderResponse::from(order))))
    })
    .await
}

/// The caller's trades, newest first by cursor: `role=BUYER` (default) for orders placed,
/// `SELLER` for orders of the caller's products.
#[utoipa::path(tag = "market", security(("access_token" = ["USER"])), params(OrderListQuery),
    extensions(("x-errors" = json!(["GLB_003"]))),
    responses((status = 200, description = "A page of orders", body = ApiResponse<OrderPage>)),
)]
#[get("/orders/me")]
pub async fn my_orders(
    state: web::Data<AppState>,
    caller: Member,
    query: web::Query<OrderListQuery>,
) -> Result<ApiResponse<OrderPage>, AppError> {
    let (role, page) = query.parse()?;
    let found = state.market.orders(caller.user_id(), role, page).await?;
    Ok(ApiResponse::ok(OrderPage {
        content: found.content.into_iter().map(Into::into).collect(),
        next_cursor: found.next_cursor,
        has_next: found.has_next,
    }))
}

/// One order with every status it entered (its buyer or seller).
#[utoipa::path(tag = "market", security(("access_token" = ["USER"])), params(("orderId" = i64, Path)),
    extensions(("x-errors" = json!(["MKT_007"]))),
    responses((status = 200, description = "The order", body = ApiResponse<OrderDetailResponse>)),
)]
#[get("/orders/{orderId}")]
pub async fn get_order(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<OrderId>,
) -> Result<ApiResponse<OrderDetailResponse>, AppError> {
    Ok(ApiResponse::ok(state.market.order(actor(&caller.0), path.0.get()).await?.into()))
}

/// Confirms the buyer's payment with the gateway (the amount is the server's; the key must be
/// the gateway's for this order) → `PAID`, the product `SOLD`. A payment landing after the
/// order was released is refunded (409 `MKT_009`). Honors `Idempotency-Key`.
#[utoipa::path(tag = "market", security(("access_token" = ["USER"])),
    params(
        ("orderId" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Retries with the same key get the first response (1–255 visible ASCII characters)"),
    ),
    request_body = PaymentRequest,
    extensions(("x-errors" = json!(["MKT_002", "GLB_002", "MKT_010", "MKT_007", "MKT_008", "MKT_009", "MKT_011", "IDM_002", "IDM_001", "GLB_008"]))),
    responses((status = 200, description = "Paid", body = ApiResponse<OrderResponse>)),
)]
#[post("/orders/{orderId}/payments")]
pub async fn pay(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Member,
    path: IdPath<OrderId>,
    body: web::Bytes,
) -> HttpResponse {
    let user = caller.user_id();
    let id = path.into_inner();
    idempotency::run(&state, &req, user, &body, || async {
        let payment: PaymentRequest =
            idempotency::json_body(&body, "the body must be JSON like {\"paymentKey\": \"…\"}")?;
        let order = state.market.pay(user, id.get(), &payment.payment_key).await?;
        Ok(idempotency::respond(&req, ApiResponse::ok(OrderResponse::from(order))))
    })
    .await
}

/// Cancels an order (its buyer or seller): unpaid, the reservation ends (`CANCELLED`); paid,
/// the gateway refunds first (`REFUNDED`). The product goes back on sale and the coupons back
/// to the buyer, exactly once. Honors `Idempotency-Key`.
#[utoipa::path(tag = "market", security(("access_token" = ["USER"])),
    params(
        ("orderId" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Retries with the same key get the first response (1–255 visible ASCII characters)"),
    ),
    extensions(("x-errors" = json!(["MKT_007", "MKT_012", "MKT_010", "IDM_002", "IDM_001", "GLB_008"]))),
    responses((status = 200, description = "Cancelled or refunded", body = ApiResponse<OrderResponse>)),
)]
#[post("/orders/{orderId}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Member,
    path: IdPath<OrderId>,
) -> HttpResponse {
    let user = actor(&caller.0);
    let id = path.into_inner();
    idempotency::run(&state, &req, user.user_id, b"", || async {
        let order = state.market.cancel(user, id.get()).await?;
        Ok(idempotency::respond(&req, ApiResponse::ok(OrderResponse::from(order))))
    })
    .await
}

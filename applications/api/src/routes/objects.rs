//! `/objects/{key}`: serves stored images when the storage has no public URL of its own
//! (embedded mode's local directory). In production the URL points at GCS instead.

use actix_web::{HttpResponse, get, http::header, web};
use cercat_error::{ApiError, ErrorCode};

use crate::AppState;
use cercat_http::AppError;

fn content_type(key: &str) -> &'static str {
    match key.rsplit('.').next().map(str::to_ascii_lowercase).as_deref() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        _ => "application/octet-stream",
    }
}

/// A stored object.
#[utoipa::path(
    tag = "operations",
    params(("key" = String, Path, description = "Object key, e.g. profile/1/abc.png")),
    extensions(("x-errors" = json!(["GLB_006"]))),
    responses(
        (status = 200, description = "The object's bytes", content_type = "image/*"),
    )
)]
#[get("/objects/{key:.+}")]
pub async fn get_object(state: web::Data<AppState>, key: web::Path<String>) -> Result<HttpResponse, AppError> {
    let key = key.into_inner();
    if !cercat_common::storage::is_valid_key(&key) {
        return Err(AppError(ApiError::new(ErrorCode::ROUTE_NOT_FOUND, "no such object")));
    }
    match state.services.images.get(&key).await {
        Ok(Some(bytes)) => Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, content_type(&key)))
            .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
            .insert_header(("X-Content-Type-Options", "nosniff"))
            .body(bytes)),
        Ok(None) => Err(AppError(ApiError::new(ErrorCode::ROUTE_NOT_FOUND, "no such object"))),
        Err(err) => Err(err.into()),
    }
}

//! `/api/v2/users/me…`: profile, onboarding, password change, withdrawal.

use crate::multipart::{UploadForm, missing_part, unknown_part};
use actix_web::{HttpRequest, delete, get, patch, post, web};
use cercat_error::ApiResponse;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    AppState,
    dto::auth::{
        CodeSent, EmailChangeCodeRequest, EmailChangeRequest, MeResponse, PasswordChangeRequest, ProfileForm,
        ProfilePatch, TokenResponse,
    },
};
use cercat_http::{AppError, Valid, auth::Authenticated};

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(me)
        .service(update_me)
        .service(withdraw)
        .service(onboarding)
        .service(change_password)
        .service(request_email_code)
        .service(change_email);
}

/// The caller's profile.
#[utoipa::path(
    tag = "users",
    security(("access_token" = [])),
    extensions(("x-errors" = json!(["USR_007"]))),
    responses(
        (status = 200, description = "The caller", body = ApiResponse<MeResponse>),
    )
)]
#[get("/users/me")]
pub async fn me(state: web::Data<AppState>, caller: Authenticated) -> Result<ApiResponse<MeResponse>, AppError> {
    Ok(ApiResponse::ok(state.accounts.me(caller.user_id()).await?.into()))
}

/// Changes the nickname and/or the profile image. Multipart: a `request` part with JSON
/// `{"nickname": …}` and an optional `file` part (PNG/JPEG/GIF/WebP ≤ 5 MiB, checked by
/// content; the string `undefined` counts as no file, as Cercat's client sends it).
#[utoipa::path(
    tag = "users",
    security(("access_token" = [])),
    request_body(content = ProfileForm, content_type = "multipart/form-data"),
    extensions(("x-errors" = json!(["GLB_014", "USR_001", "USR_014", "USR_003", "GLB_009", "UPL_001", "GLB_008"]))),
    responses(
        (status = 200, description = "The updated profile", body = ApiResponse<MeResponse>),
    )
)]
#[patch("/users/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    caller: Authenticated,
    mut form: UploadForm,
) -> Result<ApiResponse<MeResponse>, AppError> {
    let max_image = 5 * 1024 * 1024;
    let mut patch = None;
    let mut image = None;
    while let Some((name, mut field)) = form.next_part().await? {
        match name.as_str() {
            "request" if patch.is_none() => patch = Some(form.read_request::<ProfilePatch>(&mut field).await?),
            "file" if image.is_none() => {
                let too_big =
                    || AppError::from(cercat_user::UserError::InvalidImage(format!("larger than {max_image} bytes")));
                image = form.read_file(&mut field, caller.user_id(), max_image, too_big).await?;
            }
            // Reading stops at a part this endpoint does not take.
            other => return Err(unknown_part(other, "a `request` part and one `file` part")),
        }
    }
    let patch = patch.ok_or_else(|| missing_part("request"))?;
    let profile = state.accounts.update_profile(caller.user_id(), patch.nickname.as_deref(), image).await?;
    Ok(ApiResponse::ok(profile.into()))
}

/// Withdraws the caller: hidden everywhere, every session ends; recoverable for a year.
#[utoipa::path(
    tag = "users",
    security(("access_token" = [])),
    extensions(("x-errors" = json!(["USR_007"]))),
    responses(
        (status = 200, description = "Withdrawn", body = ApiResponse<String>),
    )
)]
#[delete("/users/me")]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<ApiResponse<&'static str>, AppError> {
    state.accounts.withdraw(&caller.0).await?;
    Ok(ApiResponse::ok("WITHDRAWN"))
}

/// Finishes onboarding: GUEST becomes USER. Returns tokens carrying the new role.
#[utoipa::path(
    tag = "users",
    security(("access_token" = [])),
    extensions(("x-errors" = json!(["USR_007"]))),
    responses(
        (status = 200, description = "New tokens with role USER", body = ApiResponse<TokenResponse>),
    )
)]
#[post("/users/me/onboarding")]
pub async fn onboarding(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<ApiResponse<TokenResponse>, AppError> {
    Ok(ApiResponse::ok(state.accounts.complete_onboarding(&caller.0).await?.into()))
}

/// Changes the password (the current one is required); every other session ends.
#[utoipa::path(
    tag = "users",
    security(("access_token" = [])),
    request_body = PasswordChangeRequest,
    extensions(("x-errors" = json!(["USR_004", "USR_012", "USR_011"]))),
    responses(
        (status = 200, description = "Changed", body = ApiResponse<String>),
    )
)]
#[patch("/users/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: Valid<PasswordChangeRequest>,
) -> Result<ApiResponse<&'static str>, AppError> {
    state.accounts.change_password(&caller.0, &body.0.current_password, &body.0.new_password).await?;
    Ok(ApiResponse::ok("CHANGED"))
}

/// Mails a code to a new email address, to confirm an email change.
#[utoipa::path(
    tag = "users",
    security(("access_token" = [])),
    request_body = EmailChangeCodeRequest,
    extensions(("x-errors" = json!(["USR_002", "USR_011"]))),
    responses(
        (status = 201, description = "The code was queued for mailing", body = ApiResponse<CodeSent>),
    )
)]
#[post("/users/me/email-codes")]
pub async fn request_email_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Authenticated,
    body: Valid<EmailChangeCodeRequest>,
) -> Result<ApiResponse<CodeSent>, AppError> {
    let ip = state.proxies.client_ip(&req);
    state.accounts.request_email_change_code(caller.user_id(), &body.0.new_email, &ip).await?;
    Ok(ApiResponse::created(CodeSent { expires_in_seconds: 300 }))
}

/// Changes the email (current password + the code sent to the new address); every other
/// session ends.
#[utoipa::path(
    tag = "users",
    security(("access_token" = [])),
    request_body = EmailChangeRequest,
    extensions(("x-errors" = json!(["USR_005", "USR_012", "USR_011", "USR_002"]))),
    responses(
        (status = 200, description = "The updated profile", body = ApiResponse<MeResponse>),
    )
)]
#[patch("/users/me/email")]
pub async fn change_email(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: Valid<EmailChangeRequest>,
) -> Result<ApiResponse<MeResponse>, AppError> {
    let b = body.0;
    Ok(ApiResponse::ok(
        state.accounts.change_email(&caller.0, &b.current_password, &b.new_email, &b.code).await?.into(),
    ))
}

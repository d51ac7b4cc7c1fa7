//! `/api/v2/auth/…` and `/api/v2/logout`: sign-up, sign-in, refresh, sign-out, recovery.

use actix_web::{HttpRequest, patch, post, web};
use cercat_error::ApiResponse;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{AppState, dto::auth::*};
use cercat_http::{AppError, Valid, auth::Authenticated};

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(request_code)
        .service(signup)
        .service(login)
        .service(refresh)
        .service(logout)
        .service(request_recovery_code)
        .service(recover);
}

fn ip(state: &AppState, req: &HttpRequest) -> String {
    state.proxies.client_ip(req)
}

/// Step 1 of sign-up: mails a 6-digit code valid 5 minutes. At most one per minute and five
/// per hour per email, twenty per hour per IP.
#[utoipa::path(
    tag = "auth",
    request_body = EmailRequest,
    extensions(("x-errors" = json!(["GLB_002", "GLB_005", "USR_001", "USR_002", "USR_011"]))),
    responses(
        (status = 201, description = "The code was queued for mailing", body = ApiResponse<CodeSent>),
    )
)]
#[post("/auth/email-codes")]
pub async fn request_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Valid<EmailRequest>,
) -> Result<ApiResponse<CodeSent>, AppError> {
    state.accounts.request_signup_code(&body.0.email, &ip(&state, &req)).await?;
    Ok(ApiResponse::created(CodeSent { expires_in_seconds: 300 }))
}

/// Step 2: verifies the code and creates a GUEST account; returns its first tokens. That the
/// email is taken is told only after a right code. Ten tries per address and thirty per client
/// in 15 minutes.
#[utoipa::path(
    tag = "auth",
    request_body = SignupRequest,
    extensions(("x-errors" = json!(["USR_001", "USR_004", "USR_005", "USR_002", "USR_003", "USR_011"]))),
    responses(
        (status = 201, description = "The account and its tokens", body = ApiResponse<SignupResponse>),
    )
)]
#[post("/auth/signup")]
pub async fn signup(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Valid<SignupRequest>,
) -> Result<ApiResponse<SignupResponse>, AppError> {
    let b = body.0;
    let client = ip(&state, &req);
    let user = state.accounts.signup(&b.email, &b.code, &b.password, &b.nickname, &client).await?;
    let via = cercat_user::sign_ins::SignInVia::new(cercat_user::sign_ins::SignInMethod::Signup, Some(&client));
    let tokens = state.accounts.start_session(&user, &via).await?;
    Ok(ApiResponse::created(SignupResponse {
        user_id: user.id,
        email: user.email,
        nickname: user.nickname,
        role: user.role.as_str().to_owned(),
        tokens: tokens.into(),
    }))
}

/// Signs in. Five tries per account from one client, thirty failures from one client, or a
/// hundred failures for one account from everywhere in 15 minutes make further tries wait
/// (429, `Retry-After`); a stranger's failures never lock the owner's own client out.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    extensions(("x-errors" = json!(["USR_006", "USR_011"]))),
    responses(
        (status = 200, description = "Tokens", body = ApiResponse<TokenResponse>),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Valid<LoginRequest>,
) -> Result<ApiResponse<TokenResponse>, AppError> {
    let pair = state.accounts.login(&body.0.email, &body.0.password, &ip(&state, &req)).await?;
    Ok(ApiResponse::ok(pair.into()))
}

/// Exchanges a refresh token for a new pair (the old one is spent; replaying it ends the
/// session). Cercat's client may instead send any request with a `Refresh-Token` header: it
/// is answered 201 with `access-token`/`refresh-token` response headers.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    extensions(("x-errors" = json!(["USR_007", "USR_008"]))),
    responses(
        (status = 200, description = "A new pair", body = ApiResponse<TokenResponse>),
    )
)]
#[post("/auth/token/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: Valid<RefreshRequest>,
) -> Result<ApiResponse<TokenResponse>, AppError> {
    Ok(ApiResponse::ok(state.accounts.refresh(&body.0.refresh_token).await?.into()))
}

/// Signs out this session: its refresh tokens are revoked and its access token is refused
/// from now on.
#[utoipa::path(
    tag = "auth",
    security(("access_token" = [])),
    extensions(("x-errors" = json!(["USR_007"]))),
    responses(
        (status = 200, description = "Signed out", body = ApiResponse<String>),
    )
)]
#[patch("/logout")]
pub async fn logout(state: web::Data<AppState>, caller: Authenticated) -> Result<ApiResponse<&'static str>, AppError> {
    state.accounts.logout(&caller.0).await?;
    Ok(ApiResponse::ok("SIGNED_OUT"))
}

/// Mails a recovery code to the address's account. Every address gets the same answer
/// (unknown ones no mail), so this does not tell who is registered or withdrawn.
#[utoipa::path(
    tag = "auth",
    request_body = EmailRequest,
    extensions(("x-errors" = json!(["USR_011"]))),
    responses(
        (status = 201, description = "A code was queued for mailing if the address has an account", body = ApiResponse<CodeSent>),
    )
)]
#[post("/auth/recovery-codes")]
pub async fn request_recovery_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Valid<EmailRequest>,
) -> Result<ApiResponse<CodeSent>, AppError> {
    state.accounts.request_recovery_code(&body.0.email, &ip(&state, &req)).await?;
    Ok(ApiResponse::created(CodeSent { expires_in_seconds: 300 }))
}

/// Restores a withdrawn account with its recovery code and signs it in.
#[utoipa::path(
    tag = "auth",
    request_body = RecoverRequest,
    extensions(("x-errors" = json!(["USR_005", "USR_013", "USR_011"]))),
    responses(
        (status = 200, description = "Restored; tokens for a new session", body = ApiResponse<TokenResponse>),
    )
)]
#[post("/auth/recover")]
pub async fn recover(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Valid<RecoverRequest>,
) -> Result<ApiResponse<TokenResponse>, AppError> {
    let ip = ip(&state, &req);
    Ok(ApiResponse::ok(state.accounts.recover(&body.0.email, &body.0.code, &ip).await?.into()))
}

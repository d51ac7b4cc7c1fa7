//! Accounts for operators: find them, look at one, change its role, suspend and unsuspend it.
//! Each change ends the account's sessions at once and is written to the audit log.

use actix_web::{HttpRequest, delete, get, patch, post, web};
use cercat_common::{audit::Actor, id::UserId, paging::KeysetRequest};
use cercat_error::ApiResponse;
use cercat_http::{AppError, IdPath, auth::Admin};
use cercat_user::{Role, User, UserStatus, service::admin::Operator};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::AdminState;

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(detail).service(change_role).service(suspend).service(unsuspend);
}

/// The acting ADMIN and the address their request came from (the TCP peer: the admin port is
/// not meant to sit behind a public proxy).
pub(crate) fn operator(admin: &Admin, req: &HttpRequest) -> Operator {
    Operator { actor: Actor::Admin(admin.user_id()), client: req.peer_addr().map(|a| a.ip().to_string()) }
}

/// A suspension as operators see it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SuspensionResponse {
    /// The operator's reason (never shown to the user).
    pub reason: String,
    /// When it ends by itself; `null` = until an operator lifts it.
    pub until: Option<DateTime<Utc>>,
    /// When it was put in place.
    pub since: DateTime<Utc>,
    /// Whether it is in force now (`false` once `until` has passed).
    pub in_force: bool,
}

/// An account as operators see it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    /// The account's id.
    pub user_id: i64,
    /// Its (normalised) email.
    pub email: String,
    /// Its nickname.
    pub nickname: String,
    /// `GUEST` (onboarding not finished), `USER`, `INSTRUCTOR` or `ADMIN`.
    #[schema(example = "USER")]
    pub role: String,
    /// `ACTIVE`, `SUSPENDED` or `WITHDRAWN`, now.
    #[schema(example = "ACTIVE")]
    pub status: String,
    /// The account's suspension, if one was put on it and not lifted (it may have run out).
    pub suspension: Option<SuspensionResponse>,
    /// Whether it signs in with a password (otherwise with an OAuth provider only).
    pub has_password: bool,
    /// When it was withdrawn by its owner, if it was.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl UserResponse {
    fn new(user: &User, now: DateTime<Utc>) -> Self {
        let status = match user.status_at(now) {
            UserStatus::Active => "ACTIVE",
            UserStatus::Suspended => "SUSPENDED",
            UserStatus::Withdrawn => "WITHDRAWN",
        };
        Self {
            user_id: user.id,
            email: user.email.clone(),
            nickname: user.nickname.clone(),
            role: user.role.as_str().to_owned(),
            status: status.to_owned(),
            suspension: user.suspension.as_ref().map(|s| SuspensionResponse {
                reason: s.reason.clone(),
                until: s.until,
                since: s.since,
                in_force: user.suspension_at(now).is_some(),
            }),
            has_password: user.password_hash.is_some(),
            withdrawn_at: user.withdrawn_at,
            created_at: user.created_at,
        }
    }
}

/// A keyset page of accounts, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserPage {
    /// The accounts.
    pub content: Vec<UserResponse>,
    /// Pass as `cursor` for the next page (`null` on the last).
    pub next_cursor: Option<String>,
    /// Whether another page exists.
    pub has_next: bool,
}

/// `GET /users` filters and cursor.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct UserListQuery {
    /// Email or nickname contains this (1–100 characters).
    #[param(max_length = 100)]
    pub query: Option<String>,
    /// `GUEST`, `USER`, `INSTRUCTOR` or `ADMIN` (blank: any).
    #[param(
        pattern = "^[\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*(GUEST|USER|INSTRUCTOR|ADMIN)?[\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$"
    )]
    pub role: Option<String>,
    /// `ACTIVE`, `SUSPENDED` or `WITHDRAWN` (blank: any).
    #[param(
        pattern = "^[\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*(ACTIVE|SUSPENDED|WITHDRAWN)?[\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$"
    )]
    pub status: Option<String>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1–100 (default 10).
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<i64>,
}

/// The one place the admin API turns `cursor`/`size` into a keyset request.
/// `name` names the list, so a cursor of another list is refused.
pub(crate) fn keyset(name: &str, cursor: Option<&str>, size: Option<i64>) -> Result<KeysetRequest, AppError> {
    KeysetRequest::parse(name, cursor, size).map_err(|e| AppError::invalid_query(e.field, &e.reason))
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Accounts, newest first: email or nickname search, by role and by status (withdrawn ones
/// shown as such).
#[utoipa::path(tag = "users", security(("access_token" = [])), params(UserListQuery), extensions(("x-errors" = json!(["USR_009", "USR_001", "GLB_003"]))), responses(
    (status = 200, description = "A page of accounts", body = ApiResponse<UserPage>),
))]
#[get("/users")]
pub async fn list(
    state: web::Data<AdminState>,
    _admin: Admin,
    query: web::Query<UserListQuery>,
) -> Result<ApiResponse<UserPage>, AppError> {
    let role = blank(&query.role)
        .map(|r| {
            Role::parse(r).ok_or_else(|| AppError::invalid_query("role", "must be GUEST, USER, INSTRUCTOR or ADMIN"))
        })
        .transpose()?;
    let status = blank(&query.status)
        .map(|s| {
            UserStatus::parse(s)
                .ok_or_else(|| AppError::invalid_query("status", "must be ACTIVE, SUSPENDED or WITHDRAWN"))
        })
        .transpose()?;
    let page = keyset("admin:users", query.cursor.as_deref(), query.size)?;
    let found = state.accounts.accounts(blank(&query.query), role, status, &page).await?;
    let now = state.services.clock.now();
    Ok(ApiResponse::ok(UserPage {
        content: found.content.iter().map(|u| UserResponse::new(u, now)).collect(),
        next_cursor: found.next_cursor,
        has_next: found.has_next,
    }))
}

/// One account, withdrawn ones too, with its sign-in history: the last 30 days' counts and the
/// newest 10 attempts (how, from where, and whether each started session is still live).
#[utoipa::path(tag = "users", security(("access_token" = [])), params(("userId" = i64, Path)), extensions(("x-errors" = json!(["USR_009", "USR_010", "GLB_004"]))), responses(
    (status = 200, description = "The account and its sign-ins", body = ApiResponse<UserDetailResponse>),
))]
#[get("/users/{userId}")]
pub async fn detail(
    state: web::Data<AdminState>,
    _admin: Admin,
    path: IdPath<UserId>,
) -> Result<ApiResponse<UserDetailResponse>, AppError> {
    let (user, history) = state.accounts.account_detail(path.0.get()).await?;
    let counts = history.last_30_days;
    Ok(ApiResponse::ok(UserDetailResponse {
        user: UserResponse::new(&user, state.services.clock.now()),
        sign_ins: SignInSummaryResponse {
            last_signed_in_at: history.last_signed_in_at,
            succeeded_last_30_days: counts.succeeded,
            wrong_password_last_30_days: counts.wrong_password,
            refused_suspended_last_30_days: counts.suspended,
        },
        recent_sign_ins: history.recent.into_iter().map(|(e, live)| RecentSignInResponse::new(e, live)).collect(),
    }))
}

/// An account with its sign-in history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserDetailResponse {
    /// The account.
    #[serde(flatten)]
    pub user: UserResponse,
    /// Counts over the last 30 days.
    pub sign_ins: SignInSummaryResponse,
    /// The newest 10 sign-in attempts, newest first; each started session says whether it is
    /// still live (holds a refresh token).
    pub recent_sign_ins: Vec<RecentSignInResponse>,
}

/// A user's sign-ins over the last 30 days (history is kept 90 days).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignInSummaryResponse {
    /// When the account last started a session, within the kept history.
    pub last_signed_in_at: Option<DateTime<Utc>>,
    /// Sessions started.
    pub succeeded_last_30_days: u64,
    /// Wrong passwords given for this account.
    pub wrong_password_last_30_days: u64,
    /// Sign-ins refused because the account was suspended.
    pub refused_suspended_last_30_days: u64,
}

/// One sign-in attempt.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecentSignInResponse {
    /// When.
    pub at: DateTime<Utc>,
    /// `password`, `signup`, `recovery` or `oauth:<provider>`.
    #[schema(example = "password")]
    pub method: String,
    /// `SUCCEEDED`, `WRONG_PASSWORD` or `SUSPENDED`.
    #[schema(example = "SUCCEEDED")]
    pub outcome: String,
    /// The client's address as the server saw it.
    pub client_address: Option<String>,
    /// The session it started (SUCCEEDED only).
    pub session_id: Option<String>,
    /// Whether that session is still live.
    pub session_live: bool,
}

impl RecentSignInResponse {
    fn new(entry: cercat_user::sign_ins::SignIn, live: bool) -> Self {
        Self {
            at: entry.at,
            method: entry.method.as_stored(),
            outcome: entry.outcome.as_str().to_owned(),
            client_address: entry.client,
            session_id: entry.session,
            session_live: live,
        }
    }
}

/// The role to give.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleRequest {
    /// `USER`, `INSTRUCTOR` or `ADMIN`.
    #[schema(example = "INSTRUCTOR", pattern = "^(USER|INSTRUCTOR|ADMIN)$")]
    pub role: String,
}

/// Gives a member a role. Takes effect at once: the account's sessions end (on every instance;
/// its access tokens are refused, its streams close), so its next sign-in carries the new role.
/// A GUEST (onboarding not finished) gets no role (USR_018); the last ADMIN keeps theirs
/// (USR_019). Audited.
#[utoipa::path(tag = "users", security(("access_token" = [])), params(("userId" = i64, Path)), request_body = RoleRequest, extensions(("x-errors" = json!(["USR_009", "USR_001", "USR_010", "USR_018", "USR_019", "GLB_002", "GLB_004"]))), responses(
    (status = 200, description = "The account after the change", body = ApiResponse<UserResponse>),
))]
#[patch("/users/{userId}/role")]
pub async fn change_role(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    path: IdPath<UserId>,
    body: web::Json<cercat_error::Strict<RoleRequest>>,
) -> Result<ApiResponse<UserResponse>, AppError> {
    let role =
        Role::parse(body.role.trim()).filter(|r| *r != Role::Guest).ok_or(cercat_user::UserError::InvalidField {
            field: "role",
            reason: "must be USER, INSTRUCTOR or ADMIN".into(),
        })?;
    let user = state.accounts.change_role(&operator(&admin, &req), path.0.get(), role).await?;
    Ok(ApiResponse::ok(UserResponse::new(&user, state.services.clock.now())))
}

/// A suspension to put on an account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SuspensionRequest {
    /// Why, 1–500 characters (kept for operators; the user is told only the end).
    #[schema(example = "광고 도배 (신고 3건)", min_length = 1, max_length = 500)]
    pub reason: String,
    /// RFC 3339, in the future; absent = until an operator lifts it.
    #[schema(example = "2027-01-01T00:00:00+09:00", format = DateTime)]
    pub until: Option<String>,
}

/// Suspends an account: its sessions end at once on every instance (streams too), and
/// sign-in and refresh answer 403 USR_020 with the end date until it is over or lifted. A new
/// suspension replaces the one in force. ADMIN accounts are not suspended (USR_021). Audited.
#[utoipa::path(tag = "users", security(("access_token" = [])), params(("userId" = i64, Path)), request_body = SuspensionRequest, extensions(("x-errors" = json!(["USR_009", "USR_001", "USR_010", "USR_021", "GLB_002", "GLB_004"]))), responses(
    (status = 200, description = "The account, suspended", body = ApiResponse<UserResponse>),
))]
#[post("/users/{userId}/suspension")]
pub async fn suspend(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    path: IdPath<UserId>,
    body: web::Json<cercat_error::Strict<SuspensionRequest>>,
) -> Result<ApiResponse<UserResponse>, AppError> {
    let until = body
        .until
        .as_deref()
        .map(|raw| {
            DateTime::parse_from_rfc3339(raw.trim()).map(|t| t.with_timezone(&Utc)).map_err(|_| {
                cercat_user::UserError::InvalidField {
                    field: "until",
                    reason: "must be an RFC 3339 date-time like 2027-01-01T00:00:00+09:00".into(),
                }
            })
        })
        .transpose()?;
    let user = state.accounts.suspend(&operator(&admin, &req), path.0.get(), &body.reason, until).await?;
    Ok(ApiResponse::ok(UserResponse::new(&user, state.services.clock.now())))
}

/// Lifts an account's suspension (an account without one is answered as it is). Audited.
#[utoipa::path(tag = "users", security(("access_token" = [])), params(("userId" = i64, Path)), extensions(("x-errors" = json!(["USR_009", "USR_010", "GLB_004"]))), responses(
    (status = 200, description = "The account, not suspended", body = ApiResponse<UserResponse>),
))]
#[delete("/users/{userId}/suspension")]
pub async fn unsuspend(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    path: IdPath<UserId>,
) -> Result<ApiResponse<UserResponse>, AppError> {
    let user = state.accounts.unsuspend(&operator(&admin, &req), path.0.get()).await?;
    Ok(ApiResponse::ok(UserResponse::new(&user, state.services.clock.now())))
}

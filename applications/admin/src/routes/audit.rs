//! The operators' audit log: what admins (and the CLI) did, newest first.

use actix_web::{get, web};
use cercat_common::audit::{Actor, AuditFilter, AuditRecord, AuditTarget};
use cercat_error::ApiResponse;
use cercat_http::{AppError, auth::Admin};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::AdminState;

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list);
}

/// One recorded action.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryResponse {
    /// The entry's id.
    pub audit_id: i64,
    /// Who: the ADMIN's user id as text, or `cli`.
    #[schema(example = "1")]
    pub actor: String,
    /// What, e.g. `user.role.change`, `user.suspend`, `user.unsuspend`.
    #[schema(example = "user.role.change")]
    pub action: String,
    /// To what: `kind:id`, e.g. `user:42`.
    #[schema(example = "user:42")]
    pub target: String,
    /// The target's relevant state before.
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// … and after.
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    /// When.
    pub at: DateTime<Utc>,
    /// The client's address as the admin server saw it (`null` for the CLI).
    pub client_address: Option<String>,
}

impl From<AuditRecord> for AuditEntryResponse {
    fn from(r: AuditRecord) -> Self {
        Self {
            audit_id: r.id,
            actor: r.entry.actor.as_stored(),
            action: r.entry.action,
            target: r.entry.target.to_string(),
            before: r.entry.before,
            after: r.entry.after,
            at: r.entry.at,
            client_address: r.entry.client,
        }
    }
}

/// A keyset page of audit entries, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    /// The entries.
    pub content: Vec<AuditEntryResponse>,
    /// Pass as `cursor` for the next page (`null` on the last).
    pub next_cursor: Option<String>,
    /// Whether another page exists.
    pub has_next: bool,
}

/// `GET /audit` filters and cursor.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct AuditQuery {
    /// Only this actor's entries: an ADMIN's user id, or `cli` (blank: anyone).
    #[param(
        pattern = "^[\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*(cli|0*[1-9][0-9]{0,17})?[\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$"
    )]
    pub actor: Option<String>,
    /// Only entries about this target, `kind:id` (e.g. `user:42`; blank: any).
    #[param(
        pattern = "^[\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*([^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000:]{1,64}:[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]{1,64})?[\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$"
    )]
    pub target: Option<String>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1–100 (default 10).
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<i64>,
}

/// The audit log, newest first, by actor and/or target. Entries are never changed or removed.
#[utoipa::path(tag = "audit", security(("access_token" = [])), params(AuditQuery), extensions(("x-errors" = json!(["USR_009", "GLB_003"]))), responses(
    (status = 200, description = "A page of entries", body = ApiResponse<AuditPage>),
))]
#[get("/audit")]
pub async fn list(
    state: web::Data<AdminState>,
    _admin: Admin,
    query: web::Query<AuditQuery>,
) -> Result<ApiResponse<AuditPage>, AppError> {
    let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let filter = AuditFilter {
        actor: blank(&query.actor)
            .map(|a| Actor::parse(&a).ok_or_else(|| AppError::invalid_query("actor", "must be a user id or `cli`")))
            .transpose()?,
        target: blank(&query.target)
            .map(|t| {
                AuditTarget::parse(&t)
                    .ok_or_else(|| AppError::invalid_query("target", "must be `kind:id`, e.g. user:42"))
            })
            .transpose()?,
    };
    let page = super::users::keyset("admin:audit", query.cursor.as_deref(), query.size)?;
    let found = state.services.audit.page(&filter, &page).await.map_err(cercat_user::UserError::Store)?;
    Ok(ApiResponse::ok(AuditPage {
        content: found.content.into_iter().map(AuditEntryResponse::from).collect(),
        next_cursor: found.next_cursor,
        has_next: found.has_next,
    }))
}

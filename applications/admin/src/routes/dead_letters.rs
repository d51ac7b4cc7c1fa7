//! The dead-letter queue over HTTP — what consumer groups gave up on — with the same operations
//! as `cercat-admin dlq`: list the waiting letters (optionally of one group) with their payload
//! and last error, and replay them into the outbox, oldest first.

use actix_web::{HttpRequest, get, post, web};
use cercat_common::events::DeadLetter;
use cercat_error::ApiResponse;
use cercat_http::{AppError, auth::Admin};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::AdminState;

/// Most letters one call lists or replays.
const MAX_LETTERS: usize = 1000;

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(replay);
}

/// Which letters to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct LetterQuery {
    /// Only this consumer group's letters (e.g. `alarm.store`).
    pub group: Option<String>,
    /// At most this many of the oldest waiting letters are looked at, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// A dead letter.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LetterResponse {
    /// The letter's id.
    pub id: String,
    /// The consumer group that gave up.
    pub group: String,
    /// The topic the message came from.
    pub topic: String,
    /// Its key.
    pub key: Option<String>,
    /// The event's type and id, when the message was an event.
    pub event_type: Option<String>,
    /// The event's id.
    pub event_id: Option<String>,
    /// The event's payload, or the raw message when it was not an event.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// The last failure.
    pub error: String,
    /// Handling attempts made.
    pub attempts: u32,
    /// When the group gave up.
    pub failed_at: DateTime<Utc>,
}

impl From<DeadLetter> for LetterResponse {
    fn from(l: DeadLetter) -> Self {
        let (event_type, event_id, payload) = match l.event {
            Some(e) => (Some(e.event_type), Some(e.id.to_string()), e.payload),
            None => (None, None, serde_json::Value::String(l.payload.unwrap_or_default())),
        };
        Self {
            id: l.id.to_string(),
            group: l.group,
            topic: l.topic,
            key: l.key,
            event_type,
            event_id,
            payload,
            error: l.error,
            attempts: l.attempts,
            failed_at: l.failed_at,
        }
    }
}

/// The waiting letters and how many wait in all.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LettersResponse {
    /// Letters waiting in all (every group).
    pub waiting: u64,
    /// The letters listed, oldest first.
    pub letters: Vec<LetterResponse>,
}

fn limit(raw: Option<usize>, default: usize) -> Result<usize, AppError> {
    let n = raw.unwrap_or(default);
    if (1..=MAX_LETTERS).contains(&n) {
        Ok(n)
    } else {
        Err(AppError::invalid_query("limit", &format!("must be between 1 and {MAX_LETTERS}")))
    }
}

/// The oldest waiting dead letters (of one group, if asked), with their payload and last error.
#[utoipa::path(tag = "operations", security(("access_token" = [])), params(LetterQuery), extensions(("x-errors" = json!(["USR_009", "GLB_003"]))), responses(
    (status = 200, description = "The letters, oldest first", body = ApiResponse<LettersResponse>),
))]
#[get("/dead-letters")]
pub async fn list(
    state: web::Data<AdminState>,
    _admin: Admin,
    query: web::Query<LetterQuery>,
) -> Result<ApiResponse<LettersResponse>, AppError> {
    let n = limit(query.limit, 100)?;
    let backlog = &state.services.backlog;
    let letters = backlog.dead_letters(n).await?;
    let group = query.group.as_deref().map(str::trim).filter(|g| !g.is_empty());
    let letters = letters.into_iter().filter(|l| group.is_none_or(|g| l.group == g)).map(Into::into).collect();
    Ok(ApiResponse::ok(LettersResponse { waiting: backlog.dead_letter_count().await?, letters }))
}

/// How to replay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayRequest {
    /// At most this many letters, oldest first, 1–1000 (default 1000; `1` replays the oldest one).
    #[schema(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// Drop messages that were not events (they cannot be replayed and otherwise stop the replay).
    #[serde(default)]
    pub discard_undecodable: bool,
}

/// What a replay did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReplayResponse {
    /// Events put back in the outbox (published again under their own ids: groups that handled
    /// them already skip them).
    pub replayed: u64,
    /// Undecodable messages dropped.
    pub discarded: u64,
    /// Letters left waiting (an undecodable one stops a replay without `discardUndecodable`).
    pub left: u64,
}

/// Puts waiting dead letters back in the outbox, oldest first — the queue's order, which a
/// Kafka dead-letter topic keeps — and resolves them.
#[utoipa::path(tag = "operations", security(("access_token" = [])), request_body = ReplayRequest, extensions(("x-errors" = json!(["USR_009", "GLB_002", "GLB_003"]))), responses(
    (status = 200, description = "Replayed", body = ApiResponse<ReplayResponse>),
))]
#[post("/dead-letters/replay")]
pub async fn replay(
    state: web::Data<AdminState>,
    admin: Admin,
    req: HttpRequest,
    body: web::Json<cercat_error::Strict<ReplayRequest>>,
) -> Result<ApiResponse<ReplayResponse>, AppError> {
    let n = limit(body.limit, MAX_LETTERS)?;
    let r = state.services.backlog.replay_dead_letters(n, body.discard_undecodable).await?;
    let replayed = ReplayResponse { replayed: r.replayed, discarded: r.discarded, left: r.left };
    let target = cercat_common::audit::AuditTarget { kind: "dead-letters".into(), id: "outbox".into() };
    crate::routes::audit_after(&state, &admin, &req, "dead-letter.replay", target, &replayed).await;
    Ok(ApiResponse::ok(replayed))
}

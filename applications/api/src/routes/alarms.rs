//! `/alarm-api/v2/alarms`: the caller's alarms (stored from events by the alarm consumer).

use actix_web::{HttpResponse, get, http::header, post, web};
use cercat_alarm::{AlarmService, AlarmView};
use cercat_common::id::AlarmId;
use cercat_common::paging::KeysetRequest;
use cercat_error::ApiResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{AppState, dto::certificate::CertificateRef};
use cercat_http::{AppError, auth::Authenticated};

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(subscribe).service(list).service(unread).service(read);
}

/// The receiver.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReceiverRef {
    /// User id.
    pub user_id: i64,
}

/// An alarm as Cercat's client reads it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlarmResponse {
    /// The alarm's id (what `POST /alarms/read` takes).
    pub id: i64,
    /// What it is about: the post for likes and comments (the client opens
    /// `/community/{certificateId}/{originId}`), the exam schedule for exam-date alarms, the
    /// course for course alarms, the product for market alarms.
    pub origin_id: i64,
    /// Community: `NEW_LIKE_ON_POST`, `NEW_COMMENT_ON_POST`, `NEW_LIKE_ON_COMMENT`; exam dates:
    /// `BEFORE_APPLICATION`, `START_APPLICATION`, `DEFAULT_DEADLINE`; prep courses:
    /// `COURSE_SEAT_HELD`, `COURSE_ENROLLED`, `COURSE_HOLD_EXPIRED`, `COURSE_CANCELLED`,
    /// `COURSE_REFUNDED`; market orders: `MARKET_ORDER_PLACED`, `MARKET_ORDER_PAID` (to the
    /// seller), `MARKET_ORDER_RELEASED` (expired or cancelled unpaid), `MARKET_ORDER_REFUNDED`
    /// (to the buyer).
    pub alarm_type: &'static str,
    /// When it happened.
    pub alarm_time: DateTime<Utc>,
    /// Whether it was read.
    pub read: bool,
    /// Who it is for.
    pub receiver: ReceiverRef,
    /// Who liked or commented.
    pub liker_nickname: Option<String>,
    /// `POST` or `COMMENT` for likes.
    pub like_target_type: Option<&'static str>,
    /// The board.
    pub certificate: CertificateRef,
}

/// `GET /alarms` parameters. With none of them the answer is today's bare list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct AlarmListQuery {
    /// `true` (default): only unread alarms; `false`: every alarm, read or not.
    pub unread_only: Option<bool>,
    /// `nextCursor` of the previous page (only valid on the list, unread or all, that gave it).
    pub cursor: Option<String>,
    /// Items per page, 1–100 (default 10).
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<i64>,
}

impl AlarmListQuery {
    /// Whether a page (with `nextCursor`) is asked for rather than today's bare list.
    fn paged(&self) -> bool {
        self.unread_only == Some(false) || self.cursor.is_some() || self.size.is_some()
    }
}

/// A page of alarms, newest first by when they happened.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlarmPage {
    /// The alarms.
    pub content: Vec<AlarmResponse>,
    /// Whether another page has alarms.
    pub has_next: bool,
    /// Pass as `cursor` for the next page (`null` on the last).
    pub next_cursor: Option<String>,
}

/// What `GET /alarms` answers: the bare list Cercat's client reads, or a page.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum AlarmListing {
    /// No paging parameter: the newest 100 unread alarms, as before.
    Unread(Vec<AlarmResponse>),
    /// `unreadOnly=false`, `cursor` or `size` given: one page and the next page's cursor.
    Page(AlarmPage),
}

/// The caller's alarms, newest first.
///
/// Without parameters (what Cercat's web client sends) `result` is the bare list of the newest
/// 100 unread alarms, as it always was. With `unreadOnly=false` (every alarm, read or not),
/// `cursor` or `size`, `result` is a page `{content, hasNext, nextCursor}`: pass `nextCursor`
/// back as `cursor` for the alarms strictly older than the page's last one, so alarms stored
/// meanwhile never repeat or skip one. A cursor is bound to its list (`unreadOnly` true or
/// false); another list's, a changed one or garbage answers 400 naming `cursor`.
#[utoipa::path(tag = "alarms", security(("access_token" = [])), params(AlarmListQuery), extensions(("x-errors" = json!(["USR_007", "GLB_003"]))), responses(
    (status = 200, description = "Alarms: a bare list, or a page when paging parameters are given", body = ApiResponse<AlarmListing>),
))]
#[get("/alarms")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<AlarmListQuery>,
) -> Result<ApiResponse<AlarmListing>, AppError> {
    if !query.paged() {
        let alarms = state.alarms.unread(caller.user_id()).await?;
        return Ok(ApiResponse::ok(AlarmListing::Unread(alarms.into_iter().map(AlarmResponse::new).collect())));
    }
    let unread_only = query.unread_only.unwrap_or(true);
    let page = KeysetRequest::parse(AlarmService::list_name(unread_only), query.cursor.as_deref(), query.size)
        .map_err(|e| AppError::invalid_query(e.field, &e.reason))?;
    let found = state.alarms.page(caller.user_id(), unread_only, &page).await?;
    Ok(ApiResponse::ok(AlarmListing::Page(AlarmPage {
        content: found.content.into_iter().map(AlarmResponse::new).collect(),
        has_next: found.has_next,
        next_cursor: found.next_cursor,
    })))
}

impl AlarmResponse {
    fn new(view: AlarmView) -> Self {
        let AlarmView { alarm: a, certificate_name } = view;
        Self {
            id: a.id,
            origin_id: a.alarm.origin_id,
            alarm_type: a.alarm.alarm_type.as_str(),
            alarm_time: a.alarm.occurred_at,
            read: a.read,
            receiver: ReceiverRef { user_id: a.alarm.receiver_id },
            liker_nickname: a.alarm.actor_nickname,
            like_target_type: a.alarm.like_target_type,
            certificate: CertificateRef { certificate_id: a.alarm.certificate_id, certificate_name },
        }
    }
}

/// Pushes an announced alarm to the receiver's streams on this instance, if it holds any.
pub async fn push_notice(state: &AppState, text: &str) {
    let Some(alarm) = AlarmService::announced(text) else { return };
    let receiver = alarm.alarm.receiver_id;
    if !state.hub.has(receiver) {
        return;
    }
    let id = alarm.id;
    let body = AlarmResponse::new(state.alarms.view(alarm).await);
    let Ok(json) = serde_json::to_string(&body) else { return };
    let sent = state.hub.push(receiver, id, &crate::sse::frame("alarm", id, &json));
    ::metrics::counter!("cercat_sse_alarms_pushed_total").increment(sent as u64);
}

/// Subscribes to the caller's alarms as server-sent events (token in `Access-Token`).
///
/// The stream opens with a `: connected` comment and `id:` the caller's newest alarm id (0 for
/// none; a frame without data, which `EventSource` keeps as its last event id), then sends each new alarm as a named event
/// `alarm` (`id:` = alarm id, `data:` = the alarm JSON, as in the list) and a `: heartbeat`
/// comment after 20 s of silence. A user has at most 5 streams per instance (a sixth closes
/// the oldest); an instance full of streams answers 503 `GLB_008` with `Retry-After`. The stream ends when its session ends (logout, withdrawal, password change
/// elsewhere) and when the access token that opened it expires: reconnect with a fresh one.
///
/// A client reconnecting with `Last-Event-ID` (the `id:` of the last alarm it received, as
/// `EventSource` sends it) first gets the alarms stored after that one, oldest first (at most
/// 100; older ones are in `GET /alarms`), then new ones — nothing is missed across a dropped
/// connection or a deploy. An instance that is shutting down ends its streams with `retry: 1000` (later by 5 ms for each next stream, at most 10 s more)
/// and opens none (503 `GLB_008`), so clients reconnect elsewhere.
#[utoipa::path(tag = "alarms", security(("access_token" = [])), params(("Last-Event-ID" = Option<String>, Header, description = "The id of the last alarm received (a non-negative integer): the alarms stored after it are sent first", pattern = "^[0-9]{1,18}$", nullable = false)), extensions(("x-errors" = json!(["USR_007", "GLB_012", "GLB_008"]))), responses(
    (status = 200, description = "An endless `text/event-stream`: `event: alarm` frames with AlarmResponse JSON, heartbeat comments", content_type = "text/event-stream", body = crate::sse::SseEvent),
))]
#[get("/alarms/subscribe")]
pub async fn subscribe(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    let last_seen = match req.headers().get("Last-Event-ID") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.len() <= 18 && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse::<i64>().ok())
                .ok_or_else(|| AppError::invalid_header("Last-Event-ID", "must be the id of an alarm (digits)"))?,
        ),
    };
    let lifetime = u64::try_from(caller.0.exp - chrono::Utc::now().timestamp()).unwrap_or(0);
    let stream = state
        .hub
        .connect(caller.user_id(), &caller.0.sid, std::time::Duration::from_secs(lifetime))
        .map_err(|_| AppError::busy("too many open alarm streams on this instance", 5))?;
    // A logout that landed between the token check and the registration announced its end
    // before this stream could hear it: look once more now that it is registered.
    if !state.accounts.session_alive(&caller.0).await {
        return Err(cercat_user::UserError::InvalidToken.into());
    }
    // Registered first, read second: an alarm stored in between is both replayed and pushed,
    // and the stream sends it once.
    let stream = match last_seen {
        None => stream.starting_after(state.alarms.stream_start(caller.user_id()).await?),
        Some(last) => {
            let missed = state.alarms.missed(caller.user_id(), last).await?;
            let frames = missed
                .into_iter()
                .filter_map(|view| {
                    let id = view.alarm.id;
                    let json = serde_json::to_string(&AlarmResponse::new(view)).ok()?;
                    Some((id, crate::sse::frame("alarm", id, &json)))
                })
                .collect();
            stream.replaying(frames)
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream))
}

/// How many unread alarms the caller has.
#[utoipa::path(tag = "alarms", security(("access_token" = [])), responses(
    (status = 200, description = "Count", body = ApiResponse<u64>),
))]
#[get("/alarms/unread")]
pub async fn unread(state: web::Data<AppState>, caller: Authenticated) -> Result<ApiResponse<u64>, AppError> {
    Ok(ApiResponse::ok(state.alarms.unread_count(caller.user_id()).await?))
}

/// Marks alarms read: a JSON array of ids; only the caller's own change.
#[utoipa::path(tag = "alarms", security(("access_token" = [])), request_body = cercat_http::openapi::PositiveIds, extensions(("x-errors" = json!(["ALM_001", "GLB_002"]))), responses(
    (status = 200, description = "How many changed", body = ApiResponse<u64>),
))]
#[post("/alarms/read")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<cercat_error::Strict<Vec<AlarmId>>>,
) -> Result<ApiResponse<u64>, AppError> {
    let ids: Vec<i64> = body.iter().map(|id| id.get()).collect();
    Ok(ApiResponse::ok(state.alarms.mark_read(caller.user_id(), &ids).await?))
}

//! Server-sent alarm streams: the connections this instance holds, by user, and the body
//! stream of each (frames pushed by the hub, a heartbeat comment when idle).
//!
//! Fan-out across instances: the instance whose alarm consumer stored an alarm publishes an
//! [`AlarmNotice`](cercat_alarm::AlarmNotice) on the deployment's broadcast channel (Redis
//! pub/sub in production); every instance listens and pushes it to the receiver's connections
//! it holds, if any.
//!
//! A stream belongs to the session whose token opened it: it ends when that session ends (an
//! ended session's id is announced on its own channel and every instance closes the session's
//! streams) and, at the latest, when that token expires — the client reconnects with a fresh
//! one, so nobody keeps receiving alarms on a token that would no longer be accepted.

use actix_web::web::Bytes;
use futures::Stream;
use std::future::Future;
use std::{
    collections::HashMap,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};
use tokio::sync::mpsc;

/// How much later each next stream is told to reconnect when an instance drains.
pub const RECONNECT_SPREAD: Duration = Duration::from_millis(5);

/// The latest a draining instance tells a stream to reconnect, beyond its base `retry`.
pub const MAX_RECONNECT_SPREAD: Duration = Duration::from_secs(10);

/// Frames buffered per connection; a client that falls this far behind is disconnected.
const BUFFER: usize = 64;

/// Why a stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

/// A frame on its way to one stream: an alarm's (with its id) or a control line.
struct Pushed {
    alarm_id: Option<i64>,
    bytes: Bytes,
}

struct Conn {
    id: u64,
    session: String,
    tx: mpsc::Sender<Pushed>,
}

/// The open streams of this instance.
pub struct AlarmHub {
    users: Mutex<HashMap<i64, Vec<Conn>>>,
    /// Set when the instance drains: no stream opens any more.
    closed: std::sync::atomic::AtomicBool,
    next_id: AtomicU64,
    per_user: usize,
    max_total: usize,
    heartbeat: Duration,
}

impl std::fmt::Debug for AlarmHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlarmHub").field("connections", &self.connections()).finish()
    }
}

impl AlarmHub {
    /// A hub allowing `per_user` streams per user and `max_total` in all, with a heartbeat
    /// comment every `heartbeat` of silence.
    pub fn new(per_user: usize, max_total: usize, heartbeat: Duration) -> Arc<Self> {
        Arc::new(Self {
            users: Mutex::new(HashMap::new()),
            closed: std::sync::atomic::AtomicBool::new(false),
            next_id: AtomicU64::new(1),
            per_user: per_user.max(1),
            max_total: max_total.max(1),
            heartbeat,
        })
    }

    fn users(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Vec<Conn>>> {
        self.users.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the hub was drained ([`Self::close_all`]): the instance is shutting down.
    pub fn draining(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Open streams.
    pub fn connections(&self) -> usize {
        self.users().values().map(Vec::len).sum()
    }

    /// Whether `user` has a stream here (to skip building frames nobody reads).
    pub fn has(&self, user: i64) -> bool {
        self.users().get(&user).is_some_and(|c| !c.is_empty())
    }

    /// Opens a stream for `user` in `session`, ending after `lifetime` (when the token that
    /// opened it expires). Beyond the per-user limit the user's oldest stream is closed (a tab
    /// left open elsewhere); beyond the instance limit, [`Full`].
    pub fn connect(self: &Arc<Self>, user: i64, session: &str, lifetime: Duration) -> Result<AlarmStream, Full> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Full);
        }
        let (tx, rx) = mpsc::channel(BUFFER);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        {
            let mut users = self.users();
            let total: usize = users.values().map(Vec::len).sum();
            let mine = users.entry(user).or_default();
            if mine.len() >= self.per_user {
                // Dropping the sender ends that stream.
                mine.remove(0);
            } else if total >= self.max_total {
                if mine.is_empty() {
                    users.remove(&user);
                }
                return Err(Full);
            }
            mine.push(Conn { id, session: session.to_owned(), tx });
        }
        ::metrics::gauge!("cercat_sse_connections").set(self.connections() as f64);
        let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + self.heartbeat, self.heartbeat);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Ok(AlarmStream {
            opening: Some(Bytes::from_static(b": connected\n\n")),
            replayed_up_to: 0,
            rx,
            heartbeat,
            expiry: Box::pin(tokio::time::sleep(lifetime)),
            _guard: Guard { hub: Arc::clone(self), user, id },
        })
    }

    /// Pushes `frame`, the frame of alarm `alarm_id`, to every stream of `user`; returns to how
    /// many. A stream whose buffer is full (a client not reading) is closed rather than allowed
    /// to hold memory.
    pub fn push(&self, user: i64, alarm_id: i64, frame: &Bytes) -> usize {
        let mut users = self.users();
        let Some(conns) = users.get_mut(&user) else { return 0 };
        conns.retain(|c| c.tx.try_send(Pushed { alarm_id: Some(alarm_id), bytes: frame.clone() }).is_ok());
        let sent = conns.len();
        if conns.is_empty() {
            users.remove(&user);
        }
        sent
    }

    /// Drains the hub: every stream is sent `retry: <ms>` (when its client should reconnect, to
    /// another instance) and ends after what it already holds; no stream opens any more. The
    /// hints are spread from `retry` on, [`RECONNECT_SPREAD`] apart (at most
    /// [`MAX_RECONNECT_SPREAD`] in all), so the clients do not all arrive at the instance that
    /// takes over in the same instant. Returns how many were closed.
    pub fn close_all(&self, retry: Duration) -> usize {
        self.closed.store(true, Ordering::Release);
        let closed = {
            let mut users = self.users();
            let closed = users.values().map(Vec::len).sum();
            for (n, conn) in users.values().flatten().enumerate() {
                let delay = retry + (RECONNECT_SPREAD * u32::try_from(n).unwrap_or(u32::MAX)).min(MAX_RECONNECT_SPREAD);
                let hint = Bytes::from(format!("retry: {}\n\n", delay.as_millis()));
                // A stream with a full buffer ends without the hint; its client reconnects anyway.
                let _ = conn.tx.try_send(Pushed { alarm_id: None, bytes: hint });
            }
            // Dropping the senders ends the streams once they have sent what is queued.
            users.clear();
            closed
        };
        ::metrics::gauge!("cercat_sse_connections").set(0.0);
        closed
    }

    /// The distinct sessions whose streams are held here.
    pub fn sessions(&self) -> Vec<String> {
        let users = self.users();
        let mut sessions: Vec<String> = users.values().flatten().map(|c| c.session.clone()).collect();
        sessions.sort_unstable();
        sessions.dedup();
        sessions
    }

    /// Closes every stream of `session` held here; returns how many.
    pub fn close_session(&self, session: &str) -> usize {
        let mut closed = 0;
        {
            let mut users = self.users();
            users.retain(|_, conns| {
                let before = conns.len();
                // Dropping the sender ends the stream.
                conns.retain(|c| c.session != session);
                closed += before - conns.len();
                !conns.is_empty()
            });
        }
        if closed > 0 {
            ::metrics::gauge!("cercat_sse_connections").set(self.connections() as f64);
        }
        closed
    }

    fn remove(&self, user: i64, id: u64) {
        {
            let mut users = self.users();
            if let Some(conns) = users.get_mut(&user) {
                conns.retain(|c| c.id != id);
                if conns.is_empty() {
                    users.remove(&user);
                }
            }
        }
        ::metrics::gauge!("cercat_sse_connections").set(self.connections() as f64);
    }
}

/// One SSE frame: `event: alarm`, the id, and the JSON.
pub fn frame(event: &str, id: i64, json: &str) -> Bytes {
    Bytes::from(format!("event: {event}\nid: {id}\ndata: {json}\n\n"))
}

struct Guard {
    hub: Arc<AlarmHub>,
    user: i64,
    id: u64,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.hub.remove(self.user, self.id);
    }
}

/// The body of one `text/event-stream` response. Ends when the hub closes it or its token
/// expires; dropping it (the client went away) unregisters it.
pub struct AlarmStream {
    opening: Option<Bytes>,
    /// The highest alarm id sent in the opening (a replay): pushes up to it are not repeated.
    replayed_up_to: i64,
    rx: mpsc::Receiver<Pushed>,
    heartbeat: tokio::time::Interval,
    expiry: Pin<Box<tokio::time::Sleep>>,
    _guard: Guard,
}

impl AlarmStream {
    /// Announces `id` (the newest alarm so far) as the stream's last event id, so a client that
    /// reconnects before its first alarm sends it back as `Last-Event-ID`.
    pub fn starting_after(mut self, id: i64) -> Self {
        self.opening = Some(Bytes::from(format!(": connected\nid: {id}\n\n")));
        self
    }

    /// Sends `frames` — alarms the client missed, `(alarm id, frame)` oldest first — right after
    /// the opening comment; alarms among them pushed meanwhile are not sent twice.
    pub fn replaying(mut self, frames: Vec<(i64, Bytes)>) -> Self {
        if frames.is_empty() {
            return self;
        }
        let mut opening = self.opening.take().map(|b| b.to_vec()).unwrap_or_default();
        for (id, frame) in frames {
            self.replayed_up_to = self.replayed_up_to.max(id);
            opening.extend_from_slice(&frame);
        }
        self.opening = Some(Bytes::from(opening));
        self
    }
}

impl Stream for AlarmStream {
    type Item = Result<Bytes, actix_web::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(first) = self.opening.take() {
            return Poll::Ready(Some(Ok(first)));
        }
        if self.expiry.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        loop {
            match self.rx.poll_recv(cx) {
                Poll::Ready(Some(Pushed { alarm_id: Some(id), .. })) if id <= self.replayed_up_to => continue,
                Poll::Ready(Some(frame)) => {
                    self.heartbeat.reset();
                    return Poll::Ready(Some(Ok(frame.bytes)));
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => break,
            }
        }
        match self.heartbeat.poll_tick(cx) {
            Poll::Ready(_) => Poll::Ready(Some(Ok(Bytes::from_static(b": heartbeat\n\n")))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// One event of a `text/event-stream` response as an SSE parser reads it (the OpenAPI schema of
/// the stream responses). Comments (`: connected`, `: heartbeat`) are not events; an instance
/// shutting down sends a `retry:` line (milliseconds) before it ends the stream.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // a schema only: the frames are written by `frame`
pub struct SseEvent {
    /// The event's name: `alarm` on alarm streams; `position`, then `admitted` on waiting rooms.
    event: Option<String>,
    /// Alarm streams: the alarm's id, which a reconnecting client sends back as `Last-Event-ID`
    /// (the opening frame, without data, carries the newest alarm's id, 0 for none).
    id: Option<String>,
    /// The event's JSON (alarms: an `AlarmResponse`).
    data: Option<String>,
}

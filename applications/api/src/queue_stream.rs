//! The waiting room, live: a student's place pushed as server-sent events while it changes (at
//! most once a second), then the admission token, and the stream ends. Polling
//! `GET …/queue/me` keeps working; the stream saves the polls and shows progress sooner.
//!
//! Each stream reads the room like a poll would (one `standing` per second), so a surge of
//! streams costs what a surge of one-second polls costs — bounded per user and per instance
//! like the alarm streams ([`StreamSlots`]).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use actix_web::web::Bytes;
use cercat_course::QueueStatus;
use futures::Stream;
use tokio::time::Instant;

use crate::{AppState, dto::course::QueueResponse};

/// Silence after which a comment keeps proxies from closing the stream.
const HEARTBEAT: Duration = Duration::from_secs(20);
/// How often the room is read.
const TICK: Duration = Duration::from_secs(1);
/// How often the session is checked again (a logout ends the stream).
const SESSION_CHECK: Duration = Duration::from_secs(10);

/// Why a stream was refused: the user, or the instance, holds as many as it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

/// The position streams this instance holds: at most `per_user` per user, `max_total` in all.
#[derive(Debug)]
pub struct StreamSlots {
    per_user: usize,
    max_total: usize,
    held: Mutex<(usize, HashMap<i64, usize>)>,
}

/// One held slot, given back when the stream ends (or the client goes away).
#[derive(Debug)]
pub struct Slot {
    slots: Arc<StreamSlots>,
    user: i64,
}

impl StreamSlots {
    /// Slots for `per_user` streams per user and `max_total` in all.
    pub fn new(per_user: usize, max_total: usize) -> Arc<Self> {
        Arc::new(Self { per_user, max_total, held: Mutex::new((0, HashMap::new())) })
    }

    /// A slot for `user`, or [`Full`].
    pub fn take(self: &Arc<Self>, user: i64) -> Result<Slot, Full> {
        let mut held = self.held.lock().map_err(|_| Full)?;
        let (total, users) = &mut *held;
        let mine = users.entry(user).or_default();
        if *total >= self.max_total || *mine >= self.per_user {
            return Err(Full);
        }
        *mine += 1;
        *total += 1;
        Ok(Slot { slots: Arc::clone(self), user })
    }

    /// Streams held now.
    pub fn held(&self) -> usize {
        self.held.lock().map(|h| h.0).unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut held) = self.slots.held.lock() {
            let (total, users) = &mut *held;
            *total = total.saturating_sub(1);
            if let Some(mine) = users.get_mut(&self.user) {
                *mine = mine.saturating_sub(1);
                if *mine == 0 {
                    users.remove(&self.user);
                }
            }
        }
    }
}

fn event(name: &str, json: &str) -> Bytes {
    Bytes::from(format!("event: {name}\ndata: {json}\n\n"))
}

struct Watch {
    state: AppState,
    claims: cercat_user::AccessClaims,
    course: i64,
    first: Option<QueueStatus>,
    shown: Option<(u64, u64, u64)>,
    last_sent: Instant,
    last_session_check: Instant,
    ends: Instant,
    done: bool,
    _slot: Slot,
}

/// The stream of `claims`' place in `course`'s room, starting from `first` (the standing just
/// read): `event: position` frames (QueueResponse JSON) when the place or the wait changes,
/// then one `event: admitted` frame with the admission token, and the end. It also ends when
/// the session ends or the access token that opened it expires (`event: end`), and on a read
/// failure (`event: error` with the envelope's code) — the client falls back to polling.
pub fn position_stream(
    state: AppState,
    claims: cercat_user::AccessClaims,
    course: i64,
    first: QueueStatus,
    lifetime: Duration,
    slot: Slot,
) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> {
    let now = Instant::now();
    let watch = Watch {
        state,
        claims,
        course,
        first: Some(first),
        shown: None,
        last_sent: now,
        last_session_check: now,
        ends: now + lifetime,
        done: false,
        _slot: slot,
    };
    futures::stream::unfold(watch, |mut w| async move {
        if w.done {
            return None;
        }
        loop {
            let status = match w.first.take() {
                Some(first) => first,
                None => {
                    tokio::time::sleep(TICK).await;
                    if Instant::now() >= w.ends {
                        w.done = true;
                        return Some((Ok(event("end", r#"{"reason":"the access token expired; reconnect"}"#)), w));
                    }
                    if w.last_session_check.elapsed() >= SESSION_CHECK {
                        w.last_session_check = Instant::now();
                        if !w.state.accounts.session_alive(&w.claims).await {
                            w.done = true;
                            return Some((Ok(event("end", r#"{"reason":"the session ended"}"#)), w));
                        }
                    }
                    match w.state.courses.queue_status(w.claims.sub.get(), w.course).await {
                        Ok(status) => status,
                        Err(err) => {
                            w.done = true;
                            let body = serde_json::json!({ "responseCode": cercat_common::DomainError::code(&err), "message": err.to_string() });
                            return Some((Ok(event("error", &body.to_string())), w));
                        }
                    }
                }
            };
            let response = QueueResponse::new(w.course, status.clone());
            let json = serde_json::to_string(&response).unwrap_or_default();
            if status.admitted && status.admission_token.is_some() {
                w.done = true;
                return Some((Ok(event("admitted", &json)), w));
            }
            let key = (status.position, status.ahead, status.estimated_wait_secs);
            if w.shown != Some(key) {
                w.shown = Some(key);
                w.last_sent = Instant::now();
                return Some((Ok(event("position", &json)), w));
            }
            if w.last_sent.elapsed() >= HEARTBEAT {
                w.last_sent = Instant::now();
                return Some((Ok(Bytes::from_static(b": heartbeat\n\n")), w));
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_per_user_and_in_all_and_come_back_when_a_stream_ends() {
        let slots = StreamSlots::new(2, 3);
        let a1 = slots.take(1).ok();
        let a2 = slots.take(1).ok();
        assert!(a1.is_some() && a2.is_some());
        assert_eq!(slots.take(1).err(), Some(Full), "two per user");
        let b1 = slots.take(2).ok();
        assert!(b1.is_some());
        assert_eq!(slots.take(3).err(), Some(Full), "three in all");
        drop(a1);
        assert_eq!(slots.held(), 2);
        assert!(slots.take(3).is_ok(), "a freed slot is taken again");
    }
}

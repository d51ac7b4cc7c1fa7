//! The api's followers of Redis broadcast channels: alarm pushes to open streams, sessions
//! that ended elsewhere, and the periodic recheck of the streams' sessions.

use std::time::Duration;

use crate::{AppState, routes};

/// Follows one broadcast channel for the life of the process: `listen` opens it, `handle`
/// takes each message. A lost connection is reopened with backoff; messages sent meanwhile are
/// missed (every channel here carries notices whose truth is stored elsewhere).
async fn follow<L, LF, H, HF>(what: &str, listen: L, handle: H, stop: impl std::future::Future<Output = ()>)
where
    L: Fn() -> LF,
    LF: std::future::Future<Output = Result<tokio::sync::mpsc::Receiver<String>, String>>,
    H: Fn(String) -> HF,
    HF: std::future::Future<Output = ()>,
{
    tokio::pin!(stop);
    let mut backoff = Duration::from_millis(500);
    loop {
        let mut notices = match listen().await {
            Ok(rx) => {
                backoff = Duration::from_millis(500);
                rx
            }
            Err(err) => {
                tracing::warn!(%err, "cannot listen for {what}; retrying");
                tokio::select! { () = &mut stop => return, () = tokio::time::sleep(backoff) => {} }
                backoff = (backoff * 2).min(Duration::from_secs(30));
                continue;
            }
        };
        loop {
            let text = tokio::select! {
                () = &mut stop => return,
                text = notices.recv() => text,
            };
            match text {
                Some(text) => handle(text).await,
                None => break,
            }
        }
        tracing::warn!("the channel of {what} closed; reconnecting");
        tokio::select! { () = &mut stop => return, () = tokio::time::sleep(backoff) => {} }
    }
}

/// Listens for announced alarms (from whichever instance stored them) and pushes each to the
/// receiver's streams held here; clients read the stored list when a stream opens, so a missed
/// notice is only late.
pub(crate) async fn push_alarms(state: AppState, stop: impl std::future::Future<Output = ()>) {
    let listen = || async { state.alarms.notices().await.map_err(|e| e.to_string()) };
    let handle = |text: String| {
        let state = &state;
        async move { routes::alarms::push_notice(state, &text).await }
    };
    follow("alarm notices", listen, handle, stop).await;
}

/// Listens for ended sessions (logout, withdrawal, password change — on any instance) and
/// closes their alarm streams held here. A missed notice leaves a stream open at most until
/// its token expires.
pub(crate) async fn close_ended_sessions(state: AppState, stop: impl std::future::Future<Output = ()>) {
    let listen = || async { state.accounts.session_ends().await.map_err(|e| e.to_string()) };
    let handle = |sid: String| {
        let hub = state.hub.clone();
        async move {
            let closed = hub.close_session(&sid);
            if closed > 0 {
                tracing::info!(closed, "closed the alarm streams of an ended session");
            }
        }
    };
    follow("ended sessions", listen, handle, stop).await;
}

/// How often the sessions of held alarm streams are checked again.
const STREAM_SESSION_CHECK: Duration = Duration::from_secs(5);

/// Checks the sessions of the alarm streams held here against the revocation store every
/// [`STREAM_SESSION_CHECK`] and closes those that ended. Announcements close them at once;
/// this catches what an announcement cannot reach — a session ended by another process in
/// embedded mode (`cercat-admin` over the same database), or a notice lost while the broadcast
/// channel reconnected.
pub(crate) async fn recheck_stream_sessions(state: AppState, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(STREAM_SESSION_CHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! { () = &mut stop => return, _ = tick.tick() => {} }
        for sid in state.hub.sessions() {
            if !state.accounts.session_id_alive(&sid).await {
                let closed = state.hub.close_session(&sid);
                tracing::info!(closed, "closed the alarm streams of a session ended elsewhere");
            }
        }
    }
}

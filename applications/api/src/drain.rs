//! Stopping an instance without dropping what it was doing: SIGTERM's drain.

use std::{sync::Arc, time::Duration};

/// Stops an instance without dropping what it was doing.
#[derive(Clone)]
pub struct Drainer {
    hub: Arc<crate::sse::AlarmHub>,
    server: actix_web::dev::ServerHandle,
}

impl Drainer {
    /// Drains `server`, whose alarm streams are in `hub`.
    pub fn new(hub: Arc<crate::sse::AlarmHub>, server: actix_web::dev::ServerHandle) -> Self {
        Self { hub, server }
    }

    /// `/health/ready` answers 503 and every alarm stream ends with `retry: 1000` (a little more
    /// for each next stream: reconnections spread; clients reconnect to another instance, and
    /// `Last-Event-ID` brings what they missed); requests are still served for `wait`, while the proxy moves traffic away; then the listener closes and
    /// requests in flight get up to 10 s to finish.
    pub async fn drain(&self, wait: Duration) {
        let streams = self.hub.close_all(Duration::from_secs(1));
        tracing::info!(streams, wait_secs = wait.as_secs(), "shutting down: not ready, alarm streams closed");
        tokio::time::sleep(wait).await;
        tracing::info!("shutting down: no new connections; finishing requests in flight");
        self.server.stop(true).await;
    }
}

/// Waits for SIGTERM (answers `drain`: an orchestrator's stop, traffic must move first) or
/// Ctrl-C (answers zero: someone at a terminal).
pub(crate) async fn stop_signal(drain: Duration) -> Duration {
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(err) => {
                    tracing::warn!(%err, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => Duration::ZERO,
            () = term => drain,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        let _ = drain;
        Duration::ZERO
    }
}

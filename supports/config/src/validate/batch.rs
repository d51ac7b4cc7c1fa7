//! `[batch]`: bounds, the heartbeat timing, and the Q-Net settings a scheduled Q-Net import needs.

use secrecy::ExposeSecret;
use url::Url;

use super::{invalid, positive_ms};
use crate::{ConfigError, Settings};

pub(super) fn check_batch(s: &Settings) -> Result<(), ConfigError> {
    let b = &s.batch;
    positive_ms("batch.http_timeout_ms", b.http_timeout_ms)?;
    positive_ms("batch.qnet_backoff_ms", b.qnet_backoff_ms)?;
    positive_ms("batch.heartbeat_interval_ms", b.heartbeat_interval_ms)?;
    if b.heartbeat_timeout_ms < 2 * b.heartbeat_interval_ms || b.heartbeat_timeout_ms > 86_400_000 {
        return Err(invalid(
            "batch.heartbeat_timeout_ms",
            "use at least twice batch.heartbeat_interval_ms (default 120000 with heartbeats every 15000)",
        ));
    }
    if !b.metrics_listen.trim().is_empty() && b.metrics_listen.trim().parse::<std::net::SocketAddr>().is_err() {
        return Err(invalid("batch.metrics_listen", "use host:port, e.g. 0.0.0.0:9464, or \"\" for none"));
    }
    if !(1..=1000).contains(&b.qnet_page_size) {
        return Err(invalid("batch.qnet_page_size", "use 1..=1000 (default 100)"));
    }
    if !(1..=10).contains(&b.qnet_retry_attempts) {
        return Err(invalid("batch.qnet_retry_attempts", "use 1..=10 (default 5)"));
    }
    if !(1..=10_000).contains(&b.chunk_size) {
        return Err(invalid("batch.chunk_size", "use 1..=10000 (default 100)"));
    }
    let url = Url::parse(&b.qnet_base_url).map_err(|e| invalid("batch.qnet_base_url", format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("batch.qnet_base_url", "use an http:// or https:// URL"));
    }
    let qnet_scheduled = b.exam_schedule_source.as_deref().is_some_and(|v| v.trim() == crate::QNET_SOURCE);
    if qnet_scheduled && b.qnet_service_key.as_ref().is_none_or(|k| k.expose_secret().trim().is_empty()) {
        return Err(ConfigError::Missing {
            setting: "batch.qnet_service_key".into(),
            hint: "batch.exam_schedule_source is `qnet`; set CERCAT__BATCH__QNET_SERVICE_KEY to the data.go.kr \
                   service key (the decoded one)"
                .into(),
        });
    }
    Ok(())
}

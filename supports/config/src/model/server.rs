//! `[server]` and `[admin]`: the two HTTP listeners.

use serde::{Deserialize, Serialize};

/// A listener address and what it accepts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Interface to bind, e.g. `127.0.0.1` or `0.0.0.0`.
    pub host: String,
    /// TCP port; 0 picks a free one.
    pub port: u16,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// Largest JSON body accepted, in bytes.
    pub json_limit_bytes: usize,
    /// A client must send a request's headers within this many seconds of connecting (or of
    /// its previous request on a kept-alive connection); beyond, 408 and the connection closes.
    #[serde(default = "default_header_timeout")]
    pub header_timeout_secs: u64,
    /// On SIGTERM the api first reports not ready and ends its alarm streams (with a `retry:`
    /// hint), keeps serving this many seconds so the load balancer moves traffic away, then
    /// stops accepting and finishes the requests in flight (up to 10 s more). Ctrl-C skips the wait.
    #[serde(default = "default_drain")]
    pub drain_secs: u64,
    /// Behind a reverse proxy: take the client IP from `X-Forwarded-For` — its rightmost hop
    /// that is not one of `trusted_proxies`, and only when the peer itself is trusted.
    pub behind_proxy: bool,
    /// The proxies (CIDRs, e.g. `10.0.0.0/8`, `127.0.0.1/32`) whose `X-Forwarded-For` hops are
    /// believed; required with `behind_proxy`.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

fn default_header_timeout() -> u64 {
    10
}

fn default_drain() -> u64 {
    5
}

impl ServerSettings {
    /// The api's listener: port 8080, one worker per core, 256 KiB JSON bodies.
    pub(crate) fn api_defaults() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            workers: 0,
            json_limit_bytes: 256 * 1024,
            header_timeout_secs: default_header_timeout(),
            drain_secs: default_drain(),
            behind_proxy: false,
            trusted_proxies: Vec::new(),
        }
    }

    /// The admin listener: port 8090, one worker, 4 MiB JSON bodies (bulk imports).
    pub(crate) fn admin_defaults() -> Self {
        Self { port: 8090, workers: 1, json_limit_bytes: 4 * 1024 * 1024, ..Self::api_defaults() }
    }
}

//! [`QnetClient`]: the adapter of the certificate context's
//! [`QnetScheduleApi`](cercat_certificate::ports::QnetScheduleApi) over Q-Net's public-data
//! exam-schedule list. Every call — retries included — first takes one call from the daily
//! quota (counted in the database, so restarts and other nodes share it), runs under the
//! timeout, and is retried on 429, 5xx or no answer with doubling pauses (a `Retry-After`
//! wins). The service key travels only in the URL sent, never in a message: errors are
//! stripped of URLs and any text is redacted before it leaves this module.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use cercat_certificate::ports::{QnetPage, QnetScheduleApi};
use cercat_common::{
    PortError,
    quota::{DailyCallQuota, QuotaTake},
};
use chrono_tz::Asia::Seoul;
use reqwest::{StatusCode, Url, header::RETRY_AFTER};

mod parse;

/// The dependency name in this adapter's [`PortError`]s.
pub const QNET_DEP: &str = "Q-Net";
/// The quota name calls are counted under.
pub const QNET_QUOTA: &str = "qnet-exam-schedules";
/// Largest answer accepted (a page of 1000 rows is about 1 MB).
const MAX_BODY: usize = 10 * 1024 * 1024;
/// Longest pause between attempts, whatever `Retry-After` asks.
const MAX_PAUSE: Duration = Duration::from_secs(60);

/// How to reach Q-Net.
#[derive(Clone)]
pub struct QnetOptions {
    /// The list endpoint.
    pub base_url: String,
    /// The data.go.kr service key (decoded).
    pub service_key: String,
    /// `json` or `xml`, sent as `dataFormat`.
    pub format: &'static str,
    /// Bound on each call.
    pub timeout: Duration,
    /// Attempts per page.
    pub attempts: u32,
    /// The first pause between attempts (it doubles).
    pub backoff: Duration,
    /// Calls allowed per day (Asia/Seoul).
    pub daily_quota: u32,
}

impl std::fmt::Debug for QnetOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QnetOptions").field("base_url", &self.base_url).field("service_key", &"[REDACTED]").finish()
    }
}

/// Q-Net's exam-schedule list over HTTP(S).
pub struct QnetClient {
    options: QnetOptions,
    client: reqwest::Client,
    quota: Arc<dyn DailyCallQuota>,
}

impl std::fmt::Debug for QnetClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QnetClient").field("options", &self.options).finish_non_exhaustive()
    }
}

/// Why one attempt failed.
enum Failure {
    /// Worth another attempt (429, 5xx, no answer), after `after` if the service said.
    Transient { error: PortError, after: Option<Duration> },
    /// Final.
    Final(PortError),
}

impl QnetClient {
    /// A client with these options, counting calls in `quota`. Fails when the base URL is not
    /// an http(s) URL.
    pub fn new(options: QnetOptions, quota: Arc<dyn DailyCallQuota>) -> Result<Self, PortError> {
        let url = Url::parse(&options.base_url)
            .map_err(|e| PortError::unavailable(QNET_DEP, format!("batch.qnet_base_url is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(PortError::unavailable(QNET_DEP, "batch.qnet_base_url must be http(s)"));
        }
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| PortError::unavailable(QNET_DEP, format!("http client: {}", e.without_url())))?;
        Ok(Self { options, client, quota })
    }

    /// `text` with the service key (plain or percent-encoded) replaced.
    fn redact(&self, text: &str) -> String {
        let key = self.options.service_key.as_str();
        if key.is_empty() {
            return text.to_owned();
        }
        let encoded: String = url::form_urlencoded::byte_serialize(key.as_bytes()).collect();
        text.replace(key, "[REDACTED]").replace(&encoded, "[REDACTED]")
    }

    fn unavailable(&self, detail: impl std::fmt::Display) -> PortError {
        PortError::unavailable(QNET_DEP, self.redact(&detail.to_string()))
    }

    fn url(&self, year: Option<i32>, page: u32, rows: u32) -> Result<Url, PortError> {
        let mut url = Url::parse(&self.options.base_url).map_err(|e| self.unavailable(format!("base URL: {e}")))?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("serviceKey", &self.options.service_key)
                .append_pair("pageNo", &page.to_string())
                .append_pair("numOfRows", &rows.to_string())
                .append_pair("dataFormat", self.options.format);
            if let Some(year) = year {
                query.append_pair("implYy", &year.to_string());
            }
        }
        Ok(url)
    }

    async fn attempt(&self, url: Url) -> Result<String, Failure> {
        let timeout = self.options.timeout;
        let transport = |e: reqwest::Error| {
            let error = if e.is_timeout() {
                PortError::timeout(QNET_DEP, timeout)
            } else {
                self.unavailable(format!("no answer: {}", e.without_url()))
            };
            Failure::Transient { error, after: None }
        };
        let fetch = async {
            let mut res = self.client.get(url).send().await.map_err(transport)?;
            let status = res.status();
            if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                let after = res
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                return Err(Failure::Transient { error: self.unavailable(format!("HTTP {status}")), after });
            }
            if !status.is_success() {
                return Err(Failure::Final(self.unavailable(format!("HTTP {status}"))));
            }
            let mut body = Vec::new();
            while let Some(chunk) = res.chunk().await.map_err(transport)? {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(Failure::Final(PortError::Corrupt(format!("a page larger than {MAX_BODY} bytes"))));
                }
                body.extend_from_slice(&chunk);
            }
            String::from_utf8(body).map_err(|_| Failure::Final(PortError::Corrupt("a page that is not UTF-8".into())))
        };
        tokio::time::timeout(timeout, fetch)
            .await
            .unwrap_or(Err(Failure::Transient { error: PortError::timeout(QNET_DEP, timeout), after: None }))
    }

    async fn take_call(&self) -> Result<(), PortError> {
        let today = chrono::Utc::now().with_timezone(&Seoul).date_naive();
        match self.quota.try_take(QNET_QUOTA, today, self.options.daily_quota).await? {
            QuotaTake::Granted { .. } => Ok(()),
            QuotaTake::Exhausted { used } => Err(PortError::unavailable(
                QNET_DEP,
                format!(
                    "the daily quota of {} calls is used up ({used} today); it renews at 00:00 KST, run again then",
                    self.options.daily_quota
                ),
            )),
        }
    }
}

#[async_trait]
impl QnetScheduleApi for QnetClient {
    async fn page(&self, year: Option<i32>, page: u32, rows: u32) -> Result<QnetPage, PortError> {
        let attempts = self.options.attempts.max(1);
        let mut pause = self.options.backoff;
        for attempt in 1..=attempts {
            self.take_call().await?;
            match self.attempt(self.url(year, page, rows)?).await {
                Ok(body) => {
                    let raw = parse::raw_page(&body).map_err(|e| PortError::Corrupt(self.redact(&e)))?;
                    if let Some(error) = raw.error {
                        return Err(self.unavailable(error));
                    }
                    let total_count = raw.total_count.ok_or_else(|| PortError::Corrupt("no totalCount".into()))?;
                    return Ok(QnetPage { total_count, items: parse::items(page, &raw.items) });
                }
                Err(Failure::Final(error)) => return Err(error),
                Err(Failure::Transient { error, after }) => {
                    if attempt == attempts {
                        tracing::warn!(page, attempt, %error, "Q-Net: giving up on the page");
                        return Err(match error {
                            timeout @ PortError::Timeout { .. } => timeout,
                            other => self.unavailable(format!("{other} (after {attempts} attempts)")),
                        });
                    }
                    let wait = after.unwrap_or(pause).min(MAX_PAUSE);
                    tracing::warn!(page, attempt, %error, wait_ms = wait.as_millis() as u64, "Q-Net: retrying");
                    tokio::time::sleep(wait).await;
                    pause = pause.saturating_mul(2);
                }
            }
        }
        Err(self.unavailable("no attempt was made"))
    }
}

#[cfg(test)]
mod tests;

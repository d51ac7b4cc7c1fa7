//! Derived defaults and validation, run once at start.

use crate::{ConfigError, Profile, Settings};
use secrecy::ExposeSecret;
use std::path::Path;
use url::Url;

mod batch;

fn invalid(setting: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { setting: setting.into(), reason: reason.into() }
}

fn missing(setting: &str, env: &str, example: &str) -> ConfigError {
    ConfigError::Missing {
        setting: setting.into(),
        hint: format!(
            "the production profile needs it; set {env} (e.g. `{example}`) or `{setting}` in config/production.toml"
        ),
    }
}

fn positive_ms(setting: &str, value: u64) -> Result<(), ConfigError> {
    if value == 0 || value > 600_000 {
        return Err(invalid(setting, format!("{value} ms is out of range; use 1..=600000")));
    }
    Ok(())
}

/// A CIDR (`10.0.0.0/8`) or a single address (`127.0.0.1`, `::1`).
pub fn parse_cidr(value: &str) -> Option<ipnet::IpNet> {
    let value = value.trim();
    value.parse::<ipnet::IpNet>().ok().or_else(|| value.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
}

pub(crate) fn fill_and_check(s: &mut Settings) -> Result<(), ConfigError> {
    if s.data_dir.as_os_str().is_empty() {
        return Err(invalid("data_dir", "must not be empty"));
    }
    let data_dir = if s.data_dir.is_absolute() {
        s.data_dir.clone()
    } else {
        std::env::current_dir()
            .map_err(|e| invalid("data_dir", format!("cannot resolve the working directory: {e}")))?
            .join(&s.data_dir)
    };

    for (name, server) in [("server", &s.server), ("admin", &s.admin)] {
        if server.host.trim().is_empty() {
            return Err(invalid(&format!("{name}.host"), "must not be empty"));
        }
        if server.json_limit_bytes < 1024 {
            return Err(invalid(&format!("{name}.json_limit_bytes"), "must be at least 1024"));
        }
        if !(1..=300).contains(&server.header_timeout_secs) {
            return Err(invalid(&format!("{name}.header_timeout_secs"), "use 1..=300 (default 10)"));
        }
        if server.drain_secs > 300 {
            return Err(invalid(&format!("{name}.drain_secs"), "use 0..=300 (default 5)"));
        }
        if let Some(bad) = server.trusted_proxies.iter().find(|c| parse_cidr(c).is_none()) {
            return Err(invalid(
                &format!("{name}.trusted_proxies"),
                format!("`{bad}` is not a CIDR or IP address (e.g. `10.0.0.0/8`, `127.0.0.1`)"),
            ));
        }
        if server.behind_proxy && server.trusted_proxies.is_empty() {
            return Err(invalid(
                &format!("{name}.trusted_proxies"),
                "behind_proxy needs the proxies' addresses (e.g. [\"127.0.0.1/32\"]); without them anyone could \
                 choose their own client address",
            ));
        }
    }

    check_database(s, &data_dir)?;
    check_redis(s)?;
    check_kafka(s)?;
    check_storage(s, &data_dir)?;
    check_cors(s)?;

    if s.outbox.batch_size == 0 || s.outbox.batch_size > 10_000 {
        return Err(invalid("outbox.batch_size", "use 1..=10000"));
    }
    positive_ms("outbox.poll_interval_ms", s.outbox.poll_interval_ms)?;
    check_events(s)?;
    if !(1..=40).contains(&s.sse.heartbeat_secs) {
        return Err(invalid("sse.heartbeat_secs", "use 1..=40 (the web client gives up after 45 s of silence)"));
    }
    if s.sse.max_per_user == 0 || s.sse.max_connections == 0 {
        return Err(invalid("sse.max_per_user", "use at least 1 (and sse.max_connections too)"));
    }
    batch::check_batch(s)?;
    check_limits(s)?;
    check_auth(s)?;
    check_mail(s)?;
    check_course(s)?;
    if !(1..=7 * 86_400).contains(&s.market.pay_within_seconds) {
        return Err(invalid("market.pay_within_seconds", "use 1..=604800 (default 1800, 30 minutes)"));
    }
    check_oauth(s)
}

fn check_events(s: &Settings) -> Result<(), ConfigError> {
    let e = &s.events;
    if !(1..=100).contains(&e.retry_attempts) {
        return Err(invalid("events.retry_attempts", "use 1..=100 (default 5)"));
    }
    positive_ms("events.retry_first_backoff_ms", e.retry_first_backoff_ms)?;
    positive_ms("events.retry_max_backoff_ms", e.retry_max_backoff_ms)?;
    if e.retry_max_backoff_ms < e.retry_first_backoff_ms {
        return Err(invalid("events.retry_max_backoff_ms", "must be at least events.retry_first_backoff_ms"));
    }
    if !(1..=32).contains(&e.alarm_members) {
        return Err(invalid("events.alarm_members", "use 1..=32 (default 2)"));
    }
    Ok(())
}

fn check_course(s: &Settings) -> Result<(), ConfigError> {
    let c = &s.course;
    if !(1..=86_400).contains(&c.hold_seconds) {
        return Err(invalid("course.hold_seconds", "use 1..=86400 (default 1800, 30 minutes)"));
    }
    if !(1..=10_000).contains(&c.admission_rate_per_sec) {
        return Err(invalid("course.admission_rate_per_sec", "use 1..=10000"));
    }
    if !(10..=3600).contains(&c.admission_token_ttl_secs) {
        return Err(invalid("course.admission_token_ttl_secs", "use 10..=3600"));
    }
    if !(1..=60).contains(&c.max_poll_secs) {
        return Err(invalid("course.max_poll_secs", "use 1..=60 (default 10)"));
    }
    positive_ms("course.admitter_interval_ms", c.admitter_interval_ms)?;
    if !(24..=24 * 365).contains(&c.idempotency_retention_hours) {
        return Err(invalid("course.idempotency_retention_hours", "keep keys at least 24 hours (Stripe semantics)"));
    }
    let p = &s.payment;
    positive_ms("payment.timeout_ms", p.timeout_ms)?;
    if p.simulator_latency_ms > 60_000 {
        return Err(invalid("payment.simulator_latency_ms", "use 0..=60000"));
    }
    if p.simulator_failure_percent > 100 {
        return Err(invalid("payment.simulator_failure_percent", "use 0..=100"));
    }
    if s.profile == Profile::Production && p.gateway == crate::PaymentGatewaySetting::Simulator {
        return Err(invalid(
            "payment.gateway",
            "the simulator approves any payment key without charging anyone; the production profile needs \
             `toss` (set CERCAT__PAYMENT__GATEWAY=toss with payment.toss_secret_key and payment.webhook_secret)",
        ));
    }
    if p.gateway == crate::PaymentGatewaySetting::Toss {
        let base =
            Url::parse(&p.toss_base_url).map_err(|e| invalid("payment.toss_base_url", format!("not a URL: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(invalid("payment.toss_base_url", "use an http(s) URL"));
        }
        if p.toss_secret_key.as_ref().is_none_or(|k| k.expose_secret().trim().is_empty()) {
            return Err(missing("payment.toss_secret_key", "CERCAT__PAYMENT__TOSS_SECRET_KEY", "test_sk_…"));
        }
        if p.webhook_secret.as_ref().is_none_or(|k| k.expose_secret().trim().len() < 16) {
            return Err(missing(
                "payment.webhook_secret",
                "CERCAT__PAYMENT__WEBHOOK_SECRET",
                "a random string of 16+ characters",
            ));
        }
    }
    Ok(())
}

fn check_oauth(s: &Settings) -> Result<(), ConfigError> {
    let base = Url::parse(&s.oauth.redirect_base_url)
        .map_err(|e| invalid("oauth.redirect_base_url", format!("not a URL: {e}")))?;
    if !matches!(base.scheme(), "http" | "https") {
        return Err(invalid("oauth.redirect_base_url", "use an http(s) URL"));
    }
    positive_ms("oauth.timeout_ms", s.oauth.timeout_ms)?;
    for (name, p) in &s.oauth.providers {
        let at = |field: &str| format!("oauth.providers.{name}.{field}");
        if !matches!(name.as_str(), "kakao" | "google" | "apple") {
            return Err(invalid(&format!("oauth.providers.{name}"), "supported providers are kakao, google and apple"));
        }
        if p.client_id.trim().is_empty() {
            return Err(invalid(&at("client_id"), "must not be empty"));
        }
        for (field, url) in [
            ("authorize_url", Some(&p.authorize_url)),
            ("token_url", Some(&p.token_url)),
            ("userinfo_url", p.userinfo_url.as_ref()),
        ] {
            if let Some(url) = url {
                Url::parse(url).map_err(|e| invalid(&at(field), format!("not a URL: {e}")))?;
            }
        }
        if !p.subject_pointer.starts_with('/') {
            return Err(invalid(&at("subject_pointer"), "must be a JSON pointer like /sub"));
        }
    }
    Ok(())
}

fn check_auth(s: &Settings) -> Result<(), ConfigError> {
    match (&s.auth.jwt_secret, s.profile) {
        (Some(secret), _) if secret.expose_secret().len() < 32 => {
            return Err(invalid("auth.jwt_secret", "must be at least 32 characters (use a random string)"));
        }
        (None, Profile::Production) => {
            return Err(missing("auth.jwt_secret", "CERCAT__AUTH__JWT_SECRET", "openssl rand -hex 32"));
        }
        _ => {}
    }
    if !(60..=900).contains(&s.auth.access_ttl_secs) {
        return Err(invalid("auth.access_ttl_secs", "use 60..=900 (access tokens live at most 15 minutes)"));
    }
    if !(3600..=90 * 24 * 3600).contains(&s.auth.refresh_ttl_secs) {
        return Err(invalid("auth.refresh_ttl_secs", "use 3600..=7776000"));
    }
    if s.auth.refresh_grace_secs > 30 {
        return Err(invalid("auth.refresh_grace_secs", "use 0..=30 (a spent refresh token is usable that long)"));
    }
    if !(60..=3600).contains(&s.auth.code_ttl_secs) {
        return Err(invalid("auth.code_ttl_secs", "use 60..=3600 (default 300: five minutes)"));
    }
    if !(1..=3650).contains(&s.auth.recovery_window_days) {
        return Err(invalid("auth.recovery_window_days", "use 1..=3650 (default 365)"));
    }
    if s.auth.hash_concurrency == 0 || s.auth.hash_concurrency > 64 {
        return Err(invalid("auth.hash_concurrency", "use 1..=64"));
    }
    let client = Url::parse(&s.auth.client_url).map_err(|e| invalid("auth.client_url", format!("not a URL: {e}")))?;
    if !matches!(client.scheme(), "http" | "https") {
        return Err(invalid("auth.client_url", "use an http(s) URL"));
    }
    if s.auth.issuer.trim().is_empty() || s.auth.audience.trim().is_empty() {
        return Err(invalid("auth.issuer", "issuer and audience must not be empty"));
    }
    if s.auth.demo_accounts && s.profile == Profile::Production {
        return Err(invalid("auth.demo_accounts", "the production profile never seeds accounts"));
    }
    Ok(())
}

fn check_mail(s: &Settings) -> Result<(), ConfigError> {
    match (&s.mail.smtp_url, s.profile) {
        (None, Profile::Production) => {
            return Err(missing(
                "mail.smtp_url",
                "CERCAT__MAIL__SMTP_URL",
                "smtp://user:pass@smtp.example.com:587?tls=required",
            ));
        }
        (Some(url), _) => {
            let parsed =
                Url::parse(url.expose_secret()).map_err(|e| invalid("mail.smtp_url", format!("not a URL: {e}")))?;
            if !matches!(parsed.scheme(), "smtp" | "smtps") {
                return Err(invalid("mail.smtp_url", "use smtp:// or smtps://"));
            }
        }
        (None, Profile::Embedded) => {}
    }
    if !s.mail.from.contains('@') {
        return Err(invalid("mail.from", "must be an address like `Cercat <no-reply@example.com>`"));
    }
    positive_ms("mail.timeout_ms", s.mail.timeout_ms)?;
    if !(1..=1000).contains(&s.mail.batch_size) {
        return Err(invalid("mail.batch_size", "use 1..=1000 (default 50)"));
    }
    positive_ms("mail.poll_interval_ms", s.mail.poll_interval_ms)
}

fn check_database(s: &mut Settings, data_dir: &Path) -> Result<(), ConfigError> {
    let url = match (&s.database.url, s.profile) {
        (Some(url), _) => url.expose_secret().to_owned(),
        (None, Profile::Embedded) => format!("sqlite://{}?mode=rwc", data_dir.join("cercat.db").display()),
        (None, Profile::Production) => {
            return Err(missing(
                "database.url",
                "CERCAT__DATABASE__URL",
                "mysql://cercat:secret@127.0.0.1:3306/cercat",
            ));
        }
    };
    let scheme = url.split("://").next().unwrap_or_default();
    match (scheme, s.profile) {
        ("mysql" | "mariadb", _) | ("sqlite", Profile::Embedded) => {}
        ("sqlite", Profile::Production) => {
            return Err(invalid("database.url", "the production profile needs MySQL/MariaDB (mysql://…)"));
        }
        _ => return Err(invalid("database.url", format!("unsupported scheme `{scheme}`; use mysql:// or sqlite://"))),
    }
    s.database.url = Some(url.into());
    if s.database.max_connections == 0 || s.database.max_connections > 1000 {
        return Err(invalid("database.max_connections", "use 1..=1000"));
    }
    positive_ms("database.connect_timeout_ms", s.database.connect_timeout_ms)?;
    positive_ms("database.query_timeout_ms", s.database.query_timeout_ms)?;
    Ok(())
}

fn check_redis(s: &Settings) -> Result<(), ConfigError> {
    match (&s.redis.url, s.profile) {
        (None, Profile::Production) => {
            return Err(missing("redis.url", "CERCAT__REDIS__URL", "redis://127.0.0.1:6379/0"));
        }
        (Some(url), _) => {
            let parsed =
                Url::parse(url.expose_secret()).map_err(|e| invalid("redis.url", format!("not a URL: {e}")))?;
            if !matches!(parsed.scheme(), "redis" | "rediss") {
                return Err(invalid("redis.url", "use redis:// or rediss://"));
            }
        }
        (None, Profile::Embedded) => {}
    }
    if s.redis.pool_size == 0 {
        return Err(invalid("redis.pool_size", "must be at least 1"));
    }
    positive_ms("redis.timeout_ms", s.redis.timeout_ms)
}

fn check_kafka(s: &Settings) -> Result<(), ConfigError> {
    match (&s.kafka.brokers, s.profile) {
        (None, Profile::Production) => {
            return Err(missing("kafka.brokers", "CERCAT__KAFKA__BROKERS", "127.0.0.1:9092"));
        }
        (Some(brokers), _) => {
            for broker in brokers.split(',').map(str::trim) {
                let ok =
                    broker.rsplit_once(':').is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
                if !ok {
                    return Err(invalid("kafka.brokers", format!("`{broker}` is not host:port")));
                }
            }
        }
        (None, Profile::Embedded) => {}
    }
    if s.kafka.topic_prefix.contains(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        return Err(invalid("kafka.topic_prefix", "use letters, digits, '.', '_' or '-'"));
    }
    if !(1..=60_000).contains(&s.kafka.fetch_wait_ms) {
        return Err(invalid("kafka.fetch_wait_ms", "use 1..=60000 (default 500)"));
    }
    positive_ms("kafka.timeout_ms", s.kafka.timeout_ms)
}

fn check_storage(s: &mut Settings, data_dir: &Path) -> Result<(), ConfigError> {
    let url = match (&s.storage.url, s.profile) {
        (Some(url), _) => url.clone(),
        (None, Profile::Embedded) => Url::from_directory_path(data_dir.join("objects"))
            .map_err(|()| invalid("data_dir", "cannot be turned into a file:// URL"))?
            .to_string(),
        (None, Profile::Production) => {
            return Err(missing("storage.url", "CERCAT__STORAGE__URL", "gs://cercat-images"));
        }
    };
    let parsed = Url::parse(&url).map_err(|e| invalid("storage.url", format!("not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "file" | "memory" | "gs") {
        return Err(invalid(
            "storage.url",
            format!("unsupported scheme `{}`; use gs://, file:/// or memory://", parsed.scheme()),
        ));
    }
    if let Some(base) = &s.storage.public_base_url {
        Url::parse(base).map_err(|e| invalid("storage.public_base_url", format!("not a URL: {e}")))?;
    }
    s.storage.url = Some(url);
    positive_ms("storage.timeout_ms", s.storage.timeout_ms)
}

fn check_cors(s: &mut Settings) -> Result<(), ConfigError> {
    let mut origins = Vec::with_capacity(s.cors.allowed_origins.len());
    for origin in &s.cors.allowed_origins {
        if origin == "*" {
            return Err(invalid("cors.allowed_origins", "`*` cannot be used with credentials; list the exact origins"));
        }
        let parsed = Url::parse(origin)
            .map_err(|e| invalid("cors.allowed_origins", format!("`{origin}` is not an origin: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() || parsed.path() != "/" {
            return Err(invalid(
                "cors.allowed_origins",
                format!("`{origin}` is not an origin like https://example.com"),
            ));
        }
        origins.push(parsed.origin().ascii_serialization());
    }
    s.cors.allowed_origins = origins;
    Ok(())
}

fn check_limits(s: &Settings) -> Result<(), ConfigError> {
    let l = &s.limits;
    if !(1..=3600).contains(&l.body_read_timeout_secs) {
        return Err(invalid("limits.body_read_timeout_secs", "use 1..=3600"));
    }
    if l.body_idle_timeout_secs == 0 || l.body_idle_timeout_secs > l.body_read_timeout_secs {
        return Err(invalid("limits.body_idle_timeout_secs", "use 1..=limits.body_read_timeout_secs"));
    }
    // One request must still fit: the JSON part plus one 5 MiB image.
    if !(6 * 1024 * 1024..=1024 * 1024 * 1024).contains(&l.upload_max_body_bytes) {
        return Err(invalid("limits.upload_max_body_bytes", "use 6 MiB (6291456) ..= 1 GiB"));
    }
    if l.upload_max_concurrent == 0 || l.upload_max_concurrent > 10_000 {
        return Err(invalid("limits.upload_max_concurrent", "use 1..=10000"));
    }
    if l.upload_daily_files_per_user == 0 {
        return Err(invalid("limits.upload_daily_files_per_user", "use at least 1"));
    }
    Ok(())
}

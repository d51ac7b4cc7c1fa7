// figment::Jail closures must return figment::Error, which is large by design.
#![allow(clippy::result_large_err)]

use super::*;
use figment::Jail;

fn load(jail: &Jail, profile: Profile) -> Result<Settings, ConfigError> {
    Settings::load_from(profile, jail.directory())
}

#[test]
fn embedded_needs_nothing_and_derives_urls_under_data_dir() {
    Jail::expect_with(|jail| {
        let s = load(jail, Profile::Embedded).map_err(|e| e.to_string())?;
        assert_eq!(s.server.port, 8080);
        assert_eq!(s.admin.port, 8090);
        let db = s.database.url.as_ref().map(|u| u.expose_secret().to_owned()).unwrap_or_default();
        assert!(db.starts_with("sqlite://") && db.ends_with("data/cercat.db?mode=rwc"), "{db}");
        assert!(s.storage.url.clone().unwrap_or_default().ends_with("data/objects/"));
        Ok(())
    });
}

#[test]
fn env_overrides_file_which_overrides_defaults() {
    Jail::expect_with(|jail| {
        jail.create_file("embedded.toml", "[server]\nport = 9000\nhost = \"0.0.0.0\"\n")?;
        jail.set_env("CERCAT__SERVER__PORT", "9100");
        jail.set_env("CERCAT__DATA_DIR", "/tmp/cercat-x");
        let s = load(jail, Profile::Embedded).map_err(|e| e.to_string())?;
        assert_eq!(s.server.port, 9100);
        assert_eq!(s.server.host, "0.0.0.0");
        assert_eq!(
            s.database.url.as_ref().map(ExposeSecret::expose_secret),
            Some("sqlite:///tmp/cercat-x/cercat.db?mode=rwc")
        );
        Ok(())
    });
}

#[test]
fn a_malformed_value_names_the_setting_and_the_variable() {
    Jail::expect_with(|jail| {
        jail.set_env("CERCAT__SERVER__PORT", "eighty");
        let err = load(jail, Profile::Embedded).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.starts_with("invalid setting `server.port`"), "{err}");
        assert!(err.contains("CERCAT__SERVER__PORT"), "{err}");
        assert!(!err.contains('\n'));
        Ok(())
    });
}

#[test]
fn an_unknown_setting_is_rejected_by_name() {
    Jail::expect_with(|jail| {
        jail.set_env("CERCAT__SERVER__PROT", "1");
        let err = load(jail, Profile::Embedded).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("prot"), "{err}");
        Ok(())
    });
}

#[test]
fn production_names_the_first_missing_server() {
    Jail::expect_with(|jail| {
        let err = load(jail, Profile::Production).err();
        assert!(matches!(&err, Some(ConfigError::Missing { setting, .. }) if setting == "database.url"), "{err:?}");
        jail.set_env("CERCAT__DATABASE__URL", "mysql://root@127.0.0.1:3306/cercat");
        jail.set_env("CERCAT__REDIS__URL", "redis://127.0.0.1:6379");
        jail.set_env("CERCAT__KAFKA__BROKERS", "127.0.0.1:9092");
        let err = load(jail, Profile::Production).err();
        assert!(matches!(&err, Some(ConfigError::Missing { setting, .. }) if setting == "storage.url"), "{err:?}");
        jail.set_env("CERCAT__STORAGE__URL", "gs://bucket");
        let err = load(jail, Profile::Production).err();
        assert!(matches!(&err, Some(ConfigError::Missing { setting, .. }) if setting == "auth.jwt_secret"), "{err:?}");
        jail.set_env("CERCAT__AUTH__JWT_SECRET", "short");
        assert!(load(jail, Profile::Production).is_err(), "a short secret is refused");
        jail.set_env("CERCAT__AUTH__JWT_SECRET", "0123456789abcdef0123456789abcdef");
        let err = load(jail, Profile::Production).err();
        assert!(matches!(&err, Some(ConfigError::Missing { setting, .. }) if setting == "mail.smtp_url"), "{err:?}");
        jail.set_env("CERCAT__MAIL__SMTP_URL", "smtp://mail.example.com:587");
        let err = load(jail, Profile::Production).err();
        assert!(
            matches!(&err, Some(ConfigError::Missing { setting, .. }) if setting == "payment.toss_secret_key"),
            "{err:?}"
        );
        jail.set_env("CERCAT__PAYMENT__TOSS_SECRET_KEY", "test_sk_0123456789");
        let err = load(jail, Profile::Production).err();
        assert!(
            matches!(&err, Some(ConfigError::Missing { setting, .. }) if setting == "payment.webhook_secret"),
            "{err:?}"
        );
        jail.set_env("CERCAT__PAYMENT__WEBHOOK_SECRET", "whsec-0123456789abcdef");
        let s = load(jail, Profile::Production).map_err(|e| e.to_string())?;
        assert!(!format!("{s:?}").contains("test_sk_0123456789"), "the gateway key is not printed");
        assert!(!format!("{s:?}").contains("0123456789abcdef"), "the JWT secret is not printed");
        assert!(!s.jobs.in_process && !s.jobs.workers_in_process, "production runs jobs in cercat-batch");
        Ok(())
    });
}

#[test]
fn production_refuses_the_payment_simulator() {
    Jail::expect_with(|jail| {
        for (k, v) in [
            ("CERCAT__DATABASE__URL", "mysql://root@127.0.0.1:3306/cercat"),
            ("CERCAT__REDIS__URL", "redis://127.0.0.1:6379"),
            ("CERCAT__KAFKA__BROKERS", "127.0.0.1:9092"),
            ("CERCAT__STORAGE__URL", "gs://bucket"),
            ("CERCAT__AUTH__JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("CERCAT__MAIL__SMTP_URL", "smtp://mail.example.com:587"),
            ("CERCAT__PAYMENT__GATEWAY", "simulator"),
        ] {
            jail.set_env(k, v);
        }
        let err = load(jail, Profile::Production).err();
        assert!(matches!(&err, Some(ConfigError::Invalid { setting, .. }) if setting == "payment.gateway"), "{err:?}");
        assert!(load(jail, Profile::Embedded).is_ok(), "embedded mode keeps its simulator");
        Ok(())
    });
}

#[test]
fn cors_origins_accept_csv_and_reject_wildcards_and_paths() {
    Jail::expect_with(|jail| {
        jail.set_env("CERCAT__CORS__ALLOWED_ORIGINS", "https://cercat.o-r.kr, http://localhost:3000");
        let s = load(jail, Profile::Embedded).map_err(|e| e.to_string())?;
        assert_eq!(s.cors.allowed_origins, vec!["https://cercat.o-r.kr", "http://localhost:3000"]);
        jail.set_env("CERCAT__CORS__ALLOWED_ORIGINS", "*");
        assert!(load(jail, Profile::Embedded).is_err());
        jail.set_env("CERCAT__CORS__ALLOWED_ORIGINS", "https://a.com/path");
        assert!(load(jail, Profile::Embedded).is_err());
        Ok(())
    });
}

#[test]
fn secrets_are_not_printed() {
    let mut s = Settings::defaults(Profile::Production);
    s.database.url = Some("mysql://cercat:db-hunter2@db:3306/cercat".into());
    s.redis.url = Some("redis://:redis-hunter2@cache:6379/0".into());
    s.mail.smtp_url = Some("smtp://cercat:smtp-hunter2@smtp.example.com:587".into());
    s.auth.jwt_secret = Some("jwt-hunter2-jwt-hunter2-jwt-hunter2".into());
    s.payment.toss_secret_key = Some("test_sk_toss-hunter2".into());
    s.payment.webhook_secret = Some("webhook-hunter2-0123".into());
    for name in ["kakao", "google", "apple"] {
        let provider = OAuthProvider {
            client_id: format!("{name}-client"),
            client_secret: format!("{name}-oauth-hunter2").into(),
            authorize_url: "https://id.example.com/authorize".into(),
            token_url: "https://id.example.com/token".into(),
            userinfo_url: None,
            scope: "openid".into(),
            subject_pointer: "/sub".into(),
            email_pointer: "/email".into(),
            email_verified_pointer: None,
        };
        s.oauth.providers.insert(name.into(), provider);
    }
    let printed = format!("{s:?}");
    assert!(!printed.contains("hunter2"), "a secret leaked into Debug output: {printed}");
    // Every section is printed: the redaction is per field, not by leaving sections out.
    for section in ["sse:", "course:", "payment:", "oauth:", "jobs:", "events:", "client_id: \"cercat\""] {
        assert!(printed.contains(section), "`{section}` missing from {printed}");
    }
    assert!(printed.contains("kakao-client"), "non-secret provider fields stay visible");
}

#[test]
fn secrets_load_from_env_and_never_serialize() {
    Jail::expect_with(|jail| {
        jail.set_env("CERCAT__AUTH__JWT_SECRET", "from-env-secret-from-env-secret-0123");
        jail.set_env("CERCAT__DATABASE__URL", "sqlite:///tmp/cercat-secret.db?mode=rwc");
        let s = load(jail, Profile::Embedded).map_err(|e| e.to_string())?;
        let jwt = s.auth.jwt_secret.as_ref().map(ExposeSecret::expose_secret);
        assert_eq!(jwt, Some("from-env-secret-from-env-secret-0123"));
        let back = figment::Figment::from(figment::providers::Serialized::defaults(&s));
        assert!(back.find_value("auth.jwt_secret").is_err(), "secrets are skipped when serialized");
        assert!(back.find_value("database.url").is_err());
        Ok(())
    });
}

#[test]
fn root_settings_are_validated_with_their_names() {
    Jail::expect_with(|jail| {
        for (var, setting) in [
            ("CERCAT__COURSE__MAX_POLL_SECS", "course.max_poll_secs"),
            ("CERCAT__MAIL__BATCH_SIZE", "mail.batch_size"),
            ("CERCAT__EVENTS__RETRY_ATTEMPTS", "events.retry_attempts"),
            ("CERCAT__SERVER__HEADER_TIMEOUT_SECS", "server.header_timeout_secs"),
            ("CERCAT__AUTH__CODE_TTL_SECS", "auth.code_ttl_secs"),
            ("CERCAT__AUTH__RECOVERY_WINDOW_DAYS", "auth.recovery_window_days"),
        ] {
            jail.set_env(var, "0");
            let err = load(jail, Profile::Embedded).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(setting), "{var}=0 → {err}");
            jail.clear_env();
        }
        jail.set_env("CERCAT__EVENTS__RETRY_FIRST_BACKOFF_MS", "5000");
        jail.set_env("CERCAT__EVENTS__RETRY_MAX_BACKOFF_MS", "1000");
        let err = load(jail, Profile::Embedded).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("events.retry_max_backoff_ms"), "{err}");
        jail.clear_env();
        // A hold longer than a u32 of seconds is refused as malformed, not wrapped.
        jail.set_env("CERCAT__COURSE__HOLD_SECONDS", "4294967296");
        let err = load(jail, Profile::Embedded).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("course.hold_seconds"), "{err}");
        jail.clear_env();
        let s = load(jail, Profile::Embedded).map_err(|e| e.to_string())?;
        assert_eq!((s.course.max_poll_secs, s.mail.batch_size, s.events.retry_attempts), (10, 50, 5));
        assert_eq!((s.server.header_timeout_secs, s.auth.code_ttl_secs, s.auth.recovery_window_days), (10, 300, 365));
        Ok(())
    });
}

#[test]
fn the_documented_production_example_loads() {
    Jail::expect_with(|jail| {
        jail.create_file("production.toml", include_str!("../../../config/production.example.toml"))?;
        let s = load(jail, Profile::Production).map_err(|e| e.to_string())?;
        assert_eq!(s.cors.allowed_origins, vec!["https://cercat.o-r.kr"]);
        assert!(!s.database.migrate_on_start);
        assert_eq!(s.limits, Settings::defaults(Profile::Production).limits);
        Ok(())
    });
}

#[test]
fn upload_and_body_limits_are_checked() {
    Jail::expect_with(|jail| {
        jail.set_env("CERCAT__LIMITS__BODY_IDLE_TIMEOUT_SECS", "120");
        let err = load(jail, Profile::Embedded).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("limits.body_idle_timeout_secs"), "{err}");
        jail.set_env("CERCAT__LIMITS__BODY_IDLE_TIMEOUT_SECS", "5");
        jail.set_env("CERCAT__LIMITS__UPLOAD_MAX_CONCURRENT", "0");
        let err = load(jail, Profile::Embedded).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("limits.upload_max_concurrent"), "{err}");
        jail.set_env("CERCAT__LIMITS__UPLOAD_MAX_CONCURRENT", "2");
        jail.set_env("CERCAT__LIMITS__UPLOAD_MAX_BODY_BYTES", "1000");
        let err = load(jail, Profile::Embedded).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("limits.upload_max_body_bytes"), "{err}");
        jail.set_env("CERCAT__LIMITS__UPLOAD_MAX_BODY_BYTES", "10485760");
        let s = load(jail, Profile::Embedded).map_err(|e| e.to_string())?;
        assert_eq!((s.limits.body_idle_timeout_secs, s.limits.upload_max_concurrent), (5, 2));
        Ok(())
    });
}

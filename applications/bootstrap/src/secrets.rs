//! What start-up derives from the settings beyond adapters: the deployment secret and the
//! payment gateway it configures.

use std::sync::Arc;

use cercat_common::PortError;
use cercat_config::{ExposeSecret, PaymentGatewaySetting, SecretString, Settings};
use cercat_course::ports::PaymentGateway;
use cercat_payment::{SimulatedGateway, SimulatorOptions, TossGateway, TossOptions};

use crate::ms;

/// The configured JWT secret, or (embedded mode) the one in `data_dir/secrets/jwt.key`,
/// generated on first start so tokens survive restarts.
pub(crate) fn jwt_secret(settings: &Settings) -> Result<SecretString, PortError> {
    if let Some(secret) = &settings.auth.jwt_secret {
        return Ok(secret.clone());
    }
    generated_secret(settings).map(SecretString::from)
}

/// The secret in `data_dir/secrets/jwt.key`, written on first start (once, even when two
/// programs start together).
fn generated_secret(settings: &Settings) -> Result<String, PortError> {
    let dir = settings.data_dir.join("secrets");
    let path = dir.join("jwt.key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_owned();
        if existing.len() >= 32 {
            return Ok(existing);
        }
        // Too short to be ours: replace it.
        let _ = std::fs::remove_file(&path);
    }
    std::fs::create_dir_all(&dir).map_err(|e| PortError::unavailable("secrets", format!("{}: {e}", dir.display())))?;
    let secret = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    // Written aside, then published with a hard link, which fails if the file exists: when two
    // programs start together on a fresh folder, one secret wins whole and both use it.
    let unavailable =
        |p: &std::path::Path, e: std::io::Error| PortError::unavailable("secrets", format!("{}: {e}", p.display()));
    let draft = dir.join(format!("jwt.key.{}", uuid::Uuid::new_v4().simple()));
    std::fs::write(&draft, &secret).map_err(|e| unavailable(&draft, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&draft, std::fs::Permissions::from_mode(0o600));
    }
    let published = std::fs::hard_link(&draft, &path);
    let _ = std::fs::remove_file(&draft);
    match published {
        Ok(()) => {
            tracing::info!(path = %path.display(), "generated a JWT secret for embedded mode");
            Ok(secret)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let existing = std::fs::read_to_string(&path).map_err(|e| unavailable(&path, e))?.trim().to_owned();
            if existing.len() < 32 {
                return Err(PortError::unavailable(
                    "secrets",
                    format!("{} holds a secret under 32 characters", path.display()),
                ));
            }
            Ok(existing)
        }
        Err(e) => Err(unavailable(&path, e)),
    }
}

/// The gateway the settings name: Toss's HTTP API, or the in-process simulator (whose
/// webhook secret defaults to one derived from the JWT secret).
pub(crate) fn payment_gateway(
    settings: &Settings,
    jwt_secret: &SecretString,
) -> Result<Arc<dyn PaymentGateway>, PortError> {
    let p = &settings.payment;
    let webhook_secret = p.webhook_secret.as_ref().map_or_else(
        || cercat_user::tokens::digest(&["cercat-simulated-webhooks", jwt_secret.expose_secret()]),
        |s| s.expose_secret().to_owned(),
    );
    Ok(match p.gateway {
        PaymentGatewaySetting::Toss => Arc::new(TossGateway::new(TossOptions {
            base_url: p.toss_base_url.clone(),
            // Validation requires the key with `toss`.
            secret_key: p.toss_secret_key.as_ref().map(|k| k.expose_secret().to_owned()).unwrap_or_default(),
            webhook_secret,
            timeout: ms(p.timeout_ms),
        })?),
        PaymentGatewaySetting::Simulator => Arc::new(SimulatedGateway::new(SimulatorOptions {
            latency: ms(p.simulator_latency_ms),
            failure_rate: f64::from(p.simulator_failure_percent) / 100.0,
            webhook_secret,
        })),
    })
}

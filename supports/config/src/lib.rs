//! Typed, layered, validated settings shared by every Cercat program.
//!
//! Layers, later wins: built-in defaults for the profile → `config/<profile>.toml` →
//! `CERCAT__…` environment variables (`__` separates levels: `CERCAT__SERVER__PORT=9000`).
//! The profile comes from `CERCAT_PROFILE` (`embedded`, the default, or `production`).
//! A bad or missing setting is reported as one line naming it.

mod model;
mod validate;

pub use model::*;
/// Secrets in the settings are `SecretString`s; `expose_secret()` reads one where it is used.
pub use secrecy::{ExposeSecret, SecretString};
pub use validate::parse_cidr;

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use std::path::{Path, PathBuf};

/// A setting that stops the program at start.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// A value could not be read into its type (named with where it came from).
    #[error("invalid setting `{setting}`: {reason}{origin}")]
    Malformed {
        /// Dotted setting path, e.g. `server.port`.
        setting: String,
        /// What was wrong.
        reason: String,
        /// ` (from …)` naming the file or variable, or empty.
        origin: String,
    },
    /// A value parsed but is not acceptable.
    #[error("invalid setting `{setting}`: {reason}")]
    Invalid {
        /// Dotted setting path.
        setting: String,
        /// Why, and what is accepted.
        reason: String,
    },
    /// A setting the profile needs has no value.
    #[error("missing setting `{setting}`: {hint}")]
    Missing {
        /// Dotted setting path.
        setting: String,
        /// How to provide it.
        hint: String,
    },
}

impl Settings {
    /// Loads the settings for the profile named by `CERCAT_PROFILE`, reading
    /// `CERCAT_CONFIG_DIR` (default `./config`) and the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        let profile = match std::env::var("CERCAT_PROFILE") {
            Ok(name) => Profile::parse(&name).ok_or_else(|| ConfigError::Invalid {
                setting: "CERCAT_PROFILE".into(),
                reason: format!("`{name}` is not a profile; use `embedded` or `production`"),
            })?,
            Err(_) => Profile::Embedded,
        };
        let dir = std::env::var_os("CERCAT_CONFIG_DIR").map_or_else(|| PathBuf::from("config"), PathBuf::from);
        Self::load_from(profile, &dir)
    }

    /// Loads `profile`'s defaults, then `<config_dir>/<profile>.toml` if it exists, then `CERCAT__…` env.
    pub fn load_from(profile: Profile, config_dir: &Path) -> Result<Self, ConfigError> {
        let figment = Figment::from(Serialized::defaults(Self::defaults(profile)))
            .merge(Toml::file(config_dir.join(format!("{}.toml", profile.name()))))
            .merge(Env::prefixed("CERCAT__").split("__"));
        let settings: Settings = figment.extract().map_err(|err| from_figment(&err))?;
        if settings.profile != profile {
            return Err(ConfigError::Invalid {
                setting: "profile".into(),
                reason: format!(
                    "the file or env says `{}` but CERCAT_PROFILE selects `{}`; set CERCAT_PROFILE instead",
                    settings.profile.name(),
                    profile.name()
                ),
            });
        }
        settings.resolve()
    }

    /// Fills derived defaults (database and storage URLs under `data_dir`) and validates.
    pub fn resolve(mut self) -> Result<Self, ConfigError> {
        validate::fill_and_check(&mut self)?;
        Ok(self)
    }
}

fn from_figment(err: &figment::Error) -> ConfigError {
    let first = err.clone().into_iter().next().unwrap_or_else(|| err.clone());
    let setting = if first.path.is_empty() { "(root)".to_owned() } else { first.path.join(".") };
    let origin = match &first.metadata {
        Some(meta) if meta.name.contains("environment") => {
            let var = format!("CERCAT__{}", first.path.iter().map(|p| p.to_uppercase()).collect::<Vec<_>>().join("__"));
            format!(" (from env {var})")
        }
        Some(meta) => match &meta.source {
            Some(source) => format!(" (from {source})"),
            None => format!(" (from {})", meta.name),
        },
        None => String::new(),
    };
    ConfigError::Malformed { setting, reason: first.kind.to_string(), origin }
}

#[cfg(test)]
mod tests;

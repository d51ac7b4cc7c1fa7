//! `[cors]`: which browser origins may call the api with credentials.

use serde::{Deserialize, Deserializer, Serialize};

use crate::Profile;

/// CORS.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CorsSettings {
    /// Exact origins (`https://cercat.o-r.kr`, `http://localhost:3000`); a comma-separated string is accepted.
    #[serde(deserialize_with = "list_or_csv")]
    pub allowed_origins: Vec<String>,
}

impl CorsSettings {
    /// The local web client in embedded mode; nothing in production until configured.
    pub(crate) fn defaults(profile: Profile) -> Self {
        let allowed_origins =
            if profile == Profile::Embedded { vec!["http://localhost:3000".into()] } else { Vec::new() };
        Self { allowed_origins }
    }
}

/// Environment variables cannot hold lists, so `CERCAT__CORS__ALLOWED_ORIGINS=a,b` is split.
fn list_or_csv<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrCsv {
        List(Vec<String>),
        Csv(String),
    }
    Ok(match ListOrCsv::deserialize(de)? {
        ListOrCsv::List(list) => list,
        ListOrCsv::Csv(csv) => csv.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
    })
}

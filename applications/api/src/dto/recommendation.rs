//! Wire shapes of onboarding preferences and recommendations.

use std::collections::BTreeMap;

use cercat_http::{AppError, extract::FromSegment};
use cercat_recommendation::{Recommendations, Recommended, model::ItemKind, service::ports::Preferences};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `PUT /users/me/preferences`: the caller's keywords with weights 0–1 (Claco's onboarding).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreferencesRequest {
    /// Keyword → weight in 0–1; at most 50 keywords of 1–30 characters. `{}` clears them.
    #[schema(schema_with = preference_keywords)]
    pub keywords: BTreeMap<String, f64>,
}

/// `keywords`: at most 50 names of 1–30 characters, not blank, each weighed 0–1.
fn preference_keywords() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let name = ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(30)).pattern(Some(
        "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]",
    ));
    let weight = ObjectBuilder::new().schema_type(Type::Number).minimum(Some(0.0)).maximum(Some(1.0));
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(name))
        .additional_properties(Some(weight))
        .max_properties(Some(50))
        .examples([serde_json::json!({"데이터베이스": 0.8, "네트워크": 0.5})])
        .build()
}

impl PreferencesRequest {
    /// The keywords as the service takes them.
    pub fn pairs(&self) -> Vec<(String, f64)> {
        self.keywords.iter().map(|(k, w)| (k.clone(), *w)).collect()
    }
}

/// The caller's preferences.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreferencesResponse {
    /// Keyword → weight, keywords trimmed and lower-cased.
    #[schema(example = json!({"데이터베이스": 0.8}))]
    pub keywords: BTreeMap<String, f32>,
    /// When they were last set (`null`: never).
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<Preferences> for PreferencesResponse {
    fn from(p: Preferences) -> Self {
        Self { keywords: p.keywords.into_iter().collect(), updated_at: p.updated_at }
    }
}

/// What a recommendation list holds, as the path names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KindPath {
    /// Certificates.
    Certificates,
    /// Courses.
    Courses,
    /// Community posts.
    Posts,
    /// Market products.
    Products,
}

impl KindPath {
    /// The item kind.
    pub fn kind(self) -> ItemKind {
        match self {
            Self::Certificates => ItemKind::Certificate,
            Self::Courses => ItemKind::Course,
            Self::Posts => ItemKind::Post,
            Self::Products => ItemKind::Product,
        }
    }
}

impl FromSegment for KindPath {
    fn from_segment(raw: &str, _path: &str) -> Result<Self, AppError> {
        match raw {
            "certificates" => Ok(Self::Certificates),
            "courses" => Ok(Self::Courses),
            "posts" => Ok(Self::Posts),
            "products" => Ok(Self::Products),
            _ => Err(AppError::invalid_path("kind", "must be certificates, courses, posts or products")),
        }
    }
}

impl cercat_http::extract::FromSegments for KindPath {
    fn from_segments(segments: &[&str], path: &str) -> Result<Self, AppError> {
        let raw = segments.first().copied().unwrap_or_default();
        Self::from_segment(raw, path)
    }
}

/// `?size=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct SizeQuery {
    /// How many, 1–50 (default 10).
    #[param(minimum = 1, maximum = 50)]
    pub size: Option<i64>,
}

/// One recommended item.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecommendationResponse {
    /// `CERTIFICATE`, `COURSE`, `POST` or `PRODUCT`.
    #[schema(example = "POST")]
    pub item_type: &'static str,
    /// The item's id in its kind (`certificateId`, `courseId`, `postId`, `productId`).
    pub item_id: i64,
    /// Its title (a certificate's name) when the model was built.
    pub title: String,
    /// Higher is better; comparable only within one list.
    pub score: f32,
    /// `CONTENT` (its keywords match the caller's), `COLLABORATIVE` (users who like what the
    /// caller likes like it) or `POPULAR` (many users chose it).
    #[schema(example = "COLLABORATIVE")]
    pub reason: &'static str,
}

/// A recommendation list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecommendationsResponse {
    /// Best first.
    pub items: Vec<RecommendationResponse>,
    /// When the model behind the list was built.
    pub model_built_at: DateTime<Utc>,
}

impl From<&Recommended> for RecommendationResponse {
    fn from(r: &Recommended) -> Self {
        Self {
            item_type: r.item.kind.as_str(),
            item_id: r.item.id,
            title: r.title.clone(),
            score: r.score,
            reason: r.reason.as_str(),
        }
    }
}

impl From<Recommendations> for RecommendationsResponse {
    fn from(r: Recommendations) -> Self {
        Self { items: r.items.iter().map(Into::into).collect(), model_built_at: r.model_built_at }
    }
}

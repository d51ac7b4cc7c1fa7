//! The recommendation use cases over storage: onboarding preferences; a user's recommendations
//! of each kind and an item's similar items, answered from the newest stored model and the
//! user's facts read at request time (so a like counts at once, through the neighbour lists);
//! the rebuild that stores a model; the offline evaluation of Cercat's own data.
//!
//! The service holds the model it answers from and asks the store for a newer one at most every
//! [`RecommendationConfig::reload_every`]; one request reloads while the others keep answering
//! from the model they have. When no model is stored yet (a new deployment before its first
//! rebuild), it builds one in memory from the source, so a new user never gets an empty list.

mod build;
pub mod keywords;
pub mod ports;
mod serving;
#[cfg(test)]
mod tests;

use std::{
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use cercat_common::{PortError, clock::Clock};
use chrono::{DateTime, Utc};
use serde::Serialize;

pub use build::{BuildConfig, BuildSummary};
use ports::{ModelStore, PreferenceStore, Preferences, RecommendationSource};
pub use serving::Recommended;
use serving::Serving;

use crate::{
    HybridConfig, RecommendationError,
    eval::{self, EvaluationConfig, EvaluationReport, SplitKind},
    model::{ItemKey, ItemKind},
};

/// The storage the service reads and writes.
#[derive(Clone)]
pub struct RecommendationPorts {
    /// Items and users' facts, from the other contexts' tables.
    pub source: Arc<dyn RecommendationSource>,
    /// Onboarding preferences.
    pub preferences: Arc<dyn PreferenceStore>,
    /// Stored models.
    pub models: Arc<dyn ModelStore>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

/// How recommendations are built and served.
#[derive(Debug, Clone)]
pub struct RecommendationConfig {
    /// How the rebuild computes a model.
    pub build: BuildConfig,
    /// How a user's answer blends its parts.
    pub hybrid: HybridConfig,
    /// How often the store is asked for a newer model.
    pub reload_every: Duration,
    /// How long a model built in memory (none stored) is used before it is built again.
    pub live_model_for: Duration,
    /// Models kept in the store (older ones are dropped by the rebuild).
    pub keep_models: u32,
}

impl Default for RecommendationConfig {
    fn default() -> Self {
        Self {
            build: BuildConfig::default(),
            hybrid: HybridConfig::default(),
            reload_every: Duration::from_secs(30),
            live_model_for: Duration::from_secs(600),
            keep_models: 2,
        }
    }
}

/// The default list size.
pub const DEFAULT_SIZE: i64 = 10;
/// The largest list size.
pub const MAX_SIZE: usize = 50;
/// Items asked of the model beyond the size, so a list stays full when some of them were
/// deleted, hidden or sold since the model was built.
const SLACK: usize = 10;

/// A list of recommendations with the model it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendations {
    /// Best first.
    pub items: Vec<Recommended>,
    /// When the model was built.
    pub model_built_at: DateTime<Utc>,
    /// The scorer behind its neighbour lists (`item-knn` or `ease`).
    pub scorer: String,
}

/// A step of the rebuild, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebuildStep {
    /// Items and interactions were read.
    Read,
    /// The model was computed.
    Computed,
    /// The model was stored.
    Stored,
}

/// How many [`RebuildStep`]s a rebuild takes.
pub const REBUILD_STEPS: u64 = 3;

/// What a rebuild did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RebuildReport {
    /// The stored model.
    pub model_id: i64,
    /// What the build found and chose.
    #[serde(flatten)]
    pub summary: BuildSummary,
    /// Seconds spent computing (reading and storing aside).
    pub compute_seconds: f64,
}

struct Current {
    model: Option<Arc<Serving>>,
    checked: Option<Instant>,
}

/// Recommendations.
pub struct RecommendationService {
    ports: RecommendationPorts,
    config: RecommendationConfig,
    current: RwLock<Current>,
    reload: tokio::sync::Mutex<()>,
    built_live: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for RecommendationService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecommendationService").field("config", &self.config).finish_non_exhaustive()
    }
}

/// The size asked for, checked: default 10, 1–50.
pub fn checked_size(size: Option<i64>) -> Result<usize, RecommendationError> {
    let got = size.unwrap_or(DEFAULT_SIZE);
    usize::try_from(got)
        .ok()
        .filter(|n| (1..=MAX_SIZE).contains(n))
        .ok_or(RecommendationError::InvalidSize { max: MAX_SIZE, got })
}

/// The path name of a kind (`certificates`…), for messages.
fn kind_name(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Certificate => "certificate",
        ItemKind::Course => "course",
        ItemKind::Post => "post",
        ItemKind::Product => "product",
    }
}

impl RecommendationService {
    /// The service over `ports`.
    pub fn new(ports: RecommendationPorts, config: RecommendationConfig) -> Self {
        Self {
            ports,
            config,
            current: RwLock::new(Current { model: None, checked: None }),
            reload: tokio::sync::Mutex::new(()),
            built_live: Mutex::new(None),
        }
    }

    /// The user's onboarding preferences.
    pub async fn preferences(&self, user: i64) -> Result<Preferences, RecommendationError> {
        Ok(self.ports.preferences.get(user).await?)
    }

    /// Replaces the user's preferences (an empty list clears them).
    pub async fn replace_preferences(
        &self,
        user: i64,
        given: &[(String, f64)],
    ) -> Result<Preferences, RecommendationError> {
        let keywords = keywords::preferences(given).map_err(RecommendationError::InvalidPreferences)?;
        let at = self.ports.clock.now();
        self.ports.preferences.replace(user, &keywords, at).await?;
        Ok(Preferences { keywords, updated_at: Some(at) })
    }

    /// The user's top `size` of `kind`, each with its reason.
    pub async fn recommend(
        &self,
        user: i64,
        kind: ItemKind,
        size: Option<i64>,
    ) -> Result<Recommendations, RecommendationError> {
        let n = checked_size(size)?;
        let model = self.model().await?;
        let (facts, preferences) =
            tokio::try_join!(self.ports.source.user_facts(user), self.ports.preferences.get(user))?;
        let wanted = (n + SLACK).min(MAX_SIZE + SLACK);
        let items = model.recommend(kind, &facts, &preferences, self.config.hybrid, wanted, self.ports.clock.now());
        let items = self.still_offered(items, n).await?;
        Ok(Recommendations { items, model_built_at: model.built_at, scorer: model.scorer.clone() })
    }

    /// The `size` items of `kind` most like item `id` of `of`: 404 if there is no such item; an
    /// item newer than the model gets what is popular for its certificate.
    pub async fn similar(
        &self,
        of: ItemKind,
        id: i64,
        kind: ItemKind,
        size: Option<i64>,
    ) -> Result<Recommendations, RecommendationError> {
        let n = checked_size(size)?;
        let key = ItemKey::new(of, id);
        let model = self.model().await?;
        let now = self.ports.clock.now();
        let wanted = n + SLACK;
        let items = match model.similar(key, kind, wanted, now) {
            Some(items) if self.ports.source.offered(&[key]).await?.contains(&key) => items,
            _ => {
                let facts = self.ports.source.item(key).await?;
                let facts = facts.ok_or(RecommendationError::UnknownItem { kind: kind_name(of), id })?;
                model.popular(kind, facts.certificate_id, key, wanted, now)
            }
        };
        let items = self.still_offered(items, n).await?;
        Ok(Recommendations { items, model_built_at: model.built_at, scorer: model.scorer.clone() })
    }

    /// Recomputes the model from the database and stores it; this process answers from it at once.
    pub async fn rebuild(&self) -> Result<RebuildReport, RecommendationError> {
        self.rebuild_reporting(|_| {}).await
    }

    /// [`rebuild`](Self::rebuild), telling `step` as each of the [`REBUILD_STEPS`] is done (for
    /// a progress display).
    pub async fn rebuild_reporting(
        &self,
        mut step: impl FnMut(RebuildStep) + Send,
    ) -> Result<RebuildReport, RecommendationError> {
        let (items, interactions) = tokio::try_join!(self.ports.source.items(), self.ports.source.interactions())?;
        step(RebuildStep::Read);
        let config = self.config.build.clone();
        let at = self.ports.clock.now();
        let started = Instant::now();
        let built = tokio::task::spawn_blocking(move || build::build(&items, &interactions, &config, at))
            .await
            .map_err(|err| RecommendationError::Evaluation(format!("the rebuild stopped: {err}")))?;
        let (snapshot, summary) = built.map_err(|err| RecommendationError::Evaluation(err.to_string()))?;
        let compute_seconds = started.elapsed().as_secs_f64();
        step(RebuildStep::Computed);
        let stamp = self.ports.models.save(&snapshot, self.config.keep_models).await?;
        step(RebuildStep::Stored);
        let serving = Arc::new(Serving::new(&snapshot, Some(stamp)));
        self.install(serving);
        Ok(RebuildReport { model_id: stamp.id, summary, compute_seconds })
    }

    /// The offline evaluation on Cercat's own data: every interaction, each user's latest 25 %
    /// held out (time split), items' keyword vectors from their facts.
    pub async fn evaluate_own_data(
        &self,
        mut config: EvaluationConfig,
    ) -> Result<EvaluationReport, RecommendationError> {
        let (items, interactions) = tokio::try_join!(self.ports.source.items(), self.ports.source.interactions())?;
        config.split = SplitKind::Time;
        tokio::task::spawn_blocking(move || {
            let kept: Vec<_> = interactions.iter().collect();
            let dataset = build::dataset(&items, &kept, true).map_err(RecommendationError::Evaluation)?;
            eval::evaluate(&dataset, &config).map_err(|err| RecommendationError::Evaluation(err.to_string()))
        })
        .await
        .map_err(|err| RecommendationError::Evaluation(format!("the evaluation stopped: {err}")))?
    }

    /// The first `n` of `items` that are still offered.
    async fn still_offered(&self, items: Vec<Recommended>, n: usize) -> Result<Vec<Recommended>, RecommendationError> {
        if items.is_empty() {
            return Ok(items);
        }
        let keys: Vec<ItemKey> = items.iter().map(|r| r.item).collect();
        let offered: std::collections::HashSet<ItemKey> = self.ports.source.offered(&keys).await?.into_iter().collect();
        Ok(items.into_iter().filter(|r| offered.contains(&r.item)).take(n).collect())
    }

    fn install(&self, serving: Arc<Serving>) {
        let mut current = self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        current.model = Some(serving);
        current.checked = Some(Instant::now());
    }

    fn snapshot(&self) -> (Option<Arc<Serving>>, bool) {
        let current = self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let due = current.checked.is_none_or(|at| at.elapsed() >= self.config.reload_every);
        (current.model.clone(), due)
    }

    /// The model to answer from: the one held, unless a check for a newer one is due.
    async fn model(&self) -> Result<Arc<Serving>, RecommendationError> {
        let (held, due) = self.snapshot();
        if let (Some(model), false) = (&held, due) {
            return Ok(model.clone());
        }
        let _reloading = match (&held, self.reload.try_lock()) {
            (_, Ok(guard)) => guard,
            // Another request is reloading; answer from what we have meanwhile.
            (Some(model), Err(_)) => return Ok(model.clone()),
            (None, Err(_)) => self.reload.lock().await,
        };
        let (held, due) = self.snapshot();
        if let (Some(model), false) = (&held, due) {
            return Ok(model.clone());
        }
        match self.refresh(held.clone()).await {
            Ok(model) => Ok(model),
            Err(err) => match held {
                Some(model) => {
                    tracing::warn!(%err, "could not look for a newer recommendation model; answering from the one held");
                    self.install(model.clone());
                    Ok(model)
                }
                None => Err(err),
            },
        }
    }

    async fn refresh(&self, held: Option<Arc<Serving>>) -> Result<Arc<Serving>, RecommendationError> {
        let latest = self.ports.models.latest().await?;
        if let (Some(model), Some(stamp)) = (&held, latest)
            && model.stamp == Some(stamp)
        {
            self.install(model.clone());
            return Ok(model.clone());
        }
        if let Some(stamp) = latest
            && let Some(snapshot) = self.ports.models.load(stamp.id).await?
        {
            let serving = tokio::task::spawn_blocking(move || Serving::new(&snapshot, Some(stamp)))
                .await
                .map_err(|err| RecommendationError::Store(PortError::unavailable("recommendations", err)))?;
            let serving = Arc::new(serving);
            self.install(serving.clone());
            return Ok(serving);
        }
        let live_fresh = self
            .built_live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_some_and(|at| at.elapsed() < self.config.live_model_for);
        if let (Some(model), true) = (&held, live_fresh)
            && model.stamp.is_none()
        {
            self.install(model.clone());
            return Ok(model.clone());
        }
        let serving = Arc::new(self.build_live().await?);
        *self.built_live.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
        self.install(serving.clone());
        Ok(serving)
    }

    async fn build_live(&self) -> Result<Serving, RecommendationError> {
        let (items, interactions) = tokio::try_join!(self.ports.source.items(), self.ports.source.interactions())?;
        tracing::info!(
            items = items.len(),
            interactions = interactions.len(),
            "no stored recommendation model; building one in memory"
        );
        let mut config = self.config.build.clone();
        // Serving must not compete with requests for every core, nor spend seconds on EASE.
        config.knn.threads = std::num::NonZeroUsize::new(1);
        config.try_ease = false;
        let at = self.ports.clock.now();
        let built = tokio::task::spawn_blocking(move || build::build(&items, &interactions, &config, at))
            .await
            .map_err(|err| RecommendationError::Store(PortError::unavailable("recommendations", err)))?;
        let (snapshot, _) = built.map_err(|err| RecommendationError::Evaluation(err.to_string()))?;
        Ok(Serving::new(&snapshot, None))
    }
}

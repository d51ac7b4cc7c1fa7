//! The `recommendation` context, in memory: which certificates, courses, posts and products to
//! show a user, each with the reason it was chosen, and the offline evaluation that measures how
//! good those choices are. No database, no HTTP: the batch job and the endpoints feed it.
//!
//! - [`model`]: items, interactions and their default weights, [`Reason`].
//! - [`Catalogue`] numbers Cercat's keys densely; [`InteractionIndex`] holds the interaction
//!   matrix both ways (user → items, item → users).
//! - Scorers, all behind [`Scorer`]: [`Popularity`] (overall and per certificate, for cold start),
//!   [`ContentIndex`] (cosine of keyword vectors), [`ItemNeighbours`] (item-item kNN, the rebuild's
//!   artefact; [`ItemNeighbours::rank`] answers from the user's current items, so a new like counts
//!   at once), [`Hybrid`] (the blend, never empty), [`Ease`] (the strongest, up to a few thousand items).
//! - [`eval`]: CSV readers, per-user splits, metrics at k and [`eval::evaluate`].
//! - [`synthetic`]: seeded data with known structure, for benchmarks and evaluation.
//! - [`service`]: the use cases over storage — preferences, recommendations and similar items
//!   answered from the stored model and the user's current facts, the rebuild, the evaluation
//!   of Cercat's own data.

mod catalogue;
mod content;
mod ease;
mod error;
pub mod eval;
mod hybrid;
mod index;
mod interner;
mod knn;
mod linalg;
pub mod model;
mod parallel;
mod popularity;
mod rng;
mod scorer;
pub mod service;
pub mod synthetic;
#[cfg(test)]
mod tests;
mod vector;

pub use catalogue::Catalogue;
pub use content::ContentIndex;
pub use ease::{Ease, EaseConfig, EaseError};
pub use error::RecommendationError;
pub use hybrid::{Hybrid, HybridConfig};
pub use index::{IndexError, InteractionIndex};
pub use interner::{Interner, Vocabulary};
pub use knn::{ItemNeighbours, KnnConfig, Neighbour};
pub use linalg::{NotPositiveDefinite, SquareMatrix};
pub use model::{Interaction, InteractionKind, ItemIx, ItemKey, ItemKind, Reason, Recommendation, Scored, UserIx};
pub use popularity::Popularity;
pub use rng::SplitMix64;
pub use scorer::{ItemFilter, Scorer, UserContext};
pub use service::{RecommendationConfig, RecommendationPorts, RecommendationService, Recommendations, Recommended};
pub use vector::{KeywordWeightError, SparseVector};

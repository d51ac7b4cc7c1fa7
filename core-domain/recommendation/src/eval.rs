//! Offline evaluation: read an interaction file (and optionally item keywords), split each user's
//! items into train and test, rank the **whole** catalogue minus each user's training items with
//! every scorer, and report precision, recall, NDCG, MAP and coverage at k.

mod dataset;
mod metrics;
mod report;
mod run;
mod split;
#[cfg(test)]
mod tests;

pub use dataset::{CsvError, CsvOptions, Dataset, ItemKeywords, Rating};
pub use metrics::{RankingMetrics, at_k, coverage};
pub use report::{EvaluationReport, ScorerFigures, SkippedScorer};
pub use run::{EvaluationConfig, EvaluationError, evaluate};
pub use split::{Split, SplitError, SplitKind, split};

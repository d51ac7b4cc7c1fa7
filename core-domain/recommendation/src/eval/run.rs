//! The evaluation protocol: split, fit each scorer on the training half, rank the whole catalogue
//! minus each tested user's training items, compare the top k with their held-out items.

use super::{
    dataset::Dataset,
    metrics::{self, MeanMetrics},
    report::{EvaluationReport, ScorerFigures, SkippedScorer},
    split::{SplitError, SplitKind, split},
};
use crate::{
    content::ContentIndex,
    ease::{Ease, EaseConfig},
    hybrid::{Hybrid, HybridConfig},
    index::{IndexError, InteractionIndex},
    knn::{ItemNeighbours, KnnConfig},
    model::{ItemIx, UserIx},
    parallel,
    popularity::Popularity,
    scorer::{ItemFilter, Scorer, UserContext},
};
use serde::{Deserialize, Serialize};
use std::{collections::HashSet, num::NonZeroUsize, time::Instant};

/// The protocol's parameters and each scorer's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluationConfig {
    /// The cut-off k.
    pub k: usize,
    /// How users' items are split.
    pub split: SplitKind,
    /// The share of each user's items held out (0.25).
    pub test_share: f64,
    /// The random split's seed.
    pub seed: u64,
    /// Item-kNN's parameters (also the hybrid's collaborative part).
    pub knn: KnnConfig,
    /// The hybrid's blend.
    pub hybrid: HybridConfig,
    /// EASE's parameters; above its item limit it is reported as skipped.
    pub ease: EaseConfig,
    /// Threads for ranking users; `None` uses every available core.
    pub threads: Option<NonZeroUsize>,
}

impl Default for EvaluationConfig {
    fn default() -> Self {
        Self {
            k: 10,
            split: SplitKind::Random,
            test_share: 0.25,
            seed: 42,
            knn: KnnConfig::default(),
            hybrid: HybridConfig::default(),
            ease: EaseConfig::default(),
            threads: None,
        }
    }
}

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    /// The split was refused.
    #[error(transparent)]
    Split(#[from] SplitError),
    /// The training matrix was refused.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// No user has a test item (every user has a single interaction, or the file is empty).
    #[error("nothing to evaluate: no user has two or more interactions")]
    NothingToEvaluate,
}

/// Runs the protocol on `dataset`: popularity, content (when the dataset has item vectors),
/// item-kNN, the hybrid and EASE (when the catalogue is within its limit), one row each.
pub fn evaluate(dataset: &Dataset, config: &EvaluationConfig) -> Result<EvaluationReport, EvaluationError> {
    let halves = split(dataset, config.split, config.test_share, config.seed)?;
    let train = dataset.index(&halves.train)?;
    let mut tests: Vec<(UserIx, HashSet<ItemIx>)> = Vec::new();
    for rating in &halves.test {
        match tests.last_mut() {
            Some((user, items)) if *user == rating.user => {
                items.insert(rating.item);
            }
            _ => tests.push((rating.user, HashSet::from([rating.item]))),
        }
    }
    if tests.is_empty() {
        return Err(EvaluationError::NothingToEvaluate);
    }
    let bench =
        Bench { train: &train, tests: &tests, k: config.k, items: dataset.items.len(), threads: config.threads };
    let mut rows = Vec::new();
    let mut skipped = Vec::new();

    let started = Instant::now();
    let popularity = Popularity::build(&train);
    rows.push(bench.figures(&popularity, started.elapsed().as_secs_f64()));

    let started = Instant::now();
    let content = dataset.item_vectors.clone().map(ContentIndex::new);
    if let Some(content) = &content {
        rows.push(bench.figures(content, started.elapsed().as_secs_f64()));
    }

    let started = Instant::now();
    let neighbours = ItemNeighbours::build(&train, &config.knn);
    let knn_seconds = started.elapsed().as_secs_f64();
    rows.push(bench.figures(&neighbours, knn_seconds));

    let hybrid =
        Hybrid { neighbours: &neighbours, content: content.as_ref(), popularity: &popularity, config: config.hybrid };
    rows.push(bench.figures(&hybrid, knn_seconds));

    let started = Instant::now();
    match Ease::fit(&train, &config.ease) {
        Ok(ease) => rows.push(bench.figures(&ease, started.elapsed().as_secs_f64())),
        Err(error) => skipped.push(SkippedScorer { scorer: "ease".to_owned(), reason: error.to_string() }),
    }

    Ok(EvaluationReport {
        k: config.k,
        split: config.split,
        seed: config.seed,
        test_share: config.test_share,
        users: tests.len(),
        items: dataset.items.len(),
        train_interactions: halves.train.len(),
        test_interactions: halves.test.len(),
        rows,
        skipped,
    })
}

/// What every scorer is measured against.
struct Bench<'a> {
    train: &'a InteractionIndex,
    tests: &'a [(UserIx, HashSet<ItemIx>)],
    k: usize,
    items: usize,
    threads: Option<NonZeroUsize>,
}

impl Bench<'_> {
    /// Ranks every tested user with `scorer` and averages the figures.
    fn figures(&self, scorer: &dyn Scorer, fit_seconds: f64) -> ScorerFigures {
        let started = Instant::now();
        let threads = parallel::thread_count(self.threads);
        let filter = ItemFilter::new();
        let chunks = parallel::map_chunks(
            self.tests.len(),
            32,
            threads,
            || (),
            |_, range| {
                let mut mean = MeanMetrics::default();
                let mut recommended = HashSet::new();
                for (user, relevant) in &self.tests[range] {
                    let items = self.train.user_profile(*user);
                    let ranking: Vec<ItemIx> = scorer
                        .recommend(&UserContext::with_items(&items), &filter, self.k)
                        .iter()
                        .map(|s| s.item)
                        .collect();
                    mean.add(metrics::at_k(&ranking, relevant, self.k));
                    recommended.extend(ranking);
                }
                (mean, recommended)
            },
        );
        let mut mean = MeanMetrics::default();
        let mut recommended = HashSet::new();
        for (part, items) in chunks {
            mean.merge(part);
            recommended.extend(items);
        }
        let figures = mean.mean();
        ScorerFigures {
            scorer: scorer.name().to_owned(),
            precision: figures.precision,
            recall: figures.recall,
            ndcg: figures.ndcg,
            map: figures.average_precision,
            coverage: metrics::coverage(&recommended, self.items),
            fit_seconds,
            rank_seconds: started.elapsed().as_secs_f64(),
        }
    }
}

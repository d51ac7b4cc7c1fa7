//! Ranking metrics at a cut-off k with binary relevance, one user at a time, and their means.

use crate::model::ItemIx;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// One user's (or the mean over users') figures at k.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RankingMetrics {
    /// Relevant items in the top k, divided by k (a list shorter than k counts its gaps as misses).
    pub precision: f64,
    /// Relevant items in the top k, divided by the number of relevant items.
    pub recall: f64,
    /// `DCG@k / IDCG@k` with gain 1 per relevant item at rank r discounted by `log2(r + 1)`; the
    /// ideal list puts `min(k, |relevant|)` relevant items first.
    pub ndcg: f64,
    /// Average precision at k: the precision at each relevant rank within k, summed, divided by
    /// `min(k, |relevant|)`; its mean over users is MAP@k.
    pub average_precision: f64,
}

/// The figures of `ranking` (best first) against the `relevant` items, at cut-off `k`; all zero
/// when `k` is 0 or nothing is relevant.
pub fn at_k(ranking: &[ItemIx], relevant: &HashSet<ItemIx>, k: usize) -> RankingMetrics {
    if k == 0 || relevant.is_empty() {
        return RankingMetrics::default();
    }
    let (mut hits, mut dcg, mut precision_sum) = (0usize, 0.0f64, 0.0f64);
    for (rank, item) in ranking.iter().take(k).enumerate() {
        if relevant.contains(item) {
            hits += 1;
            dcg += 1.0 / (rank as f64 + 2.0).log2();
            precision_sum += hits as f64 / (rank + 1) as f64;
        }
    }
    let ideal_hits = k.min(relevant.len());
    let idcg: f64 = (0..ideal_hits).map(|rank| 1.0 / (rank as f64 + 2.0).log2()).sum();
    RankingMetrics {
        precision: hits as f64 / k as f64,
        recall: hits as f64 / relevant.len() as f64,
        ndcg: dcg / idcg,
        average_precision: precision_sum / ideal_hits as f64,
    }
}

/// Sums figures to average them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MeanMetrics {
    sum: RankingMetrics,
    users: usize,
}

impl MeanMetrics {
    pub(crate) fn add(&mut self, user: RankingMetrics) {
        self.merge(MeanMetrics { sum: user, users: 1 });
    }

    pub(crate) fn merge(&mut self, other: MeanMetrics) {
        self.sum.precision += other.sum.precision;
        self.sum.recall += other.sum.recall;
        self.sum.ndcg += other.sum.ndcg;
        self.sum.average_precision += other.sum.average_precision;
        self.users += other.users;
    }

    pub(crate) fn mean(&self) -> RankingMetrics {
        let n = self.users.max(1) as f64;
        RankingMetrics {
            precision: self.sum.precision / n,
            recall: self.sum.recall / n,
            ndcg: self.sum.ndcg / n,
            average_precision: self.sum.average_precision / n,
        }
    }
}

/// Distinct recommended items over the catalogue size (0 for an empty catalogue).
pub fn coverage(recommended: &HashSet<ItemIx>, catalogue: usize) -> f64 {
    if catalogue == 0 { 0.0 } else { recommended.len() as f64 / catalogue as f64 }
}

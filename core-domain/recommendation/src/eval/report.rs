//! The evaluation's result: one row of figures per scorer, serialisable for a job's history and
//! printable as a table.

use super::split::SplitKind;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The figures of one scorer, means over the tested users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScorerFigures {
    /// The scorer's name (`popularity`, `content`, `item-knn`, `hybrid`, `ease`).
    pub scorer: String,
    /// Precision@k.
    pub precision: f64,
    /// Recall@k.
    pub recall: f64,
    /// NDCG@k.
    pub ndcg: f64,
    /// MAP@k.
    pub map: f64,
    /// Catalogue coverage@k: distinct items in all top-k lists over the catalogue size.
    pub coverage: f64,
    /// Seconds to fit the scorer on the training data.
    pub fit_seconds: f64,
    /// Seconds to rank every tested user.
    pub rank_seconds: f64,
}

/// A scorer that was not evaluated, and why (EASE above its item limit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedScorer {
    /// The scorer's name.
    pub scorer: String,
    /// Why it was skipped.
    pub reason: String,
}

/// What [`evaluate`](super::evaluate) found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluationReport {
    /// The cut-off.
    pub k: usize,
    /// How users' items were split.
    pub split: SplitKind,
    /// The random split's seed.
    pub seed: u64,
    /// The share of each user's items held out.
    pub test_share: f64,
    /// Users with at least one test item (the others are skipped).
    pub users: usize,
    /// Catalogue size: every item of the files, the denominator of coverage.
    pub items: usize,
    /// Training interactions.
    pub train_interactions: usize,
    /// Held-out interactions.
    pub test_interactions: usize,
    /// One row per evaluated scorer.
    pub rows: Vec<ScorerFigures>,
    /// Scorers left out, with the reason.
    pub skipped: Vec<SkippedScorer>,
}

impl EvaluationReport {
    /// The row with the highest NDCG@k (ties to the earlier row).
    pub fn best(&self) -> Option<&ScorerFigures> {
        self.rows.iter().fold(None, |best: Option<&ScorerFigures>, row| match best {
            Some(b) if b.ndcg >= row.ndcg => Some(b),
            _ => Some(row),
        })
    }

    /// The report as a fixed-width table for a terminal.
    pub fn render_table(&self) -> String {
        let k = self.k;
        let mut out = String::new();
        let split = match self.split {
            SplitKind::Random => format!("random (seed {})", self.seed),
            SplitKind::Time => "time (latest held out)".to_owned(),
        };
        let _ = writeln!(
            out,
            "split {split}, {:.0} % test per user, k = {k}: {} users tested, {} items, {} train / {} test interactions",
            self.test_share * 100.0,
            self.users,
            self.items,
            self.train_interactions,
            self.test_interactions
        );
        let heads = [format!("P@{k}"), format!("R@{k}"), format!("NDCG@{k}"), format!("MAP@{k}"), format!("Cov@{k}")];
        let _ = write!(out, "{:<12}", "scorer");
        for head in &heads {
            let _ = write!(out, " {head:>8}");
        }
        let _ = writeln!(out, " {:>8} {:>8}", "fit s", "rank s");
        for row in &self.rows {
            let _ = writeln!(
                out,
                "{:<12} {:>8.4} {:>8.4} {:>8.4} {:>8.4} {:>8.4} {:>8.2} {:>8.2}",
                row.scorer,
                row.precision,
                row.recall,
                row.ndcg,
                row.map,
                row.coverage,
                row.fit_seconds,
                row.rank_seconds
            );
        }
        for skipped in &self.skipped {
            let _ = writeln!(out, "{:<12} skipped: {}", skipped.scorer, skipped.reason);
        }
        out
    }
}

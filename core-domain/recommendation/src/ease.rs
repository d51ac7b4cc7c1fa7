//! EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"): a linear item-to-item model with a
//! closed form, `B = I − P·diag(1/diag(P))`, `P = (XᵀX + λI)⁻¹`. On catalogues of a few thousand
//! items it beats neighbourhood models; its dense `n × n` inverse is also why it stops there.

use crate::{
    index::InteractionIndex,
    linalg::{NotPositiveDefinite, SquareMatrix},
    model::{ItemIx, Reason, Scored},
    parallel,
    scorer::{ItemFilter, Scorer, TopN, UserContext},
};
use serde::{Deserialize, Serialize};
use std::num::NonZeroUsize;

/// How EASE is fitted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EaseConfig {
    /// The L2 penalty λ added to the Gram matrix's diagonal. 200–500 suits ~100k interactions over
    /// ~1,700 items (MovieLens-100k); larger data wants larger λ.
    pub lambda: f64,
    /// The largest catalogue fitted. The fit holds two `n × n` `f64` matrices and costs
    /// `≈ 2n³/3` multiply-adds: measured 2.5 s at 1,682 items and 32 s with a 276 MB peak at 4,000
    /// on 2 shared cores, growing with n³. Above it [`Ease::fit`] answers
    /// [`EaseError::TooManyItems`] and callers use item-kNN instead.
    pub max_items: usize,
    /// Threads for the inverse; `None` uses every available core.
    pub threads: Option<NonZeroUsize>,
}

impl Default for EaseConfig {
    fn default() -> Self {
        Self { lambda: 300.0, max_items: 4_000, threads: None }
    }
}

/// Why EASE could not be fitted.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum EaseError {
    /// The catalogue is above [`EaseConfig::max_items`]; use item-kNN.
    #[error("EASE is limited to {max} items and the catalogue has {items}; use item-kNN")]
    TooManyItems {
        /// Items in the catalogue.
        items: usize,
        /// The configured limit.
        max: usize,
    },
    /// `XᵀX + λI` was not positive-definite, which only happens with `λ ≤ 0`.
    #[error("EASE needs a positive lambda: {0}")]
    NotPositiveDefinite(#[from] NotPositiveDefinite),
}

/// A fitted EASE model: the item-to-item weights `B` (zero diagonal), row-major `f32`.
#[derive(Debug, Clone)]
pub struct Ease {
    items: usize,
    weights: Vec<f32>,
}

impl Ease {
    /// Fits the model on `index`'s interactions, or says why not.
    pub fn fit(index: &InteractionIndex, config: &EaseConfig) -> Result<Self, EaseError> {
        let items = index.items();
        if items > config.max_items {
            return Err(EaseError::TooManyItems { items, max: config.max_items });
        }
        let mut gram = gram(index);
        for item in 0..items {
            gram.add(item, item, config.lambda);
        }
        let inverse = gram.invert_spd(parallel::thread_count(config.threads))?;
        let mut weights = vec![0.0f32; items * items];
        for (row, out) in weights.chunks_mut(items.max(1)).enumerate().take(items) {
            let p = inverse.row(row);
            for (column, weight) in out.iter_mut().enumerate() {
                if column != row {
                    *weight = (-p[column] / inverse.get(column, column)) as f32;
                }
            }
        }
        Ok(Self { items, weights })
    }

    /// How many items the model covers.
    pub fn items(&self) -> usize {
        self.items
    }

    /// The weight `B[from][to]`: how much having `from` predicts `to`.
    pub fn weight(&self, from: ItemIx, to: ItemIx) -> f32 {
        let (from, to) = (from as usize, to as usize);
        if from < self.items && to < self.items { self.weights[from * self.items + to] } else { 0.0 }
    }

    /// The user's top `n` by `score(j) = Σ_i weight(i)·B[i][j]` over the whole catalogue, owned
    /// and refused items left out. Items newer than the model are ignored.
    pub fn rank(&self, items: &[(ItemIx, f32)], filter: &ItemFilter<'_>, n: usize) -> Vec<Scored> {
        if items.is_empty() {
            return Vec::new();
        }
        let mut scores = vec![0.0f32; self.items];
        for &(item, weight) in items.iter().filter(|(item, _)| (*item as usize) < self.items) {
            let row = &self.weights[item as usize * self.items..(item as usize + 1) * self.items];
            scores.iter_mut().zip(row).for_each(|(score, b)| *score += weight * b);
        }
        let mut owned: Vec<ItemIx> = items.iter().map(|&(item, _)| item).collect();
        owned.sort_unstable();
        let mut top = TopN::new(n);
        for (item, &score) in scores.iter().enumerate() {
            if filter.admits(item as ItemIx, &owned) {
                top.offer(item as ItemIx, score);
            }
        }
        top.into_sorted()
            .into_iter()
            .map(|(item, score)| Scored { item, score, reason: Reason::Collaborative })
            .collect()
    }
}

/// `XᵀX`: for each user, every pair of their items adds the product of the two weights.
fn gram(index: &InteractionIndex) -> SquareMatrix {
    let mut gram = SquareMatrix::zeros(index.items());
    for user in 0..index.users() {
        let (items, weights) = index.user_items(user as u32);
        for (&a, &wa) in items.iter().zip(weights) {
            for (&b, &wb) in items.iter().zip(weights) {
                gram.add(a as usize, b as usize, f64::from(wa) * f64::from(wb));
            }
        }
    }
    gram
}

impl Scorer for Ease {
    fn name(&self) -> &'static str {
        "ease"
    }

    fn recommend(&self, user: &UserContext<'_>, filter: &ItemFilter<'_>, n: usize) -> Vec<Scored> {
        self.rank(user.items, filter, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(lambda: f64) -> EaseConfig {
        EaseConfig { lambda, threads: NonZeroUsize::new(1), ..EaseConfig::default() }
    }

    #[test]
    fn matches_the_closed_form_on_two_items_by_hand() {
        // u0 {0, 1}, u1 {0}: XᵀX = [[2, 1], [1, 1]]; λ = 1 → P = (1/5)·[[2, -1], [-1, 3]].
        // B[0][1] = -P01/P11 = 1/3, B[1][0] = -P10/P00 = 1/2, diagonal 0.
        let index = InteractionIndex::build(2, 2, [(0, 0, 1.0), (0, 1, 1.0), (1, 0, 1.0)]).unwrap();
        let ease = Ease::fit(&index, &config(1.0)).unwrap();
        assert!((ease.weight(0, 1) - 1.0 / 3.0).abs() < 1e-6);
        assert!((ease.weight(1, 0) - 0.5).abs() < 1e-6);
        assert_eq!((ease.weight(0, 0), ease.weight(1, 1)), (0.0, 0.0));
    }

    #[test]
    fn the_weights_solve_the_constrained_least_squares_on_generated_data() {
        // B = I − P·D with D = diag(1/diag P) gives (G + λI)·B − G = λI − D: zero off the diagonal.
        let data = crate::synthetic::generate(&crate::synthetic::SyntheticConfig {
            users: 120,
            items: 60,
            interactions: 1_500,
            min_per_user: 3,
            ..Default::default()
        });
        let index = data.index();
        let lambda = 5.0;
        let ease = Ease::fit(&index, &config(lambda)).unwrap();
        let g = gram(&index);
        let worst = (0..60)
            .flat_map(|i| (0..60).map(move |j| (i, j)))
            .filter(|(i, j)| i != j)
            .map(|(i, j)| {
                let lhs: f64 = (0..60)
                    .map(|k| {
                        (g.get(i, k) + if i == k { lambda } else { 0.0 }) * f64::from(ease.weight(k as u32, j as u32))
                    })
                    .sum();
                (lhs - g.get(i, j)).abs()
            })
            .fold(0.0f64, f64::max);
        assert!(worst < 1e-3, "largest off-diagonal residual {worst}");
        assert!((0..60).all(|i| ease.weight(i, i) == 0.0));
    }

    #[test]
    fn owned_items_are_never_answered_and_large_catalogues_are_refused() {
        let index = InteractionIndex::build(2, 3, [(0, 0, 1.0), (0, 1, 1.0), (1, 0, 1.0), (1, 2, 1.0)]).unwrap();
        let ease = Ease::fit(&index, &config(1.0)).unwrap();
        let ranked = ease.recommend(&UserContext::with_items(&[(0, 1.0)]), &ItemFilter::new(), 10);
        assert_eq!(ranked.len(), 2);
        assert!(ranked.iter().all(|s| s.item != 0));
        let limited = EaseConfig { max_items: 2, ..config(1.0) };
        assert_eq!(Ease::fit(&index, &limited).unwrap_err(), EaseError::TooManyItems { items: 3, max: 2 });
    }
}

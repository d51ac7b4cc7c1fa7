//! Sparse keyword vectors: an item's keywords, a user's preferences, both over one
//! [`Vocabulary`](crate::Vocabulary), compared by cosine.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a keyword weight was refused.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("keyword weight {weight} of term {term} is outside 0..=1")]
pub struct KeywordWeightError {
    /// The keyword's number in the vocabulary.
    pub term: u32,
    /// The refused weight (possibly NaN).
    pub weight: f32,
}

/// A vector over keyword numbers, holding only the non-zero weights, sorted by term.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SparseVector {
    terms: Vec<u32>,
    weights: Vec<f32>,
}

impl SparseVector {
    /// The zero vector.
    pub fn new() -> Self {
        Self::default()
    }

    /// A keyword vector as onboarding and item tagging give it: every weight within `0..=1`
    /// (a repeated term keeps its largest weight, zero weights are dropped).
    pub fn from_keyword_weights(pairs: impl IntoIterator<Item = (u32, f32)>) -> Result<Self, KeywordWeightError> {
        let mut merged = BTreeMap::new();
        for (term, weight) in pairs {
            if !(0.0..=1.0).contains(&weight) {
                return Err(KeywordWeightError { term, weight });
            }
            let slot = merged.entry(term).or_insert(0.0f32);
            *slot = slot.max(weight);
        }
        Ok(Self::from_sorted(merged))
    }

    fn from_sorted(merged: BTreeMap<u32, f32>) -> Self {
        let (terms, weights) = merged.into_iter().filter(|&(_, weight)| weight > 0.0).unzip();
        Self { terms, weights }
    }

    /// `Σ factor·vector`, then scaled so its largest weight is 1 — a user's activity profile
    /// from the items they touched, back in the 0–1 range of onboarding preferences.
    pub fn weighted_sum<'a>(parts: impl IntoIterator<Item = (&'a SparseVector, f32)>) -> Self {
        let mut merged: BTreeMap<u32, f32> = BTreeMap::new();
        for (vector, factor) in parts {
            for (term, weight) in vector.iter() {
                *merged.entry(term).or_insert(0.0) += factor * weight;
            }
        }
        let max = merged.values().copied().fold(0.0f32, f32::max);
        if max > 0.0 {
            merged.values_mut().for_each(|weight| *weight /= max);
        }
        Self::from_sorted(merged)
    }

    /// `(term, weight)` pairs in term order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, f32)> + '_ {
        self.terms.iter().copied().zip(self.weights.iter().copied())
    }

    /// The weight of `term` (0 when absent).
    pub fn weight(&self, term: u32) -> f32 {
        self.terms.binary_search(&term).map_or(0.0, |at| self.weights[at])
    }

    /// How many terms are non-zero.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether every weight is zero.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The Euclidean length.
    pub fn norm(&self) -> f32 {
        self.weights.iter().map(|w| w * w).sum::<f32>().sqrt()
    }

    /// The dot product, by merging the two sorted term lists.
    pub fn dot(&self, other: &SparseVector) -> f32 {
        let (mut a, mut b, mut sum) = (0, 0, 0.0);
        while a < self.terms.len() && b < other.terms.len() {
            match self.terms[a].cmp(&other.terms[b]) {
                std::cmp::Ordering::Less => a += 1,
                std::cmp::Ordering::Greater => b += 1,
                std::cmp::Ordering::Equal => {
                    sum += self.weights[a] * other.weights[b];
                    a += 1;
                    b += 1;
                }
            }
        }
        sum
    }

    /// The cosine of the angle between the two vectors; 0 when either is zero.
    pub fn cosine(&self, other: &SparseVector) -> f32 {
        let norms = self.norm() * other.norm();
        if norms > 0.0 { self.dot(other) / norms } else { 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_matches_a_hand_computed_angle() {
        // a = (1, 1, 0), b = (1, 0, 1): dot 1, |a||b| = 2, cosine 0.5.
        let a = SparseVector::from_keyword_weights([(0, 1.0), (1, 1.0)]).unwrap();
        let b = SparseVector::from_keyword_weights([(2, 1.0), (0, 1.0)]).unwrap();
        assert!((a.cosine(&b) - 0.5).abs() < 1e-6);
        assert!((a.cosine(&a) - 1.0).abs() < 1e-6);
        assert_eq!(a.cosine(&SparseVector::new()), 0.0);
    }

    #[test]
    fn keyword_weights_outside_zero_to_one_are_refused() {
        assert_eq!(SparseVector::from_keyword_weights([(3, 1.5)]), Err(KeywordWeightError { term: 3, weight: 1.5 }));
        assert!(SparseVector::from_keyword_weights([(3, f32::NAN)]).is_err());
        let kept = SparseVector::from_keyword_weights([(3, 0.2), (3, 0.6), (4, 0.0)]).unwrap();
        assert_eq!(kept.iter().collect::<Vec<_>>(), vec![(3, 0.6)]);
    }

    #[test]
    fn weighted_sum_is_scaled_to_a_largest_weight_of_one() {
        let a = SparseVector::from_keyword_weights([(0, 1.0), (1, 0.5)]).unwrap();
        let b = SparseVector::from_keyword_weights([(1, 1.0)]).unwrap();
        // 2a + b = (2, 2); scaled by 1/2 → (1, 1).
        let sum = SparseVector::weighted_sum([(&a, 2.0), (&b, 1.0)]);
        assert_eq!(sum.iter().collect::<Vec<_>>(), vec![(0, 1.0), (1, 1.0)]);
        assert_eq!(sum.weight(1), 1.0);
        assert_eq!(sum.weight(7), 0.0);
    }
}

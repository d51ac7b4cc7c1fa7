//! What every scorer shares: the user it scores for, the filter of items it may answer, the
//! [`Scorer`] trait, and the bounded top-N selection that keeps answers deterministic.

use crate::{
    model::{ItemIx, ItemKind, Scored},
    vector::SparseVector,
};
use std::{
    cmp::{Ordering, Reverse},
    collections::BinaryHeap,
};

/// What a scorer knows about the user it recommends for.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserContext<'a> {
    /// The items the user has (interests, attempts, enrollments, likes, purchases…) with their
    /// interaction weights, **including one just liked**: scorers read it at request time, so a
    /// new interaction counts at once. These items are never recommended back. Each item once:
    /// [`Catalogue::user_items`](crate::Catalogue::user_items) merges repeats.
    pub items: &'a [(ItemIx, f32)],
    /// Keyword preferences from onboarding, when the user gave some.
    pub preferences: Option<&'a SparseVector>,
    /// Groups the user declared (dense numbers of certificates of interest), for the per-group
    /// popularity that answers users without activity.
    pub groups: &'a [u32],
}

impl<'a> UserContext<'a> {
    /// A user known only by their items.
    pub fn with_items(items: &'a [(ItemIx, f32)]) -> Self {
        Self { items, ..Self::default() }
    }

    /// The user's items sorted, for the exclusion of what they already have.
    pub(crate) fn owned(&self) -> Vec<ItemIx> {
        let mut owned: Vec<ItemIx> = self.items.iter().map(|&(item, _)| item).collect();
        owned.sort_unstable();
        owned.dedup();
        owned
    }
}

/// Which items an answer may contain, besides the user's own items that no scorer returns.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter<'a> {
    /// Sorted, without repeats (a binary search answers faster than hashing at these sizes).
    excluded: Vec<ItemIx>,
    kind: Option<(ItemKind, &'a [ItemKind])>,
}

impl<'a> ItemFilter<'a> {
    /// A filter that accepts every item.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also refuses `items` (own posts, items hidden by the user, a page already shown…).
    pub fn excluding(mut self, items: impl IntoIterator<Item = ItemIx>) -> Self {
        self.excluded.extend(items);
        self.excluded.sort_unstable();
        self.excluded.dedup();
        self
    }

    /// Accepts only items of `kind`; `kinds` gives each dense item's kind
    /// ([`Catalogue::kinds`](crate::Catalogue::kinds)), and items beyond it are refused.
    pub fn of_kind(mut self, kind: ItemKind, kinds: &'a [ItemKind]) -> Self {
        self.kind = Some((kind, kinds));
        self
    }

    /// Whether `item` may be answered.
    pub fn accepts(&self, item: ItemIx) -> bool {
        if self.excluded.binary_search(&item).is_ok() {
            return false;
        }
        match self.kind {
            Some((kind, kinds)) => kinds.get(item as usize) == Some(&kind),
            None => true,
        }
    }

    /// Whether `item` may be answered to a user who owns the sorted `owned` items.
    pub(crate) fn admits(&self, item: ItemIx, owned: &[ItemIx]) -> bool {
        owned.binary_search(&item).is_err() && self.accepts(item)
    }
}

/// A recommender: the user's top `n` accepted items, best first, never one the user has.
pub trait Scorer: Sync {
    /// A short stable name for reports (`item-knn`, `ease`…).
    fn name(&self) -> &'static str;

    /// At most `n` items, best first, each with its score and reason; fewer when the scorer has
    /// nothing to say about more (a kNN scorer for a user without items answers nothing).
    fn recommend(&self, user: &UserContext<'_>, filter: &ItemFilter<'_>, n: usize) -> Vec<Scored>;
}

/// The `n` best `(item, score)` pairs offered, kept in a bounded heap.
///
/// Ties go to the lower item number, so every answer is reproducible.
pub(crate) struct TopN {
    n: usize,
    heap: BinaryHeap<Reverse<Ranked>>,
}

#[derive(Debug, Clone, Copy)]
struct Ranked {
    score: f32,
    item: ItemIx,
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score.total_cmp(&other.score).then_with(|| other.item.cmp(&self.item))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

impl TopN {
    /// Room for `n` items.
    pub(crate) fn new(n: usize) -> Self {
        Self { n, heap: BinaryHeap::with_capacity(n + 1) }
    }

    /// Offers `item`; kept only while among the best `n` so far.
    pub(crate) fn offer(&mut self, item: ItemIx, score: f32) {
        if self.n == 0 || score.is_nan() {
            return;
        }
        let candidate = Ranked { score, item };
        if self.heap.len() < self.n {
            self.heap.push(Reverse(candidate));
        } else if self.heap.peek().is_some_and(|Reverse(worst)| candidate > *worst) {
            self.heap.pop();
            self.heap.push(Reverse(candidate));
        }
    }

    /// The kept items, best first.
    pub(crate) fn into_sorted(self) -> Vec<(ItemIx, f32)> {
        let mut kept: Vec<Ranked> = self.heap.into_iter().map(|Reverse(ranked)| ranked).collect();
        kept.sort_unstable_by(|a, b| b.cmp(a));
        kept.into_iter().map(|ranked| (ranked.item, ranked.score)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_n_keeps_the_best_and_breaks_ties_by_the_lower_item() {
        let mut top = TopN::new(3);
        for (item, score) in [(5, 0.1), (1, 0.9), (7, 0.5), (2, 0.5), (3, f32::NAN), (4, 0.7)] {
            top.offer(item, score);
        }
        assert_eq!(top.into_sorted(), vec![(1, 0.9), (4, 0.7), (2, 0.5)]);
        let mut none = TopN::new(0);
        none.offer(1, 1.0);
        assert!(none.into_sorted().is_empty());
    }

    #[test]
    fn filter_refuses_excluded_items_other_kinds_and_owned_items() {
        let kinds = [ItemKind::Post, ItemKind::Course, ItemKind::Post];
        let filter = ItemFilter::new().excluding([2]).of_kind(ItemKind::Post, &kinds);
        assert!(filter.accepts(0));
        assert!(!filter.accepts(1), "a course is not a post");
        assert!(!filter.accepts(2), "excluded by the caller");
        assert!(!filter.accepts(3), "beyond the kinds table");
        assert!(!filter.admits(0, &[0]), "the user owns it");
    }
}

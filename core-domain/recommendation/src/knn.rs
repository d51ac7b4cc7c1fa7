//! Item-item collaborative filtering: each item's top-K most similar items by shrunk cosine over
//! the interaction matrix, precomputed by the rebuild ([`ItemNeighbours::build`]), and a user
//! scored at request time by summing the neighbour similarities of the items they have now.

mod build;
#[cfg(test)]
mod tests;

use crate::{
    model::{ItemIx, Reason, Scored},
    scorer::{ItemFilter, Scorer, TopN, UserContext},
};
use serde::{Deserialize, Serialize};
use std::num::NonZeroUsize;

/// How the neighbour lists are computed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KnnConfig {
    /// K: neighbours kept per item. 50 was best on MovieLens-100k-shaped data (K 20–200 tried):
    /// more neighbours pull in popular items from other tastes, fewer lose recall.
    pub neighbours: usize,
    /// The shrink term in `dot / (|a|·|b| + shrink)`: it damps similarities resting on few common
    /// users, which plain cosine rates as high as well-supported ones. 10 was best with K = 50
    /// (5–100 tried); a large shrink favours popular pairs, whose dot products are large.
    pub shrink: f32,
    /// Threads for the rebuild; `None` uses every available core.
    pub threads: Option<NonZeroUsize>,
}

impl Default for KnnConfig {
    fn default() -> Self {
        Self { neighbours: 50, shrink: 10.0, threads: None }
    }
}

/// One neighbour of an item.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Neighbour {
    /// The similar item.
    pub item: ItemIx,
    /// Its shrunk cosine similarity, in `(0, 1)`.
    pub similarity: f32,
}

/// Every item's neighbour list, most similar first, stored contiguously.
///
/// This is the artefact the rebuild job persists and the serving side loads
/// ([`lists`](Self::lists) / [`from_lists`](Self::from_lists)); answering a user needs only
/// these lists and the user's current items, so a like counts as soon as it is recorded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemNeighbours {
    offsets: Vec<usize>,
    neighbours: Vec<Neighbour>,
}

impl ItemNeighbours {
    /// Lists loaded back from storage, one per dense item (empty for an item without neighbours).
    /// Each list is re-sorted most similar first; non-positive similarities are dropped.
    pub fn from_lists(lists: impl IntoIterator<Item = Vec<Neighbour>>) -> Self {
        let mut offsets = vec![0];
        let mut neighbours = Vec::new();
        for mut list in lists {
            list.retain(|n| n.similarity > 0.0);
            sort_most_similar_first(&mut list);
            neighbours.extend(list);
            offsets.push(neighbours.len());
        }
        Self { offsets, neighbours }
    }

    /// How many items have a list.
    pub fn items(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// `item`'s neighbours, most similar first; empty for an item added after the rebuild.
    pub fn of(&self, item: ItemIx) -> &[Neighbour] {
        let at = item as usize;
        if at + 1 < self.offsets.len() { &self.neighbours[self.offsets[at]..self.offsets[at + 1]] } else { &[] }
    }

    /// Every list in item order, for persisting.
    pub fn lists(&self) -> impl Iterator<Item = (ItemIx, &[Neighbour])> {
        (0..self.items()).map(|item| (item as ItemIx, self.of(item as ItemIx)))
    }

    /// The user's top `n`: each candidate scores `Σ weight(i) · sim(i, candidate)` over the user's
    /// items `i` having it as a neighbour. `items` is read as given, so passing the item just
    /// liked ranks with it at once, no rebuild. Owned items and refused ones are never answered.
    pub fn rank(&self, items: &[(ItemIx, f32)], filter: &ItemFilter<'_>, n: usize) -> Vec<Scored> {
        let mut owned: Vec<ItemIx> = items.iter().map(|&(item, _)| item).collect();
        owned.sort_unstable();
        let mut top = TopN::new(n);
        for (item, score) in self.scores(items) {
            if filter.admits(item, &owned) {
                top.offer(item, score);
            }
        }
        top.into_sorted()
            .into_iter()
            .map(|(item, score)| Scored { item, score, reason: Reason::Collaborative })
            .collect()
    }

    /// Every item reached from `items`' neighbour lists with its summed similarity, in no order.
    pub fn scores(&self, items: &[(ItemIx, f32)]) -> Vec<(ItemIx, f32)> {
        let mut sums = vec![0.0f32; self.items()];
        let mut touched = Vec::new();
        for &(item, weight) in items {
            for neighbour in self.of(item) {
                let sum = &mut sums[neighbour.item as usize];
                if *sum == 0.0 {
                    touched.push(neighbour.item);
                }
                *sum += weight * neighbour.similarity;
            }
        }
        touched.into_iter().map(|item| (item, sums[item as usize])).collect()
    }

    /// The accepted items most similar to `item` (the "similar" endpoint), at most `n`.
    pub fn similar(&self, item: ItemIx, filter: &ItemFilter<'_>, n: usize) -> Vec<Scored> {
        self.of(item)
            .iter()
            .filter(|neighbour| neighbour.item != item && filter.accepts(neighbour.item))
            .take(n)
            .map(|neighbour| Scored {
                item: neighbour.item,
                score: neighbour.similarity,
                reason: Reason::Collaborative,
            })
            .collect()
    }
}

fn sort_most_similar_first(list: &mut [Neighbour]) {
    list.sort_unstable_by(|a, b| b.similarity.total_cmp(&a.similarity).then(a.item.cmp(&b.item)));
}

impl Scorer for ItemNeighbours {
    fn name(&self) -> &'static str {
        "item-knn"
    }

    fn recommend(&self, user: &UserContext<'_>, filter: &ItemFilter<'_>, n: usize) -> Vec<Scored> {
        self.rank(user.items, filter, n)
    }
}

//! The hybrid scorer: item-kNN and content scores, each normalised to a best of 1, blended, and
//! damped by popularity so the very popular items do not crowd out the user's niche; topped up
//! from popularity so even a brand-new user gets a full list.

use crate::{
    content::ContentIndex,
    knn::ItemNeighbours,
    model::{ItemIx, Reason, Scored},
    popularity::Popularity,
    scorer::{ItemFilter, Scorer, TopN, UserContext},
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// How the hybrid blends its parts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HybridConfig {
    /// The share of the collaborative part in `[0, 1]`; the rest goes to content. Collaborative
    /// signal is the stronger once a user has history, content matters for new items and users.
    pub collaborative_share: f32,
    /// β in `score / (1 + users(item))^β`: 0 keeps scores as they are; 0.1–0.3 lifts less popular
    /// items (coverage rises). With K = 50 and shrink 10 the kNN part is already little biased
    /// towards popular items and any β > 0 cost precision on MovieLens-shaped data, hence 0; data
    /// where the head dominates more (or K larger) may want 0.1.
    pub popularity_damping: f32,
}

impl Default for HybridConfig {
    fn default() -> Self {
        Self { collaborative_share: 0.8, popularity_damping: 0.0 }
    }
}

/// The hybrid over borrowed parts; cheap to build per request.
#[derive(Debug, Clone, Copy)]
pub struct Hybrid<'a> {
    /// The neighbour lists (the collaborative part).
    pub neighbours: &'a ItemNeighbours,
    /// Item keyword vectors (the content part), when the catalogue has any.
    pub content: Option<&'a ContentIndex>,
    /// Popularity, for the damping and for topping up short lists.
    pub popularity: &'a Popularity,
    /// The blend.
    pub config: HybridConfig,
}

impl Hybrid<'_> {
    fn blended(&self, user: &UserContext<'_>, owned: &[ItemIx], filter: &ItemFilter<'_>, n: usize) -> Vec<Scored> {
        let share = self.config.collaborative_share.clamp(0.0, 1.0);
        // Dense parts by item number, and the items touched: a request visits thousands of
        // items, and hashing each was most of its time.
        let mut parts: Vec<Option<(f32, f32)>> = Vec::new();
        let mut touched: Vec<ItemIx> = Vec::new();
        let mut add = |item: ItemIx, by_users: f32, by_keywords: f32| {
            let at = item as usize;
            if parts.len() <= at {
                parts.resize(at + 1, None);
            }
            let slot = parts[at].get_or_insert_with(|| {
                touched.push(item);
                (0.0, 0.0)
            });
            slot.0 += by_users;
            slot.1 += by_keywords;
        };
        for (item, score) in normalised(self.neighbours.scores(user.items), owned, filter) {
            add(item, share * score, 0.0);
        }
        if let Some(content) = self.content {
            for (item, score) in normalised(content.cosines(&content.profile(user)), owned, filter) {
                add(item, 0.0, (1.0 - share) * score);
            }
        }
        let mut top = TopN::new(n);
        for &item in &touched {
            let (by_users, by_keywords) = parts[item as usize].unwrap_or_default();
            let damping = (1.0 + self.popularity.count(item) as f32).powf(self.config.popularity_damping);
            let score = (by_users + by_keywords) / damping;
            if score > 0.0 {
                top.offer(item, score);
            }
        }
        top.into_sorted()
            .into_iter()
            .map(|(item, score)| {
                let (by_users, by_keywords) = parts[item as usize].unwrap_or_default();
                let reason = if by_users >= by_keywords { Reason::Collaborative } else { Reason::Content };
                Scored { item, score, reason }
            })
            .collect()
    }
}

/// The admitted scores divided by the best of them.
fn normalised(scores: Vec<(ItemIx, f32)>, owned: &[ItemIx], filter: &ItemFilter<'_>) -> Vec<(ItemIx, f32)> {
    let admitted: Vec<(ItemIx, f32)> =
        scores.into_iter().filter(|&(item, score)| score > 0.0 && filter.admits(item, owned)).collect();
    let best = admitted.iter().map(|&(_, score)| score).fold(0.0f32, f32::max);
    if best > 0.0 { admitted.into_iter().map(|(item, score)| (item, score / best)).collect() } else { Vec::new() }
}

impl Scorer for Hybrid<'_> {
    fn name(&self) -> &'static str {
        "hybrid"
    }

    /// The blend first; popular items (per declared group, then overall) fill what it leaves,
    /// each marked [`Reason::Popular`].
    fn recommend(&self, user: &UserContext<'_>, filter: &ItemFilter<'_>, n: usize) -> Vec<Scored> {
        let owned = user.owned();
        let mut answer = self.blended(user, &owned, filter, n);
        if answer.len() < n {
            let taken: HashSet<ItemIx> = answer.iter().map(|s| s.item).collect();
            let rest = filter.clone().excluding(taken);
            answer.extend(self.popularity.top_in_groups(user.groups, &owned, &rest, n - answer.len()));
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{index::InteractionIndex, knn::KnnConfig, vector::SparseVector};

    #[test]
    fn blends_both_parts_with_their_reasons_and_fills_with_popular_items() {
        // Users 0 and 1 share items 0 and 1; user 2 has item 2; item 3 shares item 0's keyword.
        let index =
            InteractionIndex::build(3, 5, [(0, 0, 1.0), (0, 1, 1.0), (1, 0, 1.0), (1, 1, 1.0), (2, 2, 1.0)]).unwrap();
        let neighbours = ItemNeighbours::build(&index, &KnnConfig::default());
        let popularity = Popularity::build(&index);
        let keyword = |term| SparseVector::from_keyword_weights([(term, 1.0)]).unwrap();
        let content = ContentIndex::new(vec![keyword(0), keyword(1), keyword(2), keyword(0), keyword(4)]);
        let hybrid = Hybrid {
            neighbours: &neighbours,
            content: Some(&content),
            popularity: &popularity,
            config: HybridConfig::default(),
        };
        let owned = [(0, 1.0)];
        let answer = hybrid.recommend(&UserContext::with_items(&owned), &ItemFilter::new(), 3);
        let got: Vec<(ItemIx, Reason)> = answer.iter().map(|s| (s.item, s.reason)).collect();
        assert_eq!(got, vec![(1, Reason::Collaborative), (3, Reason::Content), (2, Reason::Popular)]);
    }

    #[test]
    fn a_user_without_anything_still_gets_a_full_list() {
        let index = InteractionIndex::build(2, 3, [(0, 0, 1.0), (1, 0, 1.0), (1, 1, 1.0), (0, 2, 1.0)]).unwrap();
        let neighbours = ItemNeighbours::build(&index, &KnnConfig::default());
        let popularity = Popularity::build(&index);
        let hybrid =
            Hybrid { neighbours: &neighbours, content: None, popularity: &popularity, config: HybridConfig::default() };
        let answer = hybrid.recommend(&UserContext::default(), &ItemFilter::new(), 3);
        assert_eq!(answer.iter().map(|s| s.item).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert!(answer.iter().all(|s| s.reason == Reason::Popular));
    }
}

//! Popularity: items ranked by how many distinct users chose them, overall and within a group
//! (the items tied to one certificate). It is what a user without any activity gets.

use crate::{
    index::InteractionIndex,
    model::{ItemIx, Reason, Scored},
    scorer::{ItemFilter, Scorer, UserContext},
};
use std::collections::{BTreeMap, HashSet};

/// Items ranked by distinct users, precomputed so an answer walks a sorted list.
#[derive(Debug, Clone, Default)]
pub struct Popularity {
    counts: Vec<u32>,
    ranked: Vec<ItemIx>,
    groups: BTreeMap<u32, Vec<ItemIx>>,
}

impl Popularity {
    /// The ranking of `index`'s items that at least one user touched.
    pub fn build(index: &InteractionIndex) -> Self {
        let counts: Vec<u32> = (0..index.items())
            .map(|item| u32::try_from(index.user_count(item as ItemIx)).unwrap_or(u32::MAX))
            .collect();
        let ranked = rank(&counts, (0..counts.len()).map(|item| item as ItemIx));
        Self { counts, ranked, groups: BTreeMap::new() }
    }

    /// The ranking of stored distinct-user counts, one per dense item (a model loaded back).
    pub fn from_counts(counts: Vec<u32>) -> Self {
        let ranked = rank(&counts, (0..counts.len()).map(|item| item as ItemIx));
        Self { counts, ranked, groups: BTreeMap::new() }
    }

    /// Adds per-group rankings; `membership` gives `(item, group)` pairs (a course or a post
    /// belongs to the certificates it prepares for; an item may be in several groups).
    pub fn with_groups(mut self, membership: impl IntoIterator<Item = (ItemIx, u32)>) -> Self {
        let mut members: BTreeMap<u32, Vec<ItemIx>> = BTreeMap::new();
        for (item, group) in membership {
            members.entry(group).or_default().push(item);
        }
        self.groups =
            members.into_iter().map(|(group, items)| (group, rank(&self.counts, items.into_iter()))).collect();
        self
    }

    /// How many distinct users chose `item`.
    pub fn count(&self, item: ItemIx) -> u32 {
        self.counts.get(item as usize).copied().unwrap_or(0)
    }

    /// Every item's distinct-user count, by dense number.
    pub fn counts(&self) -> &[u32] {
        &self.counts
    }

    /// The `n` most popular accepted items the user does not own, `owned` sorted.
    pub fn top(&self, owned: &[ItemIx], filter: &ItemFilter<'_>, n: usize) -> Vec<Scored> {
        self.walk(&self.ranked, owned, filter, n, &HashSet::new())
    }

    /// The `n` most popular accepted items across `groups`, completed from the overall ranking
    /// when the groups hold fewer than `n` (so a cold-start list is never short without cause).
    pub fn top_in_groups(&self, groups: &[u32], owned: &[ItemIx], filter: &ItemFilter<'_>, n: usize) -> Vec<Scored> {
        let mut picked: Vec<Scored> = Vec::new();
        let mut seen = HashSet::new();
        for ranked in groups.iter().filter_map(|group| self.groups.get(group)) {
            for scored in self.walk(ranked, owned, filter, n, &seen) {
                seen.insert(scored.item);
                picked.push(scored);
            }
        }
        picked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));
        picked.truncate(n);
        if picked.len() < n {
            let taken: HashSet<ItemIx> = picked.iter().map(|scored| scored.item).collect();
            picked.extend(self.walk(&self.ranked, owned, filter, n - picked.len(), &taken));
        }
        picked
    }

    fn walk(
        &self,
        ranked: &[ItemIx],
        owned: &[ItemIx],
        filter: &ItemFilter<'_>,
        n: usize,
        skip: &HashSet<ItemIx>,
    ) -> Vec<Scored> {
        ranked
            .iter()
            .copied()
            .filter(|item| !skip.contains(item) && filter.admits(*item, owned))
            .take(n)
            .map(|item| Scored { item, score: self.count(item) as f32, reason: Reason::Popular })
            .collect()
    }
}

/// Items with a count above zero, most users first, ties to the lower number.
fn rank(counts: &[u32], items: impl Iterator<Item = ItemIx>) -> Vec<ItemIx> {
    let mut ranked: Vec<ItemIx> = items.filter(|&item| counts.get(item as usize).is_some_and(|&c| c > 0)).collect();
    ranked.sort_unstable_by(|&a, &b| counts[b as usize].cmp(&counts[a as usize]).then(a.cmp(&b)));
    ranked.dedup();
    ranked
}

impl Scorer for Popularity {
    fn name(&self) -> &'static str {
        "popularity"
    }

    /// Per-group popularity when the user declared groups, the overall ranking otherwise.
    fn recommend(&self, user: &UserContext<'_>, filter: &ItemFilter<'_>, n: usize) -> Vec<Scored> {
        let owned = user.owned();
        if user.groups.is_empty() {
            self.top(&owned, filter, n)
        } else {
            self.top_in_groups(user.groups, &owned, filter, n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> InteractionIndex {
        // Item 2: three users, item 0: two, item 1: one, item 3: nobody.
        let triplets = [(0, 2, 1.0), (1, 2, 1.0), (2, 2, 1.0), (0, 0, 1.0), (1, 0, 1.0), (2, 1, 1.0)];
        InteractionIndex::build(3, 4, triplets).unwrap()
    }

    #[test]
    fn ranks_by_distinct_users_and_skips_owned_items() {
        let popularity = Popularity::build(&index());
        let top = popularity.top(&[], &ItemFilter::new(), 10);
        assert_eq!(top.iter().map(|s| (s.item, s.score)).collect::<Vec<_>>(), vec![(2, 3.0), (0, 2.0), (1, 1.0)]);
        assert!(top.iter().all(|s| s.reason == Reason::Popular));
        let owner = [(2, 1.0)];
        let top = popularity.recommend(&UserContext::with_items(&owner), &ItemFilter::new(), 1);
        assert_eq!(top[0].item, 0, "item 2 is owned, so item 0 leads");
    }

    #[test]
    fn a_cold_start_user_gets_the_group_first_then_the_overall_ranking() {
        // Group 7 holds items 1 and 3 (3 untouched, so never ranked).
        let popularity = Popularity::build(&index()).with_groups([(1, 7), (3, 7), (0, 8)]);
        let groups = [7];
        let user = UserContext { groups: &groups, ..UserContext::default() };
        let top = popularity.recommend(&user, &ItemFilter::new(), 3);
        assert_eq!(top.iter().map(|s| s.item).collect::<Vec<_>>(), vec![1, 2, 0]);
        let nothing = UserContext::default();
        assert_eq!(popularity.recommend(&nothing, &ItemFilter::new(), 2).len(), 2, "never empty for a new user");
    }
}

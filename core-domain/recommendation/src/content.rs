//! Content-based scoring: the cosine between a user's keyword profile and each item's keyword
//! vector, computed through an inverted index so only items sharing a keyword are visited.

use crate::{
    model::{ItemIx, Reason, Scored},
    scorer::{ItemFilter, Scorer, TopN, UserContext},
    vector::SparseVector,
};

/// Item keyword vectors with an inverted index (keyword → items carrying it).
#[derive(Debug, Clone, Default)]
pub struct ContentIndex {
    vectors: Vec<SparseVector>,
    norms: Vec<f32>,
    postings: Vec<Vec<(ItemIx, f32)>>,
}

impl ContentIndex {
    /// The index of `vectors`, one per dense item (an empty vector for an item without keywords).
    pub fn new(vectors: Vec<SparseVector>) -> Self {
        let norms = vectors.iter().map(SparseVector::norm).collect();
        let mut postings: Vec<Vec<(ItemIx, f32)>> = Vec::new();
        for (item, vector) in vectors.iter().enumerate() {
            for (term, weight) in vector.iter() {
                let term = term as usize;
                if postings.len() <= term {
                    postings.resize_with(term + 1, Vec::new);
                }
                postings[term].push((item as ItemIx, weight));
            }
        }
        Self { vectors, norms, postings }
    }

    /// How many items have a vector slot.
    pub fn items(&self) -> usize {
        self.vectors.len()
    }

    /// `item`'s keyword vector.
    pub fn vector(&self, item: ItemIx) -> Option<&SparseVector> {
        self.vectors.get(item as usize)
    }

    /// The user's keyword profile: their onboarding preferences and the keywords of their items
    /// (each item's vector times its interaction weight) blended half and half, scaled to a
    /// largest weight of 1. Either part alone when the other is missing.
    pub fn profile(&self, user: &UserContext<'_>) -> SparseVector {
        let activity =
            SparseVector::weighted_sum(user.items.iter().filter_map(|&(item, w)| self.vector(item).map(|v| (v, w))));
        match user.preferences {
            Some(preferences) if !activity.is_empty() => {
                SparseVector::weighted_sum([(preferences, 0.5), (&activity, 0.5)])
            }
            Some(preferences) => preferences.clone(),
            None => activity,
        }
    }

    /// The cosine of `profile` with every item sharing a keyword, as `(item, cosine)` in item order.
    pub fn cosines(&self, profile: &SparseVector) -> Vec<(ItemIx, f32)> {
        let profile_norm = profile.norm();
        if profile_norm == 0.0 {
            return Vec::new();
        }
        let mut dots = vec![0.0f32; self.vectors.len()];
        let mut touched = Vec::new();
        for (term, weight) in profile.iter() {
            for &(item, item_weight) in self.postings.get(term as usize).map_or(&[][..], Vec::as_slice) {
                if dots[item as usize] == 0.0 {
                    touched.push(item);
                }
                dots[item as usize] += weight * item_weight;
            }
        }
        touched.sort_unstable();
        touched
            .into_iter()
            .map(|item| (item, dots[item as usize] / (profile_norm * self.norms[item as usize])))
            .collect()
    }

    /// The `n` accepted items closest to `profile`, skipping the sorted `owned` items.
    pub fn rank_profile(
        &self,
        profile: &SparseVector,
        owned: &[ItemIx],
        filter: &ItemFilter<'_>,
        n: usize,
    ) -> Vec<Scored> {
        let mut top = TopN::new(n);
        for (item, cosine) in self.cosines(profile) {
            if cosine > 0.0 && filter.admits(item, owned) {
                top.offer(item, cosine);
            }
        }
        top.into_sorted().into_iter().map(|(item, score)| Scored { item, score, reason: Reason::Content }).collect()
    }

    /// The `n` accepted items whose keywords are closest to `item`'s (the "similar" endpoint).
    pub fn similar(&self, item: ItemIx, filter: &ItemFilter<'_>, n: usize) -> Vec<Scored> {
        match self.vector(item) {
            Some(vector) => self.rank_profile(vector, &[item], filter, n),
            None => Vec::new(),
        }
    }
}

impl Scorer for ContentIndex {
    fn name(&self) -> &'static str {
        "content"
    }

    fn recommend(&self, user: &UserContext<'_>, filter: &ItemFilter<'_>, n: usize) -> Vec<Scored> {
        self.rank_profile(&self.profile(user), &user.owned(), filter, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(pairs: &[(u32, f32)]) -> SparseVector {
        SparseVector::from_keyword_weights(pairs.iter().copied()).unwrap()
    }

    #[test]
    fn ranks_items_by_cosine_with_the_preferences() {
        // Preferences (1, 0, 0). Item 0 (1, 1, 0) → 1/√2; item 1 (0, 0, 1) → 0; item 2 (1, 0, 0) → 1.
        let index = ContentIndex::new(vec![vector(&[(0, 1.0), (1, 1.0)]), vector(&[(2, 1.0)]), vector(&[(0, 1.0)])]);
        let preferences = vector(&[(0, 1.0)]);
        let user = UserContext { preferences: Some(&preferences), ..UserContext::default() };
        let ranked = index.recommend(&user, &ItemFilter::new(), 10);
        assert_eq!(ranked.iter().map(|s| s.item).collect::<Vec<_>>(), vec![2, 0], "item 1 shares nothing");
        assert!((ranked[1].score - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
        assert!(ranked.iter().all(|s| s.reason == Reason::Content));
    }

    #[test]
    fn the_activity_profile_comes_from_owned_items_which_are_never_answered() {
        let index = ContentIndex::new(vec![vector(&[(0, 1.0)]), vector(&[(0, 0.5), (1, 0.5)]), vector(&[(1, 1.0)])]);
        let owned = [(0, 1.0)];
        let ranked = index.recommend(&UserContext::with_items(&owned), &ItemFilter::new(), 10);
        assert_eq!(ranked.iter().map(|s| s.item).collect::<Vec<_>>(), vec![1]);
        assert_eq!(index.similar(2, &ItemFilter::new(), 5).iter().map(|s| s.item).collect::<Vec<_>>(), vec![1]);
    }
}

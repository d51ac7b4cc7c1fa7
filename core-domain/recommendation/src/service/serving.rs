//! A stored model, loaded for answering: dense numbering, neighbour lists, popularity per
//! certificate, keyword vectors. Built once per model and shared by every request.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashSet;

use super::ports::{ModelSnapshot, ModelStamp, Preferences, UserFacts};
use crate::{
    Catalogue, ContentIndex, Hybrid, HybridConfig, ItemFilter, ItemNeighbours, Neighbour, Popularity, Scorer,
    SparseVector, UserContext, Vocabulary,
    model::{ItemIx, ItemKey, ItemKind, Reason, Scored},
};

/// One recommended item as the endpoints show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommended {
    /// The item.
    pub item: ItemKey,
    /// Its title when the model was built.
    pub title: String,
    /// Higher is better; comparable only within one answer.
    pub score: f32,
    /// Why it was chosen.
    pub reason: Reason,
}

/// A model ready to answer.
#[derive(Debug)]
pub(crate) struct Serving {
    /// The stored model it was loaded from (`None`: built in memory because none is stored).
    pub stamp: Option<ModelStamp>,
    pub built_at: DateTime<Utc>,
    pub scorer: String,
    catalogue: Catalogue,
    titles: Vec<String>,
    groups: Vec<Option<u32>>,
    withdrawn: Vec<ItemIx>,
    closing: Vec<(ItemIx, DateTime<Utc>)>,
    neighbours: ItemNeighbours,
    popularity: Popularity,
    content: ContentIndex,
    vocabulary: Vocabulary,
}

/// A certificate id as a popularity group (ids beyond `u32` have no group).
fn group(certificate: i64) -> Option<u32> {
    u32::try_from(certificate).ok()
}

impl Serving {
    pub fn new(snapshot: &ModelSnapshot, stamp: Option<ModelStamp>) -> Self {
        let mut catalogue = Catalogue::new();
        for item in &snapshot.items {
            catalogue.add_item(item.key);
        }
        let mut vocabulary = Vocabulary::new();
        let mut vectors = Vec::with_capacity(snapshot.items.len());
        let mut lists = Vec::with_capacity(snapshot.items.len());
        let mut counts = Vec::with_capacity(snapshot.items.len());
        let mut membership = Vec::new();
        for (ix, item) in snapshot.items.iter().enumerate() {
            let pairs: Vec<(u32, f32)> = item
                .keywords
                .iter()
                .map(|(keyword, weight)| (vocabulary.intern(keyword), weight.clamp(0.0, 1.0)))
                .collect();
            vectors.push(SparseVector::from_keyword_weights(pairs).unwrap_or_default());
            lists.push(
                item.neighbours
                    .iter()
                    .filter_map(|(key, similarity)| {
                        catalogue.item(key).map(|item| Neighbour { item, similarity: *similarity })
                    })
                    .collect::<Vec<_>>(),
            );
            counts.push(item.popularity);
            if let Some(certificate) = item.certificate_id.and_then(group) {
                membership.push((ix as ItemIx, certificate));
            }
        }
        Self {
            stamp,
            built_at: snapshot.built_at,
            scorer: snapshot.scorer.clone(),
            titles: snapshot.items.iter().map(|item| item.title.clone()).collect(),
            groups: snapshot.items.iter().map(|item| item.certificate_id.and_then(group)).collect(),
            withdrawn: (0..snapshot.items.len() as ItemIx)
                .filter(|&ix| !snapshot.items[ix as usize].on_offer)
                .collect(),
            closing: (0..snapshot.items.len() as ItemIx)
                .filter_map(|ix| snapshot.items[ix as usize].closes_at.map(|at| (ix, at)))
                .collect(),
            neighbours: ItemNeighbours::from_lists(lists),
            popularity: Popularity::from_counts(counts).with_groups(membership),
            content: ContentIndex::new(vectors),
            vocabulary,
            catalogue,
        }
    }

    /// The user's top `n` of `kind`: the hybrid of their current items' neighbours and their
    /// keyword profile, topped up with what is popular for their certificates, never what
    /// they already have.
    pub fn recommend(
        &self,
        kind: ItemKind,
        facts: &UserFacts,
        preferences: &Preferences,
        hybrid: HybridConfig,
        n: usize,
        now: DateTime<Utc>,
    ) -> Vec<Recommended> {
        let items = self.catalogue.user_items(facts.interactions.iter().copied());
        let vector = self.preferences(preferences);
        let groups: Vec<u32> = facts.interest_certificates.iter().filter_map(|&c| group(c)).collect();
        let user = UserContext { items: &items, preferences: vector.as_ref(), groups: &groups };
        let owned = facts.owned.iter().filter_map(|key| self.catalogue.item(key));
        let filter = self.shown_of(kind, now).excluding(owned);
        let scorer = Hybrid {
            neighbours: &self.neighbours,
            content: Some(&self.content),
            popularity: &self.popularity,
            config: hybrid,
        };
        self.shown(&scorer.recommend(&user, &filter, n))
    }

    /// The `n` items of `kind` most like `key` (neighbours first, then keyword matches, then
    /// what is popular for its certificate); `None` when the model does not know `key`.
    pub fn similar(&self, key: ItemKey, kind: ItemKind, n: usize, now: DateTime<Utc>) -> Option<Vec<Recommended>> {
        let item = self.catalogue.item(&key)?;
        let filter = self.shown_of(kind, now).excluding([item]);
        let mut answer = self.neighbours.similar(item, &filter, n);
        let mut taken: HashSet<ItemIx> = answer.iter().map(|s| s.item).collect();
        if answer.len() < n {
            let rest = filter.clone().excluding(taken.iter().copied());
            let by_keywords = self.content.similar(item, &rest, n - answer.len());
            taken.extend(by_keywords.iter().map(|s| s.item));
            answer.extend(by_keywords);
        }
        if answer.len() < n {
            let rest = filter.excluding(taken);
            let groups: Vec<u32> = self.certificate_of(item).into_iter().collect();
            answer.extend(self.popularity.top_in_groups(&groups, &[], &rest, n - answer.len()));
        }
        Some(self.shown(&answer))
    }

    /// What is popular of `kind` for `certificate` (then overall): the answer for an item the
    /// model does not know yet.
    pub fn popular(
        &self,
        kind: ItemKind,
        certificate: Option<i64>,
        exclude: ItemKey,
        n: usize,
        now: DateTime<Utc>,
    ) -> Vec<Recommended> {
        let filter = self.shown_of(kind, now).excluding(self.catalogue.item(&exclude));
        let groups: Vec<u32> = certificate.and_then(group).into_iter().collect();
        self.shown(&self.popularity.top_in_groups(&groups, &[], &filter, n))
    }

    /// The filter of what may be shown of `kind` at `now`: offered, not closed.
    fn shown_of(&self, kind: ItemKind, now: DateTime<Utc>) -> ItemFilter<'_> {
        let closed = self.closing.iter().filter(|(_, at)| *at <= now).map(|(ix, _)| *ix);
        ItemFilter::new().excluding(self.withdrawn.iter().copied().chain(closed)).of_kind(kind, self.catalogue.kinds())
    }

    fn certificate_of(&self, item: ItemIx) -> Option<u32> {
        self.groups.get(item as usize).copied().flatten()
    }

    fn preferences(&self, preferences: &Preferences) -> Option<SparseVector> {
        let known: Vec<(u32, f32)> = preferences
            .keywords
            .iter()
            .filter_map(|(keyword, weight)| self.vocabulary.get(keyword).map(|term| (term, *weight)))
            .collect();
        SparseVector::from_keyword_weights(known).ok().filter(|v| !v.is_empty())
    }

    fn shown(&self, scored: &[Scored]) -> Vec<Recommended> {
        scored
            .iter()
            .filter_map(|s| {
                let item = self.catalogue.item_key(s.item)?;
                let title = self.titles.get(s.item as usize)?.clone();
                Some(Recommended { item, title, score: s.score, reason: s.reason })
            })
            .collect()
    }
}

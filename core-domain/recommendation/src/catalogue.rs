//! The bridge between Cercat's keys and the scorers' dense numbers: which dense item is which
//! [`ItemKey`], which dense user is which user id, and the conversions both ways.

use crate::{
    index::{IndexError, InteractionIndex},
    interner::Interner,
    model::{Interaction, ItemIx, ItemKey, ItemKind, Recommendation, Scored, UserIx},
};

/// Dense numbering of the users and items of one rebuild.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    items: Interner<ItemKey>,
    kinds: Vec<ItemKind>,
    users: Interner<i64>,
}

impl Catalogue {
    /// An empty catalogue.
    pub fn new() -> Self {
        Self::default()
    }

    /// The dense number of `item`, numbering it when new (an item nobody touched yet still
    /// belongs to the catalogue and can be recommended by content or to fill a list).
    pub fn add_item(&mut self, item: ItemKey) -> ItemIx {
        let number = self.items.intern(&item);
        if number as usize == self.kinds.len() {
            self.kinds.push(item.kind);
        }
        number
    }

    /// The dense number of user `id`, numbering them when new.
    pub fn add_user(&mut self, id: i64) -> UserIx {
        self.users.intern(&id)
    }

    /// The interaction matrix of `interactions`, numbering their users and items on the way;
    /// each interaction counts with its [effective weight](Interaction::effective_weight).
    pub fn index_interactions(
        &mut self,
        interactions: impl IntoIterator<Item = Interaction>,
    ) -> Result<InteractionIndex, IndexError> {
        let mut triplets = Vec::new();
        for interaction in interactions {
            let user = self.add_user(interaction.user);
            let item = self.add_item(interaction.item);
            triplets.push((user, item, interaction.effective_weight()));
        }
        InteractionIndex::build(self.users.len(), self.items.len(), triplets)
    }

    /// The dense number of `item`, if the catalogue has it.
    pub fn item(&self, item: &ItemKey) -> Option<ItemIx> {
        self.items.get(item)
    }

    /// The dense number of user `id`, if they had interactions at the rebuild.
    pub fn user(&self, id: i64) -> Option<UserIx> {
        self.users.get(&id)
    }

    /// The key of dense item `item`.
    pub fn item_key(&self, item: ItemIx) -> Option<ItemKey> {
        self.items.key(item).copied()
    }

    /// Each dense item's kind, for [`ItemFilter::of_kind`](crate::ItemFilter::of_kind).
    pub fn kinds(&self) -> &[ItemKind] {
        &self.kinds
    }

    /// How many items are numbered.
    pub fn items(&self) -> usize {
        self.items.len()
    }

    /// A user's current interactions (read at request time, so one just recorded counts) as the
    /// `(item, weight)` pairs a [`UserContext`](crate::UserContext) takes. Items the catalogue does
    /// not know yet are left out; a repeated item keeps its largest weight.
    pub fn user_items(&self, interactions: impl IntoIterator<Item = Interaction>) -> Vec<(ItemIx, f32)> {
        let mut pairs: Vec<(ItemIx, f32)> = interactions
            .into_iter()
            .filter_map(|interaction| self.item(&interaction.item).map(|item| (item, interaction.effective_weight())))
            .collect();
        pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        pairs.dedup_by_key(|pair| pair.0);
        pairs
    }

    /// Dense answers under their real keys; an unknown number is dropped.
    pub fn to_recommendations(&self, scored: &[Scored]) -> Vec<Recommendation> {
        scored
            .iter()
            .filter_map(|s| self.item_key(s.item).map(|item| Recommendation { item, score: s.score, reason: s.reason }))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InteractionKind, Reason};

    fn interaction(user: i64, kind: ItemKind, id: i64, what: InteractionKind) -> Interaction {
        Interaction { user, item: ItemKey::new(kind, id), kind: what, weight: None }
    }

    #[test]
    fn numbers_users_and_items_and_maps_answers_back_to_keys() {
        let mut catalogue = Catalogue::new();
        let index = catalogue
            .index_interactions([
                interaction(10, ItemKind::Post, 5, InteractionKind::Like),
                interaction(10, ItemKind::Post, 5, InteractionKind::Comment),
                interaction(11, ItemKind::Course, 5, InteractionKind::Enrollment),
            ])
            .unwrap();
        assert_eq!((index.users(), index.items(), index.interactions()), (2, 2, 2));
        assert_eq!(index.user_items(0).1, &[InteractionKind::Comment.default_weight()], "the larger weight stays");
        assert_eq!(catalogue.kinds(), &[ItemKind::Post, ItemKind::Course]);
        assert_eq!(catalogue.user(11), Some(1));
        let answer = catalogue.to_recommendations(&[Scored { item: 1, score: 0.5, reason: Reason::Popular }]);
        assert_eq!(answer[0].item, ItemKey::new(ItemKind::Course, 5));
        let current = catalogue.user_items([
            interaction(10, ItemKind::Post, 5, InteractionKind::Like),
            interaction(10, ItemKind::Post, 99, InteractionKind::Like),
        ]);
        assert_eq!(current, vec![(0, InteractionKind::Like.default_weight())], "post 99 is newer than the catalogue");
    }
}

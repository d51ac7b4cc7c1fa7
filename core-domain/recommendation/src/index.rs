//! The interaction matrix in compressed sparse rows, both ways: each user's items and each item's
//! users as sorted slices of dense numbers with their weights. Every collaborative scorer reads it.

use crate::model::{ItemIx, UserIx};

/// Why an interaction matrix could not be built.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum IndexError {
    /// A weight was zero, negative, infinite or NaN.
    #[error("interaction of user {user} with item {item} has weight {weight}; weights must be positive and finite")]
    BadWeight {
        /// The user's dense number.
        user: UserIx,
        /// The item's dense number.
        item: ItemIx,
        /// The refused weight.
        weight: f32,
    },
}

/// A user × item matrix of interaction weights, stored by rows (users) and by columns (items).
///
/// A (user, item) pair seen several times keeps its **largest** weight: a purchase after three
/// views counts as a purchase, and repeated views do not add up to one.
#[derive(Debug, Clone, Default)]
pub struct InteractionIndex {
    user_offsets: Vec<usize>,
    user_items: Vec<ItemIx>,
    user_weights: Vec<f32>,
    item_offsets: Vec<usize>,
    item_users: Vec<UserIx>,
    item_weights: Vec<f32>,
}

impl InteractionIndex {
    /// The matrix of `triplets` (user, item, weight) with at least `users` rows and `items`
    /// columns (more when a triplet names a higher number), so items nobody touched yet still
    /// belong to the catalogue.
    pub fn build(
        users: usize,
        items: usize,
        triplets: impl IntoIterator<Item = (UserIx, ItemIx, f32)>,
    ) -> Result<Self, IndexError> {
        let mut entries: Vec<(UserIx, ItemIx, f32)> = Vec::new();
        for (user, item, weight) in triplets {
            if !(weight.is_finite() && weight > 0.0) {
                return Err(IndexError::BadWeight { user, item, weight });
            }
            entries.push((user, item, weight));
        }
        entries.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(b.2.total_cmp(&a.2)));
        // Sorted with the largest weight first within a pair, so keeping the first keeps the max.
        entries.dedup_by(|later, kept| later.0 == kept.0 && later.1 == kept.1);

        let users = entries.iter().map(|e| e.0 as usize + 1).max().unwrap_or(0).max(users);
        let items = entries.iter().map(|e| e.1 as usize + 1).max().unwrap_or(0).max(items);
        let user_offsets = offsets(users, entries.iter().map(|e| e.0));
        let user_items = entries.iter().map(|e| e.1).collect();
        let user_weights = entries.iter().map(|e| e.2).collect();

        // Counting sort into columns; users stay ascending within an item because rows are visited in order.
        let item_offsets = offsets(items, entries.iter().map(|e| e.1));
        let mut cursor = item_offsets.clone();
        let mut item_users = vec![0; entries.len()];
        let mut item_weights = vec![0.0; entries.len()];
        for &(user, item, weight) in &entries {
            let at = &mut cursor[item as usize];
            item_users[*at] = user;
            item_weights[*at] = weight;
            *at += 1;
        }
        Ok(Self { user_offsets, user_items, user_weights, item_offsets, item_users, item_weights })
    }

    /// How many users (rows) the matrix has.
    pub fn users(&self) -> usize {
        self.user_offsets.len().saturating_sub(1)
    }

    /// How many items (columns) the catalogue has, touched or not.
    pub fn items(&self) -> usize {
        self.item_offsets.len().saturating_sub(1)
    }

    /// How many distinct (user, item) pairs are stored.
    pub fn interactions(&self) -> usize {
        self.user_items.len()
    }

    /// The items `user` interacted with, ascending, and their weights; empty for an unknown user.
    pub fn user_items(&self, user: UserIx) -> (&[ItemIx], &[f32]) {
        match row(&self.user_offsets, user) {
            Some(range) => (&self.user_items[range.clone()], &self.user_weights[range]),
            None => (&[], &[]),
        }
    }

    /// `user`'s items as `(item, weight)` pairs, the shape the scorers take.
    pub fn user_profile(&self, user: UserIx) -> Vec<(ItemIx, f32)> {
        let (items, weights) = self.user_items(user);
        items.iter().copied().zip(weights.iter().copied()).collect()
    }

    /// The users who interacted with `item`, ascending, and their weights.
    pub fn item_users(&self, item: ItemIx) -> (&[UserIx], &[f32]) {
        match row(&self.item_offsets, item) {
            Some(range) => (&self.item_users[range.clone()], &self.item_weights[range]),
            None => (&[], &[]),
        }
    }

    /// How many distinct users interacted with `item`.
    pub fn user_count(&self, item: ItemIx) -> usize {
        row(&self.item_offsets, item).map_or(0, |range| range.len())
    }
}

fn offsets(rows: usize, of_each_entry: impl Iterator<Item = u32>) -> Vec<usize> {
    let mut offsets = vec![0usize; rows + 1];
    for row in of_each_entry {
        offsets[row as usize + 1] += 1;
    }
    for at in 1..offsets.len() {
        offsets[at] += offsets[at - 1];
    }
    offsets
}

fn row(offsets: &[usize], at: u32) -> Option<std::ops::Range<usize>> {
    let at = at as usize;
    (at + 1 < offsets.len()).then(|| offsets[at]..offsets[at + 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_rows_and_columns_sorted_and_keeps_the_largest_weight_of_a_repeated_pair() {
        let index =
            InteractionIndex::build(0, 5, [(1, 2, 0.2), (0, 3, 1.0), (1, 0, 1.0), (1, 2, 0.9), (0, 2, 0.5)]).unwrap();
        assert_eq!((index.users(), index.items(), index.interactions()), (2, 5, 4));
        assert_eq!(index.user_items(1), (&[0, 2][..], &[1.0, 0.9][..]));
        assert_eq!(index.item_users(2), (&[0, 1][..], &[0.5, 0.9][..]));
        assert_eq!(index.user_count(2), 2);
        assert_eq!(index.user_count(4), 0);
        assert_eq!(index.user_items(9), (&[][..], &[][..]));
        assert_eq!(index.user_profile(0), vec![(2, 0.5), (3, 1.0)]);
    }

    #[test]
    fn refuses_weights_that_are_not_positive() {
        let refused = InteractionIndex::build(1, 1, [(0, 0, 0.0)]);
        assert_eq!(refused.unwrap_err(), IndexError::BadWeight { user: 0, item: 0, weight: 0.0 });
        assert!(InteractionIndex::build(1, 1, [(0, 0, f32::NAN)]).is_err());
    }
}

//! Dense numbering of keys: users, items and keywords each get numbers `0..n` in order of first
//! sight, so the scorers can index plain vectors instead of hashing keys in their inner loops.

use std::{collections::HashMap, hash::Hash};

/// Numbers keys `0..n` in order of first sight and maps numbers back to keys.
#[derive(Debug, Clone)]
pub struct Interner<K> {
    numbers: HashMap<K, u32>,
    keys: Vec<K>,
}

impl<K> Default for Interner<K> {
    fn default() -> Self {
        Self { numbers: HashMap::new(), keys: Vec::new() }
    }
}

impl<K: Hash + Eq + Clone> Interner<K> {
    /// An empty numbering.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of `key`, giving it the next free one when it is new.
    ///
    /// # Panics
    /// When more than `u32::MAX` keys are interned (far beyond any catalogue held in memory).
    #[allow(clippy::expect_used)]
    pub fn intern(&mut self, key: &K) -> u32 {
        if let Some(&number) = self.numbers.get(key) {
            return number;
        }
        let number = u32::try_from(self.keys.len()).expect("fewer than 2^32 keys");
        self.numbers.insert(key.clone(), number);
        self.keys.push(key.clone());
        number
    }

    /// The number of `key` when it has one.
    pub fn get(&self, key: &K) -> Option<u32> {
        self.numbers.get(key).copied()
    }

    /// The key numbered `number`.
    pub fn key(&self, number: u32) -> Option<&K> {
        self.keys.get(number as usize)
    }

    /// Every key, in number order.
    pub fn keys(&self) -> &[K] {
        &self.keys
    }

    /// How many keys are numbered.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is numbered yet.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The keyword vocabulary shared by item and user vectors (certificate subjects, TIP tags, title
/// tokens), keywords numbered as [`SparseVector`](crate::SparseVector) terms.
pub type Vocabulary = Interner<String>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keys_in_order_of_first_sight_and_maps_back() {
        let mut vocabulary = Vocabulary::new();
        assert_eq!(vocabulary.intern(&"데이터베이스".to_owned()), 0);
        assert_eq!(vocabulary.intern(&"네트워크".to_owned()), 1);
        assert_eq!(vocabulary.intern(&"데이터베이스".to_owned()), 0);
        assert_eq!(vocabulary.len(), 2);
        assert_eq!(vocabulary.get(&"네트워크".to_owned()), Some(1));
        assert_eq!(vocabulary.get(&"보안".to_owned()), None);
        assert_eq!(vocabulary.key(1).map(String::as_str), Some("네트워크"));
        assert_eq!(vocabulary.key(2), None);
    }
}

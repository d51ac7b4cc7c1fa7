//! Train/test splits made per user, so every user with enough history is tested: a seeded random
//! share of each user's items, or each user's latest items by time.

use super::dataset::{Dataset, Rating};
use crate::rng::SplitMix64;
use serde::{Deserialize, Serialize};

/// How each user's items are divided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitKind {
    /// A seeded random share of each user's items is held out.
    Random,
    /// Each user's latest items (by timestamp) are held out: the future is predicted from the past.
    Time,
}

/// Why a split could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SplitError {
    /// A time split needs a timestamp on every row.
    #[error("a time split needs timestamps, and user {user:?} has an interaction without one")]
    MissingTimestamp {
        /// The user id as written in the file.
        user: String,
    },
    /// The held-out share must be strictly between 0 and 1.
    #[error("the test share must be strictly between 0 and 1, not {0}")]
    BadShare(f64),
}

/// The two halves of a dataset's interactions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Split {
    /// What the scorers learn from.
    pub train: Vec<Rating>,
    /// What they are expected to find.
    pub test: Vec<Rating>,
}

/// Holds out `round(n · test_share)` of each user's `n` items, never all of them (a user with one
/// item keeps it for training and is not tested). The random split is reproducible from `seed`.
pub fn split(dataset: &Dataset, kind: SplitKind, test_share: f64, seed: u64) -> Result<Split, SplitError> {
    if !(test_share > 0.0 && test_share < 1.0) {
        return Err(SplitError::BadShare(test_share));
    }
    let mut rng = SplitMix64::new(seed);
    let mut result = Split::default();
    // Ratings are sorted by user, so each user's items are one contiguous run.
    for user_ratings in dataset.ratings.chunk_by(|a, b| a.user == b.user) {
        let mut ordered = user_ratings.to_vec();
        let held_out = ((ordered.len() as f64 * test_share).round() as usize).min(ordered.len() - 1);
        match kind {
            SplitKind::Random => {
                rng.shuffle(&mut ordered);
                result.test.extend_from_slice(&ordered[..held_out]);
                result.train.extend_from_slice(&ordered[held_out..]);
            }
            SplitKind::Time => {
                if ordered.iter().any(|r| r.timestamp.is_none()) {
                    let user = dataset.users.key(ordered[0].user).cloned().unwrap_or_default();
                    return Err(SplitError::MissingTimestamp { user });
                }
                ordered.sort_by_key(|r| (r.timestamp, r.item));
                let cut = ordered.len() - held_out;
                result.train.extend_from_slice(&ordered[..cut]);
                result.test.extend_from_slice(&ordered[cut..]);
            }
        }
    }
    Ok(result)
}

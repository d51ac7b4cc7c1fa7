//! Item-level failures of a batch run: each is recorded with the item's key and the reason, and
//! a run tolerates at most its skip limit of them over the whole instance (resumed attempts
//! count what earlier attempts committed).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// An item a run could not use, as it is recorded with the chunk it belonged to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemSkip {
    /// Where the item is in the source, e.g. `line 12` or `page 3 item 7 (기사 2026-2)`.
    pub key: String,
    /// Why it was skipped, for people.
    pub reason: String,
}

/// A skip as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedSkip {
    /// The attempt whose chunk recorded it.
    pub run_id: i64,
    /// Where the item is in the source.
    pub key: String,
    /// Why it was skipped.
    pub reason: String,
    /// When its chunk was committed.
    pub at: DateTime<Utc>,
}

/// More items failed than the run's skip limit allows: the run fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("more than {limit} items skipped (the skip limit; raise it with --param skip-limit=N)")]
pub struct SkipLimitExceeded {
    /// The limit.
    pub limit: u64,
}

/// Counts skips against a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkipBudget {
    limit: u64,
    used: u64,
}

impl SkipBudget {
    /// A budget of `limit` skips of which `already` were used (by the attempts resumed).
    pub fn new(limit: u64, already: u64) -> Self {
        Self { limit, used: already }
    }

    /// Counts one more skip; fails once there are more than the limit.
    pub fn take(&mut self) -> Result<(), SkipLimitExceeded> {
        self.used += 1;
        if self.used > self.limit { Err(SkipLimitExceeded { limit: self.limit }) } else { Ok(()) }
    }

    /// Skips counted so far.
    pub fn used(&self) -> u64 {
        self.used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_itself_is_allowed_and_one_more_fails() {
        let mut budget = SkipBudget::new(2, 0);
        assert_eq!(budget.take(), Ok(()));
        assert_eq!(budget.take(), Ok(()));
        assert_eq!(budget.take(), Err(SkipLimitExceeded { limit: 2 }));
        assert_eq!(budget.used(), 3);
    }

    #[test]
    fn skips_of_resumed_attempts_count() {
        let mut budget = SkipBudget::new(3, 3);
        assert_eq!(budget.take(), Err(SkipLimitExceeded { limit: 3 }));
        assert_eq!(SkipBudget::new(0, 0).take(), Err(SkipLimitExceeded { limit: 0 }));
    }
}

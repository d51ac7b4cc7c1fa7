//! [`ViewCounter`] in process memory (single node): the viewers seen per day, the views
//! counted since the last batch, and the batch handed out and not yet acknowledged, behind
//! one mutex, so every call is atomic.

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_market::ports::{ViewBatch, ViewCounter};
use chrono::NaiveDate;
use std::{
    collections::{HashMap, HashSet},
    sync::{Mutex, MutexGuard},
};

#[derive(Default)]
struct Views {
    /// `(product, viewer)` seen per day: the newest day and the one before it (the Redis
    /// markers' two-day life); older days are forgotten.
    seen: HashMap<NaiveDate, HashSet<(i64, i64)>>,
    /// Product → views counted since the last batch was taken.
    pending: HashMap<i64, u64>,
    /// The batch handed out and not yet acknowledged.
    taken: Option<ViewBatch>,
}

/// The market's view counter in a mutex.
#[derive(Default)]
pub struct MemoryViewCounter {
    views: Mutex<Views>,
}

impl MemoryViewCounter {
    fn lock(&self) -> Result<MutexGuard<'_, Views>, PortError> {
        self.views.lock().map_err(|_| PortError::Corrupt("view counter lock poisoned".into()))
    }
}

#[async_trait]
impl ViewCounter for MemoryViewCounter {
    async fn record(&self, product_id: i64, viewer_id: i64, day: NaiveDate) -> Result<bool, PortError> {
        let mut views = self.lock()?;
        let newest = views.seen.keys().copied().fold(day, NaiveDate::max);
        let keep_from = newest.pred_opt().unwrap_or(newest);
        views.seen.retain(|d, _| *d >= keep_from);
        let first = views.seen.entry(day).or_default().insert((product_id, viewer_id));
        if first {
            *views.pending.entry(product_id).or_default() += 1;
        }
        Ok(first)
    }

    async fn take(&self) -> Result<Option<ViewBatch>, PortError> {
        let mut views = self.lock()?;
        if views.taken.is_none() && !views.pending.is_empty() {
            let mut counts: Vec<(i64, u64)> = views.pending.drain().collect();
            counts.sort_unstable();
            // A uuid, not a counter: a restart would begin a counter again at ids the
            // database has applied already, and drop those batches' views.
            views.taken = Some(ViewBatch { id: uuid::Uuid::now_v7().to_string(), counts });
        }
        Ok(views.taken.clone())
    }

    async fn ack(&self, batch_id: &str) -> Result<(), PortError> {
        let mut views = self.lock()?;
        if views.taken.as_ref().is_some_and(|batch| batch.id == batch_id) {
            views.taken = None;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn keeps_the_view_counter_contract() {
        cercat_market::testkit::views::run_all(Arc::new(MemoryViewCounter::default())).await;
    }

    #[tokio::test]
    async fn past_days_are_forgotten_and_yesterday_is_kept() {
        let counter = MemoryViewCounter::default();
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        for d in 1..=5 {
            assert!(counter.record(1, 2, day(d)).await.unwrap());
        }
        let mut days: Vec<NaiveDate> = counter.lock().unwrap().seen.keys().copied().collect();
        days.sort_unstable();
        assert_eq!(days, vec![day(4), day(5)], "the seen viewers do not grow without end");
        assert!(!counter.record(1, 2, day(4)).await.unwrap(), "yesterday's viewer is still seen");
    }
}

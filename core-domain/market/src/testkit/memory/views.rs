//! [`MemoryViews`]: the daily distinct-view counter, under one lock.

use std::{
    collections::{BTreeMap, HashSet},
    sync::{
        Mutex, MutexGuard,
        atomic::{AtomicBool, Ordering},
    },
};

use async_trait::async_trait;
use cercat_common::PortError;
use chrono::NaiveDate;

use crate::ports::{ViewBatch, ViewCounter};

/// Views in memory, honouring the [`ViewCounter`] contract; [`MemoryViews::set_down`] makes it
/// fail as a Redis that is down does.
#[derive(Default)]
pub struct MemoryViews {
    state: Mutex<ViewState>,
    down: AtomicBool,
}

#[derive(Default)]
struct ViewState {
    seen: HashSet<(i64, i64, NaiveDate)>,
    counted: BTreeMap<i64, u64>,
    taken: Option<ViewBatch>,
}

impl MemoryViews {
    /// While `down`, every call fails with [`PortError::Unavailable`].
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// Views counted and not yet taken, by product.
    pub fn counted(&self) -> BTreeMap<i64, u64> {
        self.state.lock().expect("lock").counted.clone()
    }

    fn lock(&self) -> Result<MutexGuard<'_, ViewState>, PortError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(PortError::unavailable("redis", "down"));
        }
        self.state.lock().map_err(|_| PortError::unavailable("memory", "poisoned"))
    }
}

#[async_trait]
impl ViewCounter for MemoryViews {
    async fn record(&self, product_id: i64, viewer_id: i64, day: NaiveDate) -> Result<bool, PortError> {
        let mut s = self.lock()?;
        let first = s.seen.insert((product_id, viewer_id, day));
        if first {
            *s.counted.entry(product_id).or_default() += 1;
        }
        Ok(first)
    }

    async fn take(&self) -> Result<Option<ViewBatch>, PortError> {
        let mut s = self.lock()?;
        if s.taken.is_none() && !s.counted.is_empty() {
            let counts = std::mem::take(&mut s.counted).into_iter().collect();
            s.taken = Some(ViewBatch { id: format!("views-{}", uuid::Uuid::new_v4().simple()), counts });
        }
        Ok(s.taken.clone())
    }

    async fn ack(&self, batch_id: &str) -> Result<(), PortError> {
        let mut s = self.lock()?;
        if s.taken.as_ref().is_some_and(|b| b.id == batch_id) {
            s.taken = None;
        }
        Ok(())
    }
}

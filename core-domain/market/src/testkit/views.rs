//! The [`ViewCounter`] contract, run by every adapter (Redis and the in-process counter): a
//! view counts once per viewer per day, even when a hundred arrive at once; a taken batch is
//! handed out again, whole and under the same id, until it is acknowledged; and however
//! flushers and viewers interleave, every counted view lands in exactly one batch.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use chrono::{Days, NaiveDate};

use crate::ports::{ViewBatch, ViewCounter};

fn day(n: u64) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a valid date");
    first.checked_add_days(Days::new(n)).expect("a valid date")
}

/// The batch with its counts in product order (the port promises no order).
fn sorted(batch: ViewBatch) -> ViewBatch {
    let mut counts = batch.counts;
    counts.sort_unstable();
    ViewBatch { id: batch.id, counts }
}

async fn take(counter: &dyn ViewCounter) -> Option<ViewBatch> {
    counter.take().await.expect("take").map(sorted)
}

/// Runs every check on a counter nothing was recorded in yet (a fresh key prefix, a new
/// instance).
pub async fn run_all(counter: Arc<dyn ViewCounter>) {
    once_per_viewer_per_day(&*counter).await;
    racing_first_views_count_once(counter.clone()).await;
    batches_are_kept_until_acknowledged(&*counter).await;
    racing_takers_get_one_batch(counter.clone()).await;
    racing_flushers_count_every_view_once(counter).await;
}

async fn once_per_viewer_per_day(c: &dyn ViewCounter) {
    assert_eq!(c.take().await.expect("take"), None, "nothing recorded, nothing to take");
    c.ack("no-such-batch").await.expect("acknowledging an unknown batch is a no-op");
    assert!(c.record(1, 10, day(0)).await.expect("record"), "the first view of the day counts");
    assert!(!c.record(1, 10, day(0)).await.expect("record"), "the second view that day does not");
    assert!(c.record(1, 10, day(1)).await.expect("record"), "the next day counts again");
    assert!(!c.record(1, 10, day(1)).await.expect("record"));
    assert!(c.record(1, 11, day(0)).await.expect("record"), "another viewer counts");
    assert!(c.record(2, 10, day(0)).await.expect("record"), "another product counts");
}

async fn racing_first_views_count_once(counter: Arc<dyn ViewCounter>) {
    let views: Vec<_> = (0..100)
        .map(|_| {
            let counter = counter.clone();
            tokio::spawn(async move { counter.record(3, 20, day(0)).await })
        })
        .collect();
    let mut counted = 0;
    for view in views {
        if view.await.expect("join").expect("racing views never fail") {
            counted += 1;
        }
    }
    assert_eq!(counted, 1, "a hundred racing views of one viewer count once");
}

async fn batches_are_kept_until_acknowledged(c: &dyn ViewCounter) {
    let first = take(c).await.expect("the counted views are taken");
    assert_eq!(first.counts, vec![(1, 3), (2, 1), (3, 1)], "views summed per product");
    assert!(!first.id.is_empty(), "a batch has an id");
    assert_eq!(take(c).await.as_ref(), Some(&first), "unacknowledged, the same batch is taken again");

    // Views after the take wait for the next batch; the viewers already seen stay seen.
    assert!(c.record(1, 12, day(0)).await.expect("record"));
    assert!(c.record(4, 10, day(0)).await.expect("record"));
    assert!(!c.record(1, 10, day(0)).await.expect("record"), "a taken view is still seen that day");
    assert_eq!(take(c).await.as_ref(), Some(&first), "later views do not join a taken batch");
    c.ack("another-batch").await.expect("ack");
    assert_eq!(take(c).await.as_ref(), Some(&first), "acknowledging another id keeps the batch");

    c.ack(&first.id).await.expect("ack");
    let second = take(c).await.expect("the views after the take are the next batch");
    assert_ne!(second.id, first.id, "every batch has its own id");
    assert_eq!(second.counts, vec![(1, 1), (4, 1)], "nothing lost, nothing counted twice");
    c.ack(&first.id).await.expect("a late ack of the old batch");
    assert_eq!(take(c).await.as_ref(), Some(&second), "a late ack of an old batch keeps the new one");
    c.ack(&second.id).await.expect("ack");
    assert_eq!(c.take().await.expect("take"), None, "everything was acknowledged");
}

async fn racing_takers_get_one_batch(counter: Arc<dyn ViewCounter>) {
    for viewer in 30..40 {
        assert!(counter.record(6, viewer, day(0)).await.expect("record"));
    }
    assert!(counter.record(7, 30, day(0)).await.expect("record"));
    let takers: Vec<_> = (0..20)
        .map(|_| {
            let counter = counter.clone();
            tokio::spawn(async move { take(&*counter).await })
        })
        .collect();
    let mut batches = Vec::new();
    for taker in takers {
        batches.push(taker.await.expect("join").expect("the views are there to take"));
    }
    let first = batches[0].clone();
    assert_eq!(first.counts, vec![(6, 10), (7, 1)]);
    assert!(batches.iter().all(|b| *b == first), "racing takers all get the one whole batch: {batches:?}");
    counter.ack(&first.id).await.expect("ack");
    assert_eq!(counter.take().await.expect("take"), None);
}

/// The batches handed out, by id: what the database would apply, each id once.
type HandedOut = Mutex<HashMap<String, Vec<(i64, u64)>>>;

/// Notes a batch handed out; the same id must always come with the same counts.
fn keep(seen: &HandedOut, batch: ViewBatch) {
    let mut seen = seen.lock().expect("the test's lock");
    let counts = seen.entry(batch.id.clone()).or_insert_with(|| batch.counts.clone());
    assert_eq!(*counts, batch.counts, "batch {} was handed out with other counts", batch.id);
}

/// Viewers and four flushers (take, then ack) race; the batches handed out, each applied
/// once by id as the database does, hold every view exactly once.
async fn racing_flushers_count_every_view_once(counter: Arc<dyn ViewCounter>) {
    const VIEWERS: i64 = 80;
    let seen: Arc<HandedOut> = Arc::default();
    let views: Vec<_> = (0..VIEWERS)
        .map(|viewer| {
            let counter = counter.clone();
            tokio::spawn(async move { counter.record(5, 100 + viewer, day(0)).await })
        })
        .collect();
    let flushers: Vec<_> = (0..4)
        .map(|_| {
            let (counter, seen) = (counter.clone(), seen.clone());
            tokio::spawn(async move {
                for _ in 0..10 {
                    if let Some(batch) = take(&*counter).await {
                        let id = batch.id.clone();
                        keep(&seen, batch);
                        counter.ack(&id).await.expect("ack");
                    }
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for view in views {
        assert!(view.await.expect("join").expect("record"), "each viewer's first view counts");
    }
    for flusher in flushers {
        flusher.await.expect("a flusher");
    }
    while let Some(batch) = take(&*counter).await {
        let id = batch.id.clone();
        keep(&seen, batch);
        counter.ack(&id).await.expect("ack");
    }
    let seen = seen.lock().expect("the test's lock");
    let total: u64 = seen.values().flatten().map(|(product, n)| if *product == 5 { *n } else { 0 }).sum();
    assert_eq!(total, VIEWERS as u64, "every view in exactly one batch: {seen:?}");
    assert!(seen.values().flatten().all(|(product, _)| *product == 5), "only this run's product: {seen:?}");
}

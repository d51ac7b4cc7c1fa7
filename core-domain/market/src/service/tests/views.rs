//! Views: counted once per viewer per Seoul day (never the seller's), best effort, and
//! flushed into the products exactly once per batch.

use std::collections::BTreeMap;

use super::*;
use crate::ports::{ProductRepository, ViewCounter};
use chrono::Duration;

#[tokio::test]
async fn a_view_is_counted_once_per_viewer_per_seoul_day() {
    let f = fixture();
    let id = listed(&f, PRICE).await;
    f.service.product(id, user(BUYER)).await.unwrap();
    f.service.product(id, user(BUYER)).await.unwrap();
    f.service.product(id, user(OTHER)).await.unwrap();
    assert_eq!(f.views.counted(), BTreeMap::from([(id, 2)]));
    // t0 is 10:00 in Seoul: 23:59 is the same day, midnight the next.
    f.clock.advance(Duration::hours(13) + Duration::minutes(59));
    f.service.product(id, user(BUYER)).await.unwrap();
    assert_eq!(f.views.counted(), BTreeMap::from([(id, 2)]));
    f.clock.advance(Duration::minutes(1));
    f.service.product(id, user(BUYER)).await.unwrap();
    assert_eq!(f.views.counted(), BTreeMap::from([(id, 3)]));
}

#[tokio::test]
async fn the_seller_s_own_views_are_never_counted() {
    let f = fixture();
    let id = listed(&f, PRICE).await;
    f.service.product(id, user(SELLER)).await.unwrap();
    assert!(f.views.counted().is_empty());
}

#[tokio::test]
async fn a_view_counter_that_is_down_never_hides_the_product() {
    let f = fixture();
    let id = listed(&f, PRICE).await;
    f.views.set_down(true);
    assert_eq!(f.service.product(id, user(BUYER)).await.unwrap().id, id);
}

#[tokio::test]
async fn a_flush_moves_the_counted_views_into_the_products_once() {
    let f = fixture();
    let (a, b) = (listed(&f, PRICE).await, listed(&f, PRICE).await);
    for (id, viewer) in [(a, BUYER), (a, OTHER), (b, BUYER)] {
        f.service.product(id, user(viewer)).await.unwrap();
    }
    assert_eq!(f.service.flush_views().await.unwrap(), 3);
    assert_eq!(f.service.flush_views().await.unwrap(), 0, "nothing new to flush");
    let counts = [a, b].map(|id| f.products.view_count(id));
    assert_eq!(counts, [2, 1]);
}

#[tokio::test]
async fn a_flush_that_crashed_before_its_ack_is_redone_without_counting_twice() {
    let f = fixture();
    let id = listed(&f, PRICE).await;
    f.service.product(id, user(BUYER)).await.unwrap();
    // A flush took the batch and added it, then crashed before acknowledging it.
    let batch = f.views.take().await.unwrap().unwrap();
    assert!(f.products.add_views(&batch.id, &batch.counts, t0()).await.unwrap());
    f.service.product(id, user(OTHER)).await.unwrap();

    assert_eq!(f.service.flush_views().await.unwrap(), 0, "the same batch again, already added: nothing added");
    assert_eq!(f.products.view_count(id), 1);
    assert_eq!(f.service.flush_views().await.unwrap(), 1, "the view counted meanwhile comes next");
    assert_eq!(f.products.view_count(id), 2);
}

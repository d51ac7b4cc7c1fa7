//! Trade histories: an order's own history for the parties to it, and each side's orders a
//! keyset page at a time.

use super::*;
use crate::{OrderRecord, OrderStatus};
use chrono::Duration;

#[tokio::test]
async fn an_order_s_history_records_every_status_it_entered_oldest_first() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    f.clock.advance(Duration::minutes(1));
    f.service.pay(BUYER, order.id, "pk-1").await.unwrap();
    f.clock.advance(Duration::minutes(1));
    f.service.cancel(user(SELLER), order.id).await.unwrap();
    let detail = f.service.order(user(BUYER), order.id).await.unwrap();
    assert_eq!(detail.order.status, OrderStatus::Refunded);
    assert_eq!(
        detail.history,
        [
            OrderRecord { from: None, to: OrderStatus::PendingPayment, at: t0() },
            OrderRecord {
                from: Some(OrderStatus::PendingPayment),
                to: OrderStatus::Paid,
                at: t0() + Duration::minutes(1)
            },
            OrderRecord { from: Some(OrderStatus::Paid), to: OrderStatus::Refunded, at: t0() + Duration::minutes(2) },
        ]
    );
}

#[tokio::test]
async fn an_order_is_shown_to_its_buyer_its_seller_and_admins_only() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    for party in [user(BUYER), user(SELLER), ADMIN] {
        assert_eq!(f.service.order(party, order.id).await.unwrap().order, order);
    }
    let err = f.service.order(user(OTHER), order.id).await.unwrap_err();
    assert!(matches!(err, MarketError::OrderNotFound(got) if got == order.id), "{err:?}");
}

#[tokio::test]
async fn a_deleted_product_s_orders_keep_their_history() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    f.service.cancel(user(BUYER), order.id).await.unwrap();
    f.service.delete_product(user(SELLER), order.product_id).await.unwrap();
    let detail = f.service.order(user(BUYER), order.id).await.unwrap();
    assert_eq!((detail.order.product_title, detail.history.len()), (draft(PRICE).title, 2));
}

/// Every page of `user_id`'s orders on `role`'s side, `size` at a time, and the id of the
/// order [`BUYER`] placed after the first page (it must not shift the later ones).
async fn all_pages(f: &Market, user_id: i64, role: OrderRole, size: u32) -> (Vec<Vec<i64>>, i64) {
    let mut page = f.service.orders(user_id, role, first(role.list(), size)).await.unwrap();
    let mut pages = vec![page.content.iter().map(|o| o.id).collect::<Vec<_>>()];
    f.clock.advance(Duration::hours(1));
    let meanwhile = ordered(f, &[]).await.id;
    while let Some(cursor) = page.next_cursor.clone() {
        page = f.service.orders(user_id, role, after(role.list(), &cursor, size)).await.unwrap();
        pages.push(page.content.iter().map(|o| o.id).collect());
    }
    (pages, meanwhile)
}

#[tokio::test]
async fn trade_histories_page_by_role_newest_first_without_gaps_or_duplicates() {
    let f = fixture();
    let mut bought = Vec::new();
    // Two orders share each instant: ties are broken by id.
    for i in 0..5 {
        if i % 2 == 0 {
            f.clock.advance(Duration::seconds(1));
        }
        bought.push(ordered(&f, &[]).await.id);
    }
    let someone_elses = listed(&f, PRICE).await;
    let theirs = f.service.place_order(OTHER, someone_elses, &[]).await.unwrap().id;
    bought.reverse();

    let (pages, meanwhile) = all_pages(&f, BUYER, OrderRole::Buyer, 2).await;
    assert_eq!(pages, [bought[0..2].to_vec(), bought[2..4].to_vec(), bought[4..].to_vec()]);
    let (pages, _) = all_pages(&f, SELLER, OrderRole::Seller, 4).await;
    let mut expected = vec![meanwhile, theirs];
    expected.extend(&bought);
    let sold = pages.concat();
    assert_eq!(sold, expected, "the seller's side lists every buyer's order of their products");
    assert!(
        f.service
            .orders(SELLER, OrderRole::Buyer, first(OrderRole::Buyer.list(), 10))
            .await
            .unwrap()
            .content
            .is_empty()
    );
    assert!(
        f.service
            .orders(OTHER, OrderRole::Seller, first(OrderRole::Seller.list(), 10))
            .await
            .unwrap()
            .content
            .is_empty()
    );
}

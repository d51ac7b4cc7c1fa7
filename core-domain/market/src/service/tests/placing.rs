//! Placing orders: the product reserved for one buyer at its price, coupons priced by the
//! coupon context's rule and reserved with it, nothing to pay paid at once, and the refusals.

use std::sync::atomic::{AtomicBool, Ordering};

use super::*;
use crate::{
    OrderRecord, OrderStatus, ProductPatch, ProductStatus, events,
    ports::{CouponPricing, ProductRepository},
    testkit::memory::{CouponChange, MemoryProducts},
};
use async_trait::async_trait;
use cercat_coupon::{CouponError, PricingError, Purchase, Quote};

#[tokio::test]
async fn an_order_reserves_the_product_for_the_buyer_at_its_price_until_pay_by() {
    let f = fixture();
    let id = listed(&f, PRICE).await;
    let order = f.service.place_order(BUYER, id, &[]).await.unwrap();
    assert_eq!(
        (order.status, order.price, order.discount, order.amount),
        (OrderStatus::PendingPayment, PRICE, 0, PRICE)
    );
    assert_eq!((order.buyer_id, order.seller_id, order.certificate_id), (BUYER, SELLER, 1));
    assert_eq!(order.product_title, draft(PRICE).title);
    assert_eq!(order.pay_by, t0() + f.service.config().pay_within);
    assert!(order.gateway_order_id.starts_with(&format!("mkt{id}-")), "{}", order.gateway_order_id);
    assert_eq!(f.products.status(id), Some(ProductStatus::Reserved));
    let placed = f.orders.events();
    assert_eq!(placed, [events::transition(&order)]);
    assert_eq!(placed[0].receiver(), SELLER, "the seller is told");
    let detail = f.service.order(user(BUYER), order.id).await.unwrap();
    assert_eq!(detail.history, [OrderRecord { from: None, to: OrderStatus::PendingPayment, at: t0() }]);
}

#[tokio::test]
async fn sellers_cannot_buy_their_own_products() {
    let f = fixture();
    let id = listed(&f, PRICE).await;
    let err = f.service.place_order(SELLER, id, &[]).await.unwrap_err();
    assert!(matches!(err, MarketError::OwnProduct(got) if got == id), "{err:?}");
    assert_eq!(wire(&err), ("MKT_006", None));
    assert_eq!(f.products.status(id), Some(ProductStatus::OnSale));
    assert!(f.orders.events().is_empty());
}

#[tokio::test]
async fn a_product_another_order_holds_or_that_is_sold_is_not_on_sale() {
    let f = fixture();
    let first = ordered(&f, &[]).await;
    let err = f.service.place_order(OTHER, first.product_id, &[]).await.unwrap_err();
    assert!(matches!(err, MarketError::NotOnSale { status: "RESERVED", .. }), "{err:?}");
    assert_eq!(wire(&err), ("MKT_005", None));
    f.service.pay(BUYER, first.id, "pk-1").await.unwrap();
    let err = f.service.place_order(OTHER, first.product_id, &[]).await.unwrap_err();
    assert!(matches!(err, MarketError::NotOnSale { status: "SOLD", .. }), "{err:?}");
}

#[tokio::test]
async fn a_hidden_deleted_or_missing_product_cannot_be_ordered() {
    let f = fixture();
    let hidden = listed(&f, PRICE).await;
    f.service.set_hidden(hidden, true).await.unwrap();
    let deleted = listed(&f, PRICE).await;
    f.service.delete_product(user(SELLER), deleted).await.unwrap();
    for id in [hidden, deleted, 404] {
        let err = f.service.place_order(BUYER, id, &[]).await.unwrap_err();
        assert!(matches!(err, MarketError::ProductNotFound(got) if got == id), "{id}: {err:?}");
    }
    assert_eq!(f.products.status(hidden), Some(ProductStatus::OnSale));
    assert!(f.orders.events().is_empty());
}

#[tokio::test]
async fn coupons_price_the_order_fixed_first_then_percent_and_are_reserved_with_it() {
    let f = fixture_with_coupons();
    let order = ordered(&f, &[2, 1]).await;
    // 30 000 − 5 000 (the fixed coupon first) = 25 000, then 10 % of that.
    assert_eq!((order.price, order.discount, order.amount), (PRICE, 7_500, 22_500));
    assert_eq!(order.coupon_ids, [2, 1]);
    assert_eq!(f.orders.coupon_moves(order.id), [(CouponChange::Reserved, vec![2, 1])]);
}

#[tokio::test]
async fn coupons_the_buyer_does_not_hold_or_that_are_not_for_the_market_are_refused() {
    let f = fixture_with_coupons();
    let id = listed(&f, PRICE).await;
    let err = f.service.place_order(BUYER, id, &[1, 9]).await.unwrap_err();
    assert!(matches!(&err, MarketError::Coupon(CouponError::NotHeld(ids)) if *ids == [9]), "{err:?}");
    assert_eq!(wire(&err), ("CPN_006", Some("couponIds")));
    let err = f.service.place_order(BUYER, id, &[4]).await.unwrap_err();
    assert!(
        matches!(err, MarketError::Coupon(CouponError::Pricing(PricingError::OutOfScope { coupon: 4, .. }))),
        "{err:?}"
    );
    assert_eq!(wire(&err), ("CPN_002", Some("couponIds")));
    assert_eq!(f.products.status(id), Some(ProductStatus::OnSale), "a refusal reserves nothing");
    assert!(f.orders.events().is_empty());
}

#[tokio::test]
async fn a_coupon_another_order_or_checkout_holds_is_not_usable_until_given_back() {
    let f = fixture_with_coupons();
    let first = ordered(&f, &[1]).await;
    let second = listed(&f, PRICE).await;
    let err = f.service.place_order(BUYER, second, &[1]).await.unwrap_err();
    assert!(matches!(err, MarketError::Coupon(CouponError::NotUsable(1))), "{err:?}");
    assert_eq!(wire(&err), ("CPN_007", Some("couponIds")));
    assert_eq!(f.products.status(second), Some(ProductStatus::OnSale), "the refused order reserved nothing");
    f.orders.take_coupon_elsewhere(2);
    assert!(matches!(
        f.service.place_order(BUYER, second, &[2]).await,
        Err(MarketError::Coupon(CouponError::NotUsable(2)))
    ));

    f.service.cancel(user(BUYER), first.id).await.unwrap();
    assert_eq!(f.service.place_order(BUYER, second, &[1]).await.unwrap().amount, PRICE - 5_000);
}

#[tokio::test]
async fn an_order_with_nothing_left_to_pay_is_paid_at_once_and_spends_its_coupons() {
    let f = fixture_with_coupons();
    let order = ordered(&f, &[3]).await;
    assert_eq!((order.status, order.amount, order.discount), (OrderStatus::Paid, 0, PRICE));
    assert_eq!(f.products.status(order.product_id), Some(ProductStatus::Sold));
    assert_eq!(f.orders.coupon_moves(order.id), [(CouponChange::Spent, vec![3])]);
    assert!(matches!(f.orders.events()[..], [events::OrderEvent::OrderPaid(_)]));
    assert_eq!(f.service.pay(BUYER, order.id, "pk-any").await.unwrap(), order, "paying it answers the order");
    assert!(f.gateway.confirms().is_empty(), "the gateway is never asked for 0 won");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_thirty_concurrent_buyers_exactly_one_wins_the_product() {
    let f = fixture();
    let id = listed(&f, PRICE).await;
    let buyers: Vec<_> = (100..130)
        .map(|buyer| {
            let service = Arc::clone(&f.service);
            tokio::spawn(async move { service.place_order(buyer, id, &[]).await })
        })
        .collect();
    let mut won = Vec::new();
    for buyer in buyers {
        match buyer.await.unwrap() {
            Ok(order) => won.push(order),
            Err(MarketError::NotOnSale { status: "RESERVED", .. }) => {}
            Err(other) => panic!("a losing buyer is told the product is not on sale, got {other:?}"),
        }
    }
    assert_eq!(won.len(), 1, "exactly one order: {won:?}");
    let sold = f.service.orders(SELLER, OrderRole::Seller, first(OrderRole::Seller.list(), 100)).await.unwrap();
    assert_eq!(sold.content, won, "and only one order exists");
    assert_eq!(f.products.status(id), Some(ProductStatus::Reserved));
}

/// Pricing that lets the seller change the price once while the order is being quoted.
struct RepricedWhileQuoting {
    products: MemoryProducts,
    id: i64,
    done: AtomicBool,
}

#[async_trait]
impl CouponPricing for RepricedWhileQuoting {
    async fn quote(&self, _: i64, _: Purchase, price: Money, _: &[i64]) -> Result<Quote, CouponError> {
        if !self.done.swap(true, Ordering::SeqCst) {
            let patch = ProductPatch { price: Some(PRICE + 1_000), ..Default::default() };
            let draft = patch.apply(draft(PRICE));
            self.products.update(self.id, &draft, &[], &[], &[], t0()).await.unwrap();
        }
        Ok(Quote::full(price))
    }
}

#[tokio::test]
async fn a_price_the_seller_changed_while_ordering_is_refused_until_looked_at_again() {
    let products = MemoryProducts::default();
    let id = products.create(SELLER, &draft(PRICE), &[], &[], t0()).await.unwrap();
    let pricing = RepricedWhileQuoting { products: products.clone(), id, done: AtomicBool::new(false) };
    let f = MarketSetup::new(ManualClock::new(t0())).products(products).coupons(pricing).build();
    let err = f.service.place_order(BUYER, id, &[]).await.unwrap_err();
    assert!(matches!(err, MarketError::PriceChanged(got) if got == id), "{err:?}");
    assert_eq!(wire(&err), ("MKT_014", None));
    assert_eq!(f.products.status(id), Some(ProductStatus::OnSale));
    assert_eq!(f.service.place_order(BUYER, id, &[]).await.unwrap().amount, PRICE + 1_000, "at the new price");
}

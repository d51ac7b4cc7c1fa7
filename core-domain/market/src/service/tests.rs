//! The market service over the in-memory stand-ins ([`crate::testkit::memory`]): listing,
//! editing and hiding products in [`products`], views in [`views`], placing orders (one buyer
//! wins, coupons priced) in [`placing`], paying in [`paying`], cancelling and the sweep in
//! [`releasing`], and trade histories in [`history`].

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod history;
mod paying;
mod placing;
mod products;
mod releasing;
mod views;

use super::*;
use crate::{
    MarketError, Order, OrderRole, ProductDraft,
    model::{Category, Condition},
    testkit::memory::{Market, MarketSetup, market, t0},
};
use cercat_common::{
    DomainError,
    clock::{Clock, ManualClock},
    money::Money,
    money::Percent,
    paging::KeysetRequest,
};
use cercat_coupon::{Coupon, CouponKind, CouponScope, CouponTerms, testkit::held::HeldCoupons};
use chrono::TimeZone;

/// Sells the products of these tests.
const SELLER: i64 = 2;
/// Buys them.
const BUYER: i64 = 3;
/// Neither sells nor buys.
const OTHER: i64 = 4;
/// An admin.
const ADMIN: Actor = Actor { user_id: 99, admin: true };
/// The price of a product in these tests, won.
const PRICE: i64 = 30_000;

fn user(user_id: i64) -> Actor {
    Actor { user_id, admin: false }
}

fn fixture() -> Market {
    market(ManualClock::new(t0()))
}

/// A fixture whose buyers hold the coupons of [`wallet`].
fn fixture_with_coupons() -> Market {
    MarketSetup::new(ManualClock::new(t0())).coupons(wallet()).build()
}

/// A book for certificate 1 at `price`.
fn draft(price: i64) -> ProductDraft {
    ProductDraft {
        certificate_id: 1,
        title: "정보처리기사 필기 기본서".into(),
        description: "밑줄 조금, 필기 없음".into(),
        price,
        condition: Condition::Good,
        category: Category::Book,
        location: "서울대입구역".into(),
    }
}

fn png() -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    bytes.extend_from_slice(b"pixels");
    bytes
}

fn jpeg() -> Vec<u8> {
    vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]
}

/// The first page of `size` of `list`.
fn first(list: &str, size: u32) -> KeysetRequest {
    KeysetRequest::first(list, size)
}

/// The page of `list` after the one whose cursor is `cursor`.
fn after(list: &str, cursor: &str, size: u32) -> KeysetRequest {
    KeysetRequest::parse(list, Some(cursor), Some(i64::from(size))).unwrap()
}

/// Lists a product of [`SELLER`] at `price`; returns its id.
async fn listed(f: &Market, price: i64) -> i64 {
    f.service.create_product(SELLER, draft(price), Vec::new()).await.unwrap().id
}

/// [`BUYER`]'s order of a fresh product at [`PRICE`], with `coupons`.
async fn ordered(f: &Market, coupons: &[i64]) -> Order {
    let id = listed(f, PRICE).await;
    f.service.place_order(BUYER, id, coupons).await.unwrap()
}

fn won(w: i64) -> Money {
    Money::won(w).unwrap()
}

fn coupon(id: i64, kind: CouponKind, scope: CouponScope) -> Coupon {
    Coupon {
        id,
        terms: CouponTerms {
            name: format!("쿠폰{id}"),
            kind,
            exclusive: false,
            min_order_amount: Money::ZERO,
            valid_from: Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap(),
            valid_until: Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap(),
            scope,
        },
    }
}

/// [`BUYER`] holds a 5,000-won coupon (1), a 10 % market coupon (2), a market coupon worth the
/// whole price (3) and a course-only coupon (4); [`OTHER`] holds coupon 9.
fn wallet() -> HeldCoupons {
    HeldCoupons(vec![
        (BUYER, coupon(1, CouponKind::Fixed { amount: won(5_000) }, CouponScope::Any)),
        (
            BUYER,
            coupon(
                2,
                CouponKind::Percent { percent: Percent::new(10).unwrap(), max_discount: None },
                CouponScope::Market,
            ),
        ),
        (BUYER, coupon(3, CouponKind::Fixed { amount: won(PRICE) }, CouponScope::Market)),
        (BUYER, coupon(4, CouponKind::Fixed { amount: won(1_000) }, CouponScope::Course)),
        (OTHER, coupon(9, CouponKind::Fixed { amount: won(1_000) }, CouponScope::Any)),
    ])
}

/// The error's wire code and field, as the envelope shows them.
fn wire(err: &MarketError) -> (&'static str, Option<&'static str>) {
    (err.code(), err.field())
}

/// The in-memory products keep the same contract as the SQL adapters (so service tests over
/// them prove what production does).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_products_keep_the_adapters_contract() {
    use crate::{
        Seller,
        testkit::{memory::MemoryProducts, products},
    };
    let repo = MemoryProducts::default();
    repo.only_certificates(&[1, 2]);
    repo.name(1, "판매자1");
    repo.name(2, "판매자2");
    let fixture = products::ProductFixture {
        sellers: [Seller::shown(1, Some("판매자1".into())), Seller::shown(2, Some("판매자2".into()))],
        users: (100..160).collect(),
        certificates: [1, 2],
        missing_certificate: 999,
    };
    products::run_all(std::sync::Arc::new(repo), fixture).await;
}

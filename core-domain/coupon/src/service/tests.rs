//! The coupon use cases over the in-memory store (which itself keeps the repository contract).

use super::*;
use crate::testkit::{MemoryCoupons, PriceList, run_all};
use cercat_common::clock::ManualClock;
use chrono::{Duration, TimeZone};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap()
}

fn draft(kind: DraftKind) -> CouponDraft {
    CouponDraft {
        name: "겨울 할인".into(),
        kind,
        amount: (kind == DraftKind::Fixed).then_some(3_000),
        percent: (kind == DraftKind::Percent).then_some(10),
        max_discount: None,
        exclusive: false,
        min_order_amount: 0,
        valid_from: now() - Duration::days(1),
        valid_until: now() + Duration::days(30),
        scope: CouponScope::Any,
    }
}

fn service() -> (CouponService, Arc<MemoryCoupons>, ManualClock) {
    let store = Arc::new(MemoryCoupons::default());
    let clock = ManualClock::new(now());
    let prices = PriceList(vec![(Purchase::Course, 1, Money::won(99_000).unwrap())]);
    (CouponService::new(store.clone(), Arc::new(prices), Arc::new(clock.clone())), store, clock)
}

#[tokio::test]
async fn the_memory_store_keeps_the_repository_contract() {
    let store = MemoryCoupons::with_users(&[1, 2, 3]);
    run_all(Arc::new(store), [1, 2, 3], "MEM", now()).await;
}

#[tokio::test]
async fn definitions_are_checked_field_by_field() {
    let (s, _, _) = service();
    let field = |d: CouponDraft| match d.into_terms() {
        Err(CouponError::Invalid { field, .. }) => Some(field),
        Err(other) => panic!("{other:?}"),
        Ok(_) => None,
    };
    assert_eq!(field(CouponDraft { name: " ".into(), ..draft(DraftKind::Fixed) }), Some("name"));
    assert_eq!(field(CouponDraft { amount: None, ..draft(DraftKind::Fixed) }), Some("amount"));
    assert_eq!(field(CouponDraft { amount: Some(0), ..draft(DraftKind::Fixed) }), Some("amount"));
    assert_eq!(field(CouponDraft { percent: Some(5), ..draft(DraftKind::Fixed) }), Some("percent"));
    assert_eq!(field(CouponDraft { percent: Some(0), ..draft(DraftKind::Percent) }), Some("percent"));
    assert_eq!(field(CouponDraft { percent: Some(101), ..draft(DraftKind::Percent) }), Some("percent"));
    assert_eq!(field(CouponDraft { max_discount: Some(0), ..draft(DraftKind::Percent) }), Some("maxDiscount"));
    assert_eq!(field(CouponDraft { amount: Some(1), ..draft(DraftKind::Percent) }), Some("amount"));
    assert_eq!(field(CouponDraft { min_order_amount: -1, ..draft(DraftKind::Fixed) }), Some("minOrderAmount"));
    let backwards = CouponDraft { valid_until: now() - Duration::days(1), ..draft(DraftKind::Fixed) };
    assert_eq!(field(backwards), Some("validUntil"));
    assert_eq!(field(draft(DraftKind::Fixed)), None);
    let made = s.define(draft(DraftKind::Percent)).await.unwrap();
    assert_eq!(made.terms.name, "겨울 할인");
    assert!(matches!(made.terms.kind, CouponKind::Percent { max_discount: None, .. }));
    assert_eq!(s.definition(made.id).await.unwrap(), made);
    assert!(matches!(s.definition(99).await, Err(CouponError::NotFound(99))));
}

#[tokio::test]
async fn grants_check_their_users_and_coupon() {
    let (s, _, _) = service();
    let c = s.define(draft(DraftKind::Fixed)).await.unwrap().id;
    assert!(matches!(s.grant(c, &[]).await, Err(CouponError::Invalid { field: "userIds", .. })));
    assert!(matches!(s.grant(c, &[1, 0]).await, Err(CouponError::Invalid { field: "userIds", .. })));
    let many: Vec<i64> = (1..=1_001).collect();
    assert!(matches!(s.grant(c, &many).await, Err(CouponError::Invalid { field: "userIds", .. })));
    assert!(matches!(s.grant(42, &[1]).await, Err(CouponError::NotFound(42))));
    let report = s.grant(c, &[2, 1, 2]).await.unwrap();
    assert_eq!(report.granted, vec![1, 2], "ids are deduplicated");
}

#[tokio::test]
async fn vouchers_are_redeemed_once_per_user_within_their_limit() {
    let (s, _, clock) = service();
    let c = s.define(draft(DraftKind::Fixed)).await.unwrap().id;
    let v = s.create_voucher(c, Some(" winter-2026 "), VoucherKind::Private).await.unwrap();
    assert_eq!(v.code, "WINTER-2026", "codes are trimmed and upper-cased");
    let taken = s.create_voucher(c, Some("winter-2026"), VoucherKind::Private).await;
    assert!(matches!(taken, Err(CouponError::CodeTaken(_))), "{taken:?}");
    let short = s.create_voucher(c, Some("no"), VoucherKind::Private).await;
    assert!(matches!(short, Err(CouponError::Invalid { field: "code", .. })), "{short:?}");
    let zero = s.create_voucher(c, None, VoucherKind::Public { max_redemptions: 0 }).await;
    assert!(matches!(zero, Err(CouponError::Invalid { field: "maxRedemptions", .. })), "{zero:?}");
    let generated = s.create_voucher(c, None, VoucherKind::Public { max_redemptions: 5 }).await.unwrap();
    assert_eq!(normalize_code(&generated.code).unwrap(), generated.code, "a generated code is a valid code");
    assert_eq!(generated.code.len(), 14);

    assert_eq!(voucher_kind("PUBLIC", Some(3)).unwrap(), VoucherKind::Public { max_redemptions: 3 });
    assert_eq!(voucher_kind("PRIVATE", None).unwrap(), VoucherKind::Private);
    for (kind, max, field) in
        [("PRIVATE", Some(2), "maxRedemptions"), ("PUBLIC", None, "maxRedemptions"), ("SECRET", None, "kind")]
    {
        assert!(matches!(voucher_kind(kind, max), Err(CouponError::Invalid { field: f, .. }) if f == field), "{kind}");
    }

    let got = s.redeem(7, "Winter-2026").await.unwrap();
    assert_eq!((got.user_id, got.coupon_id, got.source.clone()), (7, c, crate::CouponSource::Voucher(v.id)));
    assert!(matches!(s.redeem(7, "WINTER-2026").await, Err(CouponError::AlreadyRedeemed(_))));
    assert!(matches!(s.redeem(8, "WINTER-2026").await, Err(CouponError::VoucherSpent { .. })));
    assert!(matches!(s.redeem(8, "NOPE-NOPE").await, Err(CouponError::UnknownCode(_))));
    clock.advance(Duration::days(31));
    let expired = s.redeem(8, &generated.code).await;
    assert!(
        matches!(expired, Err(CouponError::VoucherSpent { reason: "its coupon has expired", .. })),
        "a voucher of an expired coupon gives nothing: {expired:?}"
    );
}

#[tokio::test]
async fn my_coupons_are_listed_by_how_they_stand_now() {
    let (s, store, clock) = service();
    let short = CouponDraft { valid_until: now() + Duration::days(2), ..draft(DraftKind::Fixed) };
    let short = s.define(short).await.unwrap().id;
    let long = s.define(draft(DraftKind::Percent)).await.unwrap().id;
    let spent = s.define(draft(DraftKind::Fixed)).await.unwrap().id;
    for c in [short, long, spent] {
        s.grant(c, &[5]).await.unwrap();
    }
    let all = s.mine(5, None).await.unwrap();
    let spent_hold = all.iter().find(|(h, _)| h.coupon_id == spent).unwrap().0.coupon.id;
    store.set_state(spent_hold, HoldState::Used { owner: "order:1".into(), at: now() });
    clock.advance(Duration::days(3));
    for (state, want) in [(ListedState::Usable, long), (ListedState::Expired, short), (ListedState::Used, spent)] {
        let ids: Vec<i64> = s.mine(5, Some(state)).await.unwrap().into_iter().map(|(h, _)| h.coupon_id).collect();
        assert_eq!(ids, vec![want], "{state:?}");
    }
    assert_eq!(s.mine(5, None).await.unwrap().len(), 3);
    assert!(s.mine(6, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_checkout_is_priced_only_with_the_callers_usable_coupons() {
    let (s, store, _) = service();
    let fixed = s.define(draft(DraftKind::Fixed)).await.unwrap().id;
    let pct = s.define(draft(DraftKind::Percent)).await.unwrap().id;
    s.grant(fixed, &[5, 6]).await.unwrap();
    s.grant(pct, &[5]).await.unwrap();
    let mine: Vec<UserCoupon> = s.mine(5, None).await.unwrap().into_iter().map(|(h, _)| h).collect();
    let id_of = |coupon| mine.iter().find(|h| h.coupon_id == coupon).unwrap().coupon.id;
    let (f, p) = (id_of(fixed), id_of(pct));
    let price = Money::won(20_000).unwrap();

    let q = s.quote(5, Purchase::Product, price, &[p, f]).await.unwrap();
    assert_eq!((q.discount().as_won(), q.amount.as_won()), (4_700, 15_300), "3 000 off, then 10 % of 17 000");
    assert_eq!(s.quote(5, Purchase::Course, price, &[]).await.unwrap(), Quote::full(price));

    let others = s.mine(6, None).await.unwrap()[0].0.coupon.id;
    let foreign = s.quote(5, Purchase::Product, price, &[f, others]).await;
    assert!(matches!(&foreign, Err(CouponError::NotHeld(ids)) if *ids == vec![others]), "{foreign:?}");
    let twice = s.quote(5, Purchase::Product, price, &[f, f]).await;
    assert!(matches!(twice, Err(CouponError::Pricing(crate::PricingError::Repeated(_)))), "{twice:?}");
    let eleven: Vec<i64> = (1..=11).collect();
    let many = s.quote(5, Purchase::Product, price, &eleven).await;
    assert!(matches!(many, Err(CouponError::Invalid { field: "couponIds", .. })), "{many:?}");
    store.set_state(f, HoldState::Locked { owner: "enrollment:3".into() });
    let locked = s.quote(5, Purchase::Product, price, &[f]).await;
    assert!(matches!(locked, Err(CouponError::NotUsable(id)) if id == f), "{locked:?}");
}

#[tokio::test]
async fn a_preview_prices_what_exists_with_the_callers_coupons() {
    let (s, _, _) = service();
    let pct = s.define(draft(DraftKind::Percent)).await.unwrap().id;
    s.grant(pct, &[5]).await.unwrap();
    let hold = s.mine(5, None).await.unwrap()[0].0.coupon.id;
    let q = s.preview(5, Purchase::Course, 1, &[hold]).await.unwrap();
    assert_eq!((q.price.as_won(), q.amount.as_won()), (99_000, 89_100));
    assert_eq!(q.discounts, vec![crate::Discount { coupon_id: hold, amount: Money::won(9_900).unwrap() }]);
    let missing = s.preview(5, Purchase::Course, 2, &[]).await;
    assert!(matches!(missing, Err(CouponError::NothingToPrice { purchase: Purchase::Course, id: 2 })), "{missing:?}");
    let product = s.preview(5, Purchase::Product, 1, &[]).await;
    assert!(matches!(product, Err(CouponError::NothingToPrice { .. })), "{product:?}");
    let q = s.preview(5, Purchase::Course, 1, &[hold]).await.unwrap();
    assert_eq!(q.amount.as_won(), 89_100, "a preview reserves nothing");
}

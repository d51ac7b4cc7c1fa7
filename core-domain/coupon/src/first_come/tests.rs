//! First-come claims over the in-memory store and gate (which keep their contracts).

use super::*;
use crate::{
    CouponSource,
    testkit::{
        MemoryCoupons,
        first_come::{MemoryFirstCome, gate_contract, repository_contract},
        terms,
    },
};
use cercat_common::clock::ManualClock;
use chrono::{Duration, TimeZone};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap()
}

struct Fixture {
    service: Arc<FirstComeService>,
    gate: Arc<LocalGate>,
    clock: ManualClock,
    coupon: i64,
}

async fn fixture() -> Fixture {
    let coupons = Arc::new(MemoryCoupons::default());
    let mut t = terms("선착순 5천원", now());
    t.valid_until = now() + Duration::days(30);
    let coupon = coupons.create(&t, now()).await.unwrap();
    let gate = Arc::new(LocalGate::default());
    let clock = ManualClock::new(now());
    let events = Arc::new(MemoryFirstCome::new(coupons.clone()));
    let service = Arc::new(FirstComeService::new(events, gate.clone(), coupons, Arc::new(clock.clone())));
    Fixture { service, gate, clock, coupon }
}

#[tokio::test]
async fn the_memory_store_and_gate_keep_their_contracts() {
    let coupons = Arc::new(MemoryCoupons::default());
    let coupon = coupons.create(&terms("계약", now()), now()).await.unwrap();
    let users: Vec<i64> = (1..=12).collect();
    repository_contract(Arc::new(MemoryFirstCome::new(coupons)), coupon, &users, now()).await;
    gate_contract(Arc::new(LocalGate::default()), 1).await;
}

#[tokio::test]
async fn events_are_checked_when_defined() {
    let f = fixture().await;
    let (open, close) = (now(), now() + Duration::hours(1));
    let field = |r: Result<FirstComeEvent, CouponError>| match r {
        Err(CouponError::Invalid { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(field(f.service.define(f.coupon, 0, open, close).await), "quantity");
    assert_eq!(field(f.service.define(f.coupon, MAX_QUANTITY + 1, open, close).await), "quantity");
    assert_eq!(field(f.service.define(f.coupon, 10, close, open).await), "closesAt");
    assert_eq!(field(f.service.define(f.coupon, 10, open, now() + Duration::days(31)).await), "closesAt");
    assert!(matches!(f.service.define(99, 10, open, close).await, Err(CouponError::NotFound(99))));
    let e = f.service.define(f.coupon, 10, open, close).await.unwrap();
    assert_eq!((e.quantity, e.remaining()), (10, 10));
    assert!(matches!(f.service.event(42, None).await, Err(CouponError::NoSuchEvent(42))));
}

#[tokio::test]
async fn a_surge_issues_exactly_the_quantity_once_per_user_and_every_201_holds_its_copy() {
    let f = fixture().await;
    let e = f.service.define(f.coupon, 20, now() - Duration::minutes(1), now() + Duration::hours(1)).await.unwrap();
    let clicks: Vec<_> = (1..=300i64)
        .flat_map(|u| [u, u, u])
        .map(|user| {
            let service = f.service.clone();
            tokio::spawn(async move { (user, service.claim(user, e.id).await) })
        })
        .collect();
    let mut winners = Vec::new();
    for click in clicks {
        let (user, answer) = click.await.unwrap();
        match answer {
            Ok(copy) => {
                assert_eq!(
                    (copy.user_id, copy.source.clone()),
                    (user, CouponSource::Event(e.id)),
                    "a 201 is a held copy"
                );
                winners.push(user);
            }
            Err(CouponError::SoldOut(_) | CouponError::AlreadyClaimed(_)) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    winners.sort_unstable();
    let before = winners.len();
    winners.dedup();
    assert_eq!((before, winners.len()), (20, 20), "exactly 20 copies, to 20 different users");
    let (after, claimed) = f.service.event(e.id, Some(winners[0])).await.unwrap();
    assert_eq!((after.remaining(), claimed), (0, true));
}

#[tokio::test]
async fn claims_are_taken_only_inside_the_window() {
    let f = fixture().await;
    let e = f.service.define(f.coupon, 5, now() + Duration::minutes(10), now() + Duration::minutes(20)).await.unwrap();
    assert!(matches!(f.service.claim(1, e.id).await, Err(CouponError::EventClosed { .. })), "not open yet");
    f.clock.advance(Duration::minutes(10));
    assert!(f.service.claim(1, e.id).await.is_ok(), "open at opensAt");
    f.clock.advance(Duration::minutes(10));
    assert!(matches!(f.service.claim(2, e.id).await, Err(CouponError::EventClosed { .. })), "closed at closesAt");
    assert_eq!(cercat_common::DomainError::code(&f.service.claim(2, e.id).await.unwrap_err()), "CPN_016");
}

#[tokio::test]
async fn a_flushed_gate_is_rebuilt_from_the_claims_so_nobody_claims_twice() {
    let f = fixture().await;
    let e = f.service.define(f.coupon, 2, now() - Duration::minutes(1), now() + Duration::hours(1)).await.unwrap();
    f.service.claim(1, e.id).await.unwrap();
    f.gate.flush();
    assert!(
        matches!(f.service.claim(1, e.id).await, Err(CouponError::AlreadyClaimed(_))),
        "the rebuilt gate knows user 1"
    );
    f.service.claim(2, e.id).await.unwrap();
    f.gate.flush();
    assert!(matches!(f.service.claim(3, e.id).await, Err(CouponError::SoldOut(_))), "and the count");
}

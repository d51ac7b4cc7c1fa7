//! The [`FirstComeRepository`] and [`ClaimGate`] contracts, run by every adapter, and an
//! in-memory first-come store for service tests (the gate of one process is `LocalGate`).

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use cercat_common::PortError;
use chrono::{DateTime, Duration, Utc};

use crate::first_come::{ClaimGate, FirstComeEvent, FirstComeRepository, GateAnswer, StoredClaim};

/// Runs the repository checks on an event of `coupon_id` over `users` (at least 12 accounts
/// without copies from any event).
pub async fn repository_contract(repo: Arc<dyn FirstComeRepository>, coupon_id: i64, users: &[i64], at: DateTime<Utc>) {
    assert!(users.len() >= 12, "the contract needs 12 users");
    let id = repo.create(coupon_id, 5, at - Duration::minutes(1), at + Duration::hours(1), at).await.expect("create");
    let event = repo.find(id).await.expect("find").expect("a created event is found");
    assert_eq!((event.coupon_id, event.quantity, event.issued, event.remaining()), (coupon_id, 5, 0, 5));
    assert_eq!(repo.find(i64::MAX).await.expect("find"), None);
    assert!(matches!(repo.create(i64::MAX, 1, at, at + Duration::hours(1), at).await, Err(PortError::InUse(_))));

    // Twelve users click three times each, all at once, for five copies.
    let clicks: Vec<_> = users[..12]
        .iter()
        .flat_map(|&u| std::iter::repeat_n(u, 3))
        .map(|user| {
            let repo = repo.clone();
            tokio::spawn(async move { (user, repo.claim(id, user, at).await) })
        })
        .collect();
    let mut issued: HashMap<i64, usize> = HashMap::new();
    for click in clicks {
        let (user, claim) = click.await.expect("join");
        match claim.expect("racing claims never fail") {
            StoredClaim::Issued(_) => *issued.entry(user).or_default() += 1,
            StoredClaim::SoldOut | StoredClaim::AlreadyClaimed => {}
        }
    }
    assert_eq!(issued.values().sum::<usize>(), 5, "exactly the quantity is issued: {issued:?}");
    assert!(issued.values().all(|n| *n == 1), "at most one copy per user: {issued:?}");
    assert_eq!(repo.find(id).await.expect("find").expect("event").issued, 5);
    let mut claimants = repo.claimants(id).await.expect("claimants");
    claimants.sort_unstable();
    let mut winners: Vec<i64> = issued.keys().copied().collect();
    winners.sort_unstable();
    assert_eq!(claimants, winners);
    let winner = winners[0];
    assert!(repo.claimed(id, winner).await.expect("claimed"));
    assert_eq!(repo.claim(id, winner, at).await.expect("claim"), StoredClaim::AlreadyClaimed);
    let loser = *users[..12].iter().find(|u| !winners.contains(u)).expect("a loser");
    assert!(!repo.claimed(id, loser).await.expect("claimed"));
    assert_eq!(repo.claim(id, loser, at).await.expect("claim"), StoredClaim::SoldOut);
}

/// Runs the gate checks; `event` and `event + 1` must be ids no other run uses.
pub async fn gate_contract(gate: Arc<dyn ClaimGate>, event: i64) {
    let until = Utc::now() + Duration::hours(1);
    assert_eq!(gate.take(event, 1, 3).await.expect("take"), GateAnswer::Cold, "an unloaded event is cold");
    gate.load(event, &[7], until).await.expect("load");
    gate.load(event, &[], until).await.expect("a second load changes nothing");
    assert_eq!(gate.take(event, 7, 3).await.expect("take"), GateAnswer::AlreadyClaimed, "loaded claimants count");
    // 40 users, two clicks each, at once, for the two copies left.
    let clicks: Vec<_> = (100..140i64)
        .flat_map(|u| [u, u])
        .map(|user| {
            let gate = gate.clone();
            tokio::spawn(async move { (user, gate.take(event, user, 3).await) })
        })
        .collect();
    let mut admitted = HashSet::new();
    for click in clicks {
        let (user, answer) = click.await.expect("join");
        match answer.expect("take") {
            GateAnswer::Admitted => assert!(admitted.insert(user), "user {user} admitted twice"),
            GateAnswer::SoldOut | GateAnswer::AlreadyClaimed => {}
            GateAnswer::Cold => panic!("a loaded event went cold"),
        }
    }
    assert_eq!(admitted.len(), 2, "the gate admits up to the quantity: {admitted:?}");
    let first = *admitted.iter().next().expect("admitted");
    gate.release(event, first).await.expect("release");
    assert_eq!(gate.take(event, 999, 3).await.expect("take"), GateAnswer::Admitted, "a released place is free again");
    assert_eq!(gate.take(event, 998, 3).await.expect("take"), GateAnswer::SoldOut);
    assert_eq!(gate.take(event + 1, 1, 1).await.expect("take"), GateAnswer::Cold, "events are separate");
}

fn poisoned() -> PortError {
    PortError::unavailable("memory", "poisoned")
}

/// First-come events in memory over a [`super::MemoryCoupons`] store (copies are held there).
pub struct MemoryFirstCome {
    coupons: Arc<super::MemoryCoupons>,
    events: Mutex<Vec<FirstComeEvent>>,
    claims: Mutex<Vec<(i64, i64)>>,
}

impl MemoryFirstCome {
    /// Over `coupons`, where the claimed copies go.
    pub fn new(coupons: Arc<super::MemoryCoupons>) -> Self {
        Self { coupons, events: Mutex::default(), claims: Mutex::default() }
    }
}

#[async_trait]
impl FirstComeRepository for MemoryFirstCome {
    async fn create(
        &self,
        coupon_id: i64,
        quantity: u32,
        opens_at: DateTime<Utc>,
        closes_at: DateTime<Utc>,
        _: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        use crate::ports::CouponRepository;
        if self.coupons.find(coupon_id).await?.is_none() {
            return Err(PortError::InUse("no such coupon".into()));
        }
        let mut events = self.events.lock().map_err(|_| poisoned())?;
        let id = events.len() as i64 + 1;
        events.push(FirstComeEvent { id, coupon_id, quantity, issued: 0, opens_at, closes_at });
        Ok(id)
    }

    async fn find(&self, id: i64) -> Result<Option<FirstComeEvent>, PortError> {
        Ok(self.events.lock().map_err(|_| poisoned())?.iter().find(|e| e.id == id).cloned())
    }

    async fn claim(&self, event_id: i64, user_id: i64, at: DateTime<Utc>) -> Result<StoredClaim, PortError> {
        let coupon_id = {
            let mut events = self.events.lock().map_err(|_| poisoned())?;
            let mut claims = self.claims.lock().map_err(|_| poisoned())?;
            let Some(e) = events.iter_mut().find(|e| e.id == event_id) else {
                return Err(PortError::InUse("no such event".into()));
            };
            if claims.contains(&(event_id, user_id)) {
                return Ok(StoredClaim::AlreadyClaimed);
            }
            if e.issued >= e.quantity {
                return Ok(StoredClaim::SoldOut);
            }
            e.issued += 1;
            claims.push((event_id, user_id));
            e.coupon_id
        };
        Ok(StoredClaim::Issued(self.coupons.give_event_copy(coupon_id, user_id, event_id, at)?))
    }

    async fn claimed(&self, event_id: i64, user_id: i64) -> Result<bool, PortError> {
        Ok(self.claims.lock().map_err(|_| poisoned())?.contains(&(event_id, user_id)))
    }

    async fn claimants(&self, event_id: i64) -> Result<Vec<i64>, PortError> {
        let claims = self.claims.lock().map_err(|_| poisoned())?;
        Ok(claims.iter().filter(|(e, _)| *e == event_id).map(|(_, u)| *u).collect())
    }
}

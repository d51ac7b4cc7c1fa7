//! The [`CouponRepository`] contract (every adapter runs it: SQLite and MariaDB in the database
//! crate's tests, the in-memory [`MemoryCoupons`] here), and that in-memory store for service
//! tests.

pub mod first_come;
pub mod held;

use std::{collections::HashMap, sync::Arc, sync::Mutex};

use async_trait::async_trait;
use cercat_common::{PortError, money::Money};
use chrono::{DateTime, Duration, SubsecRound, Utc};

use crate::{
    Coupon, CouponDefinition, CouponKind, CouponScope, CouponSource, CouponTerms, HoldState, UserCoupon, Voucher,
    VoucherKind,
    ports::{CouponRepository, GrantReport, RedeemOutcome},
};

/// A fixed 1 000-won coupon valid a day either side of `at`.
pub fn terms(name: &str, at: DateTime<Utc>) -> CouponTerms {
    CouponTerms {
        name: name.into(),
        kind: CouponKind::Fixed { amount: Money::won(1_000).unwrap() },
        exclusive: false,
        min_order_amount: Money::ZERO,
        valid_from: at - Duration::days(1),
        valid_until: at + Duration::days(1),
        scope: CouponScope::Any,
    }
}

/// Runs every check. `users` are three existing accounts no earlier run gave coupons to;
/// `unique` makes this run's voucher codes its own (e.g. a per-run number).
pub async fn run_all(repo: Arc<dyn CouponRepository>, users: [i64; 3], unique: &str, at: DateTime<Utc>) {
    // Stores keep microseconds at best; coupon times are given in seconds.
    let at = at.trunc_subsecs(0);
    definitions_round_trip(&*repo, at).await;
    grants_are_once_per_user(repo.clone(), users, at).await;
    vouchers_redeem_within_their_limits(repo, users, unique, at).await;
}

async fn definitions_round_trip(repo: &dyn CouponRepository, at: DateTime<Utc>) {
    let mut percent = terms("10 % off", at);
    percent.kind = CouponKind::Percent {
        percent: cercat_common::money::Percent::new(10).unwrap(),
        max_discount: Some(Money::won(5_000).unwrap()),
    };
    percent.exclusive = true;
    percent.scope = CouponScope::Market;
    percent.min_order_amount = Money::won(20_000).unwrap();
    let fixed = repo.create(&terms("천원 할인", at), at).await.expect("create");
    let pct = repo.create(&percent, at).await.expect("create");
    assert!(pct > fixed, "ids grow");
    let found = repo.find(pct).await.expect("find").expect("a created coupon is found");
    assert_eq!(found, CouponDefinition { id: pct, terms: percent }, "terms round-trip exactly");
    assert_eq!(repo.find(i64::MAX).await.expect("find"), None);
    let list = repo.list().await.expect("list");
    let pos = |id| list.iter().position(|c| c.id == id).expect("listed");
    assert!(pos(pct) < pos(fixed), "newest first");
}

async fn grants_are_once_per_user(repo: Arc<dyn CouponRepository>, [a, b, c]: [i64; 3], at: DateTime<Utc>) {
    let coupon = repo.create(&terms("grant", at), at).await.expect("create");
    let nobody = i64::MAX - 7;
    let report = repo.grant(coupon, &[a, b, nobody], at).await.expect("grant");
    assert_eq!(report, GrantReport { granted: vec![a, b], already: vec![], unknown: vec![nobody] });
    let again = repo.grant(coupon, &[a, b], at).await.expect("grant again");
    assert_eq!(again, GrantReport { granted: vec![], already: vec![a, b], unknown: vec![] }, "a grant is once");

    let racers: Vec<_> = (0..8)
        .map(|_| {
            let repo = repo.clone();
            tokio::spawn(async move { repo.grant(coupon, &[c], at).await })
        })
        .collect();
    let mut granted = 0;
    for r in racers {
        let report = r.await.expect("join").expect("racing grants never fail");
        granted += report.granted.len();
    }
    assert_eq!(granted, 1, "eight racing grants give one coupon");
    let held = repo.held(c).await.expect("held");
    let mine: Vec<&UserCoupon> = held.iter().filter(|h| h.coupon_id == coupon).collect();
    assert_eq!(mine.len(), 1);
    let h = mine[0];
    assert_eq!((h.user_id, &h.source, &h.state), (c, &CouponSource::Grant, &HoldState::Usable));
    assert_eq!(h.coupon.terms, terms("grant", at));

    let among = repo.held_among(a, &[h.coupon.id]).await.expect("held_among");
    assert!(among.is_empty(), "another user's coupon is not among mine");
    let own = repo.held_among(c, &[h.coupon.id, i64::MAX]).await.expect("held_among");
    assert_eq!(own.len(), 1);
}

async fn vouchers_redeem_within_their_limits(
    repo: Arc<dyn CouponRepository>,
    [a, b, c]: [i64; 3],
    unique: &str,
    at: DateTime<Utc>,
) {
    let coupon = repo.create(&terms("voucher", at), at).await.expect("create");
    let private = format!("PRIV-{unique}");
    let v = repo.create_voucher(coupon, &private, VoucherKind::Private, at).await.expect("voucher");
    assert_eq!(
        (v.coupon_id, v.code.as_str(), v.kind, v.redemptions),
        (coupon, private.as_str(), VoucherKind::Private, 0)
    );
    assert!(
        matches!(repo.create_voucher(coupon, &private, VoucherKind::Private, at).await, Err(PortError::Duplicate(_))),
        "a code is unique"
    );
    assert_eq!(repo.redeem(&format!("NONE-{unique}"), a, at).await.expect("redeem"), RedeemOutcome::UnknownCode);
    let RedeemOutcome::Redeemed(id) = repo.redeem(&private, a, at).await.expect("redeem") else {
        panic!("the first redemption of a private voucher succeeds")
    };
    let held = repo.held_among(a, &[id]).await.expect("held_among");
    assert_eq!(held.first().map(|h| h.source.clone()), Some(CouponSource::Voucher(v.id)));
    assert_eq!(repo.redeem(&private, a, at).await.expect("redeem"), RedeemOutcome::AlreadyRedeemed);
    assert_eq!(repo.redeem(&private, b, at).await.expect("redeem"), RedeemOutcome::Exhausted);
    assert_eq!(repo.voucher(&private).await.expect("voucher").map(|v| v.redemptions), Some(1));

    // A public voucher with two uses, raced by three users (each clicking three times).
    let public = format!("PUB-{unique}");
    repo.create_voucher(coupon, &public, VoucherKind::Public { max_redemptions: 2 }, at).await.expect("voucher");
    let racers: Vec<_> = [a, b, c]
        .into_iter()
        .flat_map(|u| std::iter::repeat_n(u, 3))
        .map(|user| {
            let (repo, code) = (repo.clone(), public.clone());
            tokio::spawn(async move { (user, repo.redeem(&code, user, at).await) })
        })
        .collect();
    let mut outcomes: HashMap<i64, Vec<RedeemOutcome>> = HashMap::new();
    for r in racers {
        let (user, outcome) = r.await.expect("join");
        outcomes.entry(user).or_default().push(outcome.expect("racing redemptions never fail"));
    }
    let redeemed: Vec<i64> = outcomes
        .iter()
        .filter(|(_, o)| o.iter().any(|x| matches!(x, RedeemOutcome::Redeemed(_))))
        .map(|(u, _)| *u)
        .collect();
    assert_eq!(redeemed.len(), 2, "exactly two users redeemed a two-use voucher: {outcomes:?}");
    for (user, o) in &outcomes {
        let wins = o.iter().filter(|x| matches!(x, RedeemOutcome::Redeemed(_))).count();
        assert!(wins <= 1, "user {user} redeemed twice: {o:?}");
    }
    assert_eq!(repo.voucher(&public).await.expect("voucher").map(|v| v.redemptions), Some(2));
}

/// Coupons in memory, honouring the [`CouponRepository`] contract.
#[derive(Default)]
pub struct MemoryCoupons {
    state: Mutex<State>,
    users: Vec<i64>,
}

#[derive(Default)]
struct State {
    definitions: Vec<CouponDefinition>,
    held: Vec<UserCoupon>,
    vouchers: Vec<Voucher>,
    next_hold: i64,
}

impl MemoryCoupons {
    /// A store in which only `users` are accounts (a grant to any other id is `unknown`);
    /// [`MemoryCoupons::default`] takes every id as an account.
    pub fn with_users(users: &[i64]) -> Self {
        Self { state: Mutex::default(), users: users.to_vec() }
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>, PortError> {
        self.state.lock().map_err(|_| PortError::unavailable("memory", "poisoned"))
    }

    fn give(
        state: &mut State,
        coupon: &CouponDefinition,
        user_id: i64,
        source: CouponSource,
        at: DateTime<Utc>,
    ) -> i64 {
        state.next_hold += 1;
        let id = state.next_hold;
        state.held.push(UserCoupon {
            coupon: Coupon { id, terms: coupon.terms.clone() },
            coupon_id: coupon.id,
            user_id,
            source,
            state: HoldState::Usable,
            acquired_at: at,
        });
        id
    }

    /// Gives `user_id` a copy of `coupon_id` from first-come event `event_id` (what a claim's
    /// transaction does); answers the copy's id.
    pub fn give_event_copy(
        &self,
        coupon_id: i64,
        user_id: i64,
        event_id: i64,
        at: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        let mut s = self.lock()?;
        let coupon = s
            .definitions
            .iter()
            .find(|c| c.id == coupon_id)
            .cloned()
            .ok_or_else(|| PortError::InUse("no such coupon".into()))?;
        Ok(Self::give(&mut s, &coupon, user_id, CouponSource::Event(event_id), at))
    }

    /// Sets a held coupon's state (what a checkout does to it).
    pub fn set_state(&self, hold_id: i64, to: HoldState) {
        if let Ok(mut s) = self.lock()
            && let Some(h) = s.held.iter_mut().find(|h| h.coupon.id == hold_id)
        {
            h.state = to;
        }
    }
}

#[async_trait]
impl CouponRepository for MemoryCoupons {
    async fn create(&self, terms: &CouponTerms, _: DateTime<Utc>) -> Result<i64, PortError> {
        let mut s = self.lock()?;
        let id = s.definitions.len() as i64 + 1;
        s.definitions.push(CouponDefinition { id, terms: terms.clone() });
        Ok(id)
    }

    async fn find(&self, id: i64) -> Result<Option<CouponDefinition>, PortError> {
        Ok(self.lock()?.definitions.iter().find(|c| c.id == id).cloned())
    }

    async fn list(&self) -> Result<Vec<CouponDefinition>, PortError> {
        Ok(self.lock()?.definitions.iter().rev().cloned().collect())
    }

    async fn grant(&self, coupon_id: i64, user_ids: &[i64], at: DateTime<Utc>) -> Result<GrantReport, PortError> {
        let mut s = self.lock()?;
        let coupon = s
            .definitions
            .iter()
            .find(|c| c.id == coupon_id)
            .cloned()
            .ok_or_else(|| PortError::InUse("no such coupon".into()))?;
        let mut report = GrantReport::default();
        for &user in user_ids {
            let exists = self.users.is_empty() || self.users.contains(&user);
            if !exists {
                report.unknown.push(user);
            } else if s
                .held
                .iter()
                .any(|h| h.user_id == user && h.coupon_id == coupon_id && h.source == CouponSource::Grant)
            {
                report.already.push(user);
            } else {
                Self::give(&mut s, &coupon, user, CouponSource::Grant, at);
                report.granted.push(user);
            }
        }
        Ok(report)
    }

    async fn held(&self, user_id: i64) -> Result<Vec<UserCoupon>, PortError> {
        Ok(self.lock()?.held.iter().rev().filter(|h| h.user_id == user_id).cloned().collect())
    }

    async fn held_among(&self, user_id: i64, ids: &[i64]) -> Result<Vec<UserCoupon>, PortError> {
        Ok(self.lock()?.held.iter().filter(|h| h.user_id == user_id && ids.contains(&h.coupon.id)).cloned().collect())
    }

    async fn create_voucher(
        &self,
        coupon_id: i64,
        code: &str,
        kind: VoucherKind,
        at: DateTime<Utc>,
    ) -> Result<Voucher, PortError> {
        let mut s = self.lock()?;
        if s.vouchers.iter().any(|v| v.code == code) {
            return Err(PortError::Duplicate("voucher code".into()));
        }
        let v = Voucher {
            id: s.vouchers.len() as i64 + 1,
            coupon_id,
            code: code.into(),
            kind,
            redemptions: 0,
            created_at: at,
        };
        s.vouchers.push(v.clone());
        Ok(v)
    }

    async fn redeem(&self, code: &str, user_id: i64, at: DateTime<Utc>) -> Result<RedeemOutcome, PortError> {
        let mut s = self.lock()?;
        let Some(v) = s.vouchers.iter().find(|v| v.code == code).cloned() else {
            return Ok(RedeemOutcome::UnknownCode);
        };
        let source = CouponSource::Voucher(v.id);
        if s.held.iter().any(|h| h.user_id == user_id && h.source == source) {
            return Ok(RedeemOutcome::AlreadyRedeemed);
        }
        if v.redemptions >= v.kind.max_redemptions() {
            return Ok(RedeemOutcome::Exhausted);
        }
        let coupon = s
            .definitions
            .iter()
            .find(|c| c.id == v.coupon_id)
            .cloned()
            .ok_or_else(|| PortError::InUse("no such coupon".into()))?;
        if let Some(stored) = s.vouchers.iter_mut().find(|x| x.id == v.id) {
            stored.redemptions += 1;
        }
        Ok(RedeemOutcome::Redeemed(Self::give(&mut s, &coupon, user_id, source, at)))
    }

    async fn voucher(&self, code: &str) -> Result<Option<Voucher>, PortError> {
        Ok(self.lock()?.vouchers.iter().find(|v| v.code == code).cloned())
    }
}

/// A price list: each (purchase, id) with its price; anything else does not exist.
#[derive(Debug, Default)]
pub struct PriceList(pub Vec<(crate::Purchase, i64, Money)>);

#[async_trait]
impl crate::ports::PriceCatalog for PriceList {
    async fn price(&self, purchase: crate::Purchase, id: i64) -> Result<Option<Money>, PortError> {
        Ok(self.0.iter().find(|(p, i, _)| *p == purchase && *i == id).map(|(.., m)| *m))
    }
}

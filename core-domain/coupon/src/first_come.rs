//! First-come coupon events (imyeomsu): `quantity` copies of a coupon, claimed during a window,
//! at most one per user. The database is the truth — a claim is the conditional
//! `issued < quantity` step and the user's copy (unique per user and event) in one transaction,
//! so a 201 means the copy is committed — and a gate in front of it (one Redis script in
//! production, in-process when embedded) turns the rush away cheaply: the sold-out and the
//! repeat clicks never reach the database. The gate only ever errs towards letting a claim
//! through to the database, which then decides; after a Redis flush it is rebuilt from the
//! database's claims.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use cercat_common::{PortError, clock::Clock};
use chrono::{DateTime, SecondsFormat, Utc};

use crate::{CouponError, UserCoupon, ports::CouponRepository};

/// The most copies one event gives.
pub const MAX_QUANTITY: u32 = 1_000_000;

/// A first-come event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstComeEvent {
    /// Its id (`/coupon-events/{eventId}`).
    pub id: i64,
    /// The coupon it gives copies of.
    pub coupon_id: i64,
    /// How many copies it gives, 1–1,000,000.
    pub quantity: u32,
    /// How many it has given (never above `quantity`).
    pub issued: u32,
    /// Claims are taken from (inclusive) …
    pub opens_at: DateTime<Utc>,
    /// … until (exclusive).
    pub closes_at: DateTime<Utc>,
}

impl FirstComeEvent {
    /// Copies still to give.
    pub fn remaining(&self) -> u32 {
        self.quantity.saturating_sub(self.issued)
    }
}

/// How a claim went at the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredClaim {
    /// The user's copy, committed.
    Issued(i64),
    /// Every copy is given.
    SoldOut,
    /// This user has a copy already.
    AlreadyClaimed,
}

/// First-come events and their claims.
#[async_trait]
pub trait FirstComeRepository: Send + Sync {
    /// Stores an event; returns its id.
    ///
    /// Errors: [`PortError::InUse`] when the coupon does not exist.
    async fn create(
        &self,
        coupon_id: i64,
        quantity: u32,
        opens_at: DateTime<Utc>,
        closes_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<i64, PortError>;
    /// One event, with its current count.
    async fn find(&self, id: i64) -> Result<Option<FirstComeEvent>, PortError>;
    /// Claims a copy for `user_id` in one transaction: the count rises only below the quantity
    /// and the user's copy is unique per event. Racing claims MUST issue exactly `quantity`
    /// copies, at most one per user; the rest are `SoldOut` or `AlreadyClaimed`, never errors.
    async fn claim(&self, event_id: i64, user_id: i64, at: DateTime<Utc>) -> Result<StoredClaim, PortError>;
    /// Whether `user_id` has a copy from this event.
    async fn claimed(&self, event_id: i64, user_id: i64) -> Result<bool, PortError>;
    /// Every user with a copy from this event (to rebuild the gate).
    async fn claimants(&self, event_id: i64) -> Result<Vec<i64>, PortError>;
}

/// What the gate says to a click.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateAnswer {
    /// Let through to the database (the user is now counted at the gate).
    Admitted,
    /// The gate has counted `quantity` users already.
    SoldOut,
    /// The gate has counted this user already.
    AlreadyClaimed,
    /// The gate holds nothing for this event (never loaded, or flushed): load it first.
    Cold,
}

/// The gate in front of the claims: one atomic step per click.
#[async_trait]
pub trait ClaimGate: Send + Sync {
    /// Counts `user_id` in if the event is loaded, the user is not counted yet and fewer than
    /// `quantity` are; one atomic step (a racing click of the same user MUST be
    /// `AlreadyClaimed`, and at most `quantity` users are ever `Admitted`).
    async fn take(&self, event_id: i64, user_id: i64, quantity: u32) -> Result<GateAnswer, PortError>;
    /// Loads the event's claimants (from the database) if the gate holds nothing for it;
    /// changes nothing if it is loaded already (racing loads are harmless).
    async fn load(&self, event_id: i64, claimants: &[i64], keep_until: DateTime<Utc>) -> Result<(), PortError>;
    /// Uncounts a user the database did not give a copy to (its claim failed).
    async fn release(&self, event_id: i64, user_id: i64) -> Result<(), PortError>;
}

/// How long a claim trusts an event's window and quantity read earlier (they never change
/// once defined; the bound only keeps the memory of ended events short).
const EVENT_TTL: std::time::Duration = std::time::Duration::from_secs(10);

/// First-come events: define (ADMIN), look at, claim.
pub struct FirstComeService {
    events: Arc<dyn FirstComeRepository>,
    gate: Arc<dyn ClaimGate>,
    coupons: Arc<dyn CouponRepository>,
    clock: Arc<dyn Clock>,
    /// Events read by recent claims: a rush clicks one event thousands of times a second, and
    /// its window and quantity are fixed, so one read serves them all.
    recent: Mutex<HashMap<i64, (std::time::Instant, FirstComeEvent)>>,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> CouponError {
    CouponError::Invalid { field, reason: reason.into() }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl FirstComeService {
    /// Over the events' store, the gate, the coupons' store and the clock.
    pub fn new(
        events: Arc<dyn FirstComeRepository>,
        gate: Arc<dyn ClaimGate>,
        coupons: Arc<dyn CouponRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { events, gate, coupons, clock, recent: Mutex::default() }
    }

    /// The event's fixed terms (window, quantity), from the recent reads when fresh.
    async fn terms(&self, id: i64) -> Result<FirstComeEvent, CouponError> {
        if let Ok(recent) = self.recent.lock()
            && let Some((at, event)) = recent.get(&id)
            && at.elapsed() < EVENT_TTL
        {
            return Ok(event.clone());
        }
        let event = self.events.find(id).await?.ok_or(CouponError::NoSuchEvent(id))?;
        if let Ok(mut recent) = self.recent.lock() {
            recent.retain(|_, (at, _)| at.elapsed() < EVENT_TTL);
            recent.insert(id, (std::time::Instant::now(), event.clone()));
        }
        Ok(event)
    }

    /// Defines an event giving `quantity` copies of `coupon_id` from `opens_at` until `closes_at`.
    pub async fn define(
        &self,
        coupon_id: i64,
        quantity: u32,
        opens_at: DateTime<Utc>,
        closes_at: DateTime<Utc>,
    ) -> Result<FirstComeEvent, CouponError> {
        if !(1..=MAX_QUANTITY).contains(&quantity) {
            return Err(invalid("quantity", format!("must be between 1 and {MAX_QUANTITY}")));
        }
        if closes_at <= opens_at {
            return Err(invalid("closesAt", "must be after opensAt"));
        }
        let coupon = self.coupons.find(coupon_id).await?.ok_or(CouponError::NotFound(coupon_id))?;
        if closes_at > coupon.terms.valid_until {
            return Err(invalid("closesAt", "must not be after the coupon's validUntil (its copies would be expired)"));
        }
        let id = match self.events.create(coupon_id, quantity, opens_at, closes_at, self.clock.now()).await {
            Err(PortError::InUse(_)) => return Err(CouponError::NotFound(coupon_id)),
            other => other?,
        };
        Ok(FirstComeEvent { id, coupon_id, quantity, issued: 0, opens_at, closes_at })
    }

    /// The event, and whether `user_id` has claimed a copy.
    pub async fn event(&self, id: i64, user_id: Option<i64>) -> Result<(FirstComeEvent, bool), CouponError> {
        let event = self.events.find(id).await?.ok_or(CouponError::NoSuchEvent(id))?;
        let claimed = match user_id {
            Some(user) => self.events.claimed(id, user).await?,
            None => false,
        };
        Ok((event, claimed))
    }

    /// Claims a copy for the caller: 201 only once the copy is committed.
    pub async fn claim(&self, user_id: i64, id: i64) -> Result<UserCoupon, CouponError> {
        let event = self.terms(id).await?;
        let now = self.clock.now();
        if now < event.opens_at || now >= event.closes_at {
            return Err(CouponError::EventClosed {
                id,
                opens: rfc3339(event.opens_at),
                closes: rfc3339(event.closes_at),
            });
        }
        let mut answer = self.gate.take(id, user_id, event.quantity).await?;
        if answer == GateAnswer::Cold {
            let claimants = self.events.claimants(id).await?;
            self.gate.load(id, &claimants, event.closes_at + chrono::Duration::days(1)).await?;
            answer = self.gate.take(id, user_id, event.quantity).await?;
        }
        match answer {
            GateAnswer::SoldOut => return Err(CouponError::SoldOut(id)),
            GateAnswer::AlreadyClaimed => return Err(CouponError::AlreadyClaimed(id)),
            // Still cold (flushed again between the load and the take): the database decides.
            GateAnswer::Admitted | GateAnswer::Cold => {}
        }
        let stored = match self.events.claim(id, user_id, now).await {
            Ok(stored) => stored,
            Err(err) => {
                // Not given: the gate must not keep counting this user.
                if let Err(release) = self.gate.release(id, user_id).await {
                    tracing::warn!(%release, event = id, user = user_id, "cannot uncount a failed claim at the gate");
                }
                return Err(err.into());
            }
        };
        match stored {
            StoredClaim::Issued(hold) => self
                .coupons
                .held_among(user_id, &[hold])
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| PortError::Corrupt(format!("claimed coupon {hold} is not held")).into()),
            StoredClaim::SoldOut => Err(CouponError::SoldOut(id)),
            StoredClaim::AlreadyClaimed => Err(CouponError::AlreadyClaimed(id)),
        }
    }
}

/// The gate of a single process (embedded mode, where one process takes every click; and
/// tests): one map behind a lock. Pure `std`, like the system clock, so it lives here.
#[derive(Debug, Default)]
pub struct LocalGate {
    events: Mutex<HashMap<i64, HashSet<i64>>>,
}

impl LocalGate {
    /// Forgets every event, as a Redis flush does.
    pub fn flush(&self) {
        if let Ok(mut e) = self.events.lock() {
            e.clear();
        }
    }
}

fn poisoned_gate() -> PortError {
    PortError::unavailable("memory", "poisoned")
}

#[async_trait]
impl ClaimGate for LocalGate {
    async fn take(&self, event_id: i64, user_id: i64, quantity: u32) -> Result<GateAnswer, PortError> {
        let mut events = self.events.lock().map_err(|_| poisoned_gate())?;
        let Some(counted) = events.get_mut(&event_id) else { return Ok(GateAnswer::Cold) };
        if counted.contains(&user_id) {
            return Ok(GateAnswer::AlreadyClaimed);
        }
        if counted.len() >= quantity as usize {
            return Ok(GateAnswer::SoldOut);
        }
        counted.insert(user_id);
        Ok(GateAnswer::Admitted)
    }

    async fn load(&self, event_id: i64, claimants: &[i64], _: DateTime<Utc>) -> Result<(), PortError> {
        let mut events = self.events.lock().map_err(|_| poisoned_gate())?;
        events.entry(event_id).or_insert_with(|| claimants.iter().copied().collect());
        Ok(())
    }

    async fn release(&self, event_id: i64, user_id: i64) -> Result<(), PortError> {
        let mut events = self.events.lock().map_err(|_| poisoned_gate())?;
        if let Some(counted) = events.get_mut(&event_id) {
            counted.remove(&user_id);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;

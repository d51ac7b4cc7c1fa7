//! The seat gate: an atomic count of a course's free seats and of the students holding one,
//! kept in front of the seat ledger so that a surge's "sold out" and "already enrolled" are
//! answered without a database round trip.
//!
//! The ledger stays the truth for every hold: a student the gate admits still holds the seat
//! with the ledger's conditional UPDATE, and a refusal there gives the gate's seat back. The
//! gate may only err towards admitting too many (the ledger then refuses), never towards
//! refusing a free seat for long: it is loaded from the ledger's own snapshot and forgets the
//! course after [`GATE_TTL`], so a seat given back while a process crashed between its two
//! steps (or while the gate's store was flushed) is offered again within that bound.

use async_trait::async_trait;
use cercat_common::PortError;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a loaded gate is trusted before it is read again from the ledger.
pub const GATE_TTL: Duration = Duration::from_secs(5);

/// What the ledger says the gate starts from (one consistent snapshot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatFacts {
    /// Capacity less the seats held (never negative).
    pub free: u32,
    /// The students holding a live seat (PENDING_PAYMENT or COMPLETED).
    pub holders: Vec<i64>,
}

/// The gate's answer to one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeatAnswer {
    /// A free seat was counted for the student: hold it in the ledger now (and give it back
    /// with [`SeatGate::give_back`] if the ledger refuses).
    Admitted,
    /// No seat is free.
    SoldOut,
    /// The student holds a live seat already.
    Holding,
    /// The gate holds nothing for the course: load it from the ledger and ask again.
    Cold,
}

/// The gate in front of the seat ledger; every call is one atomic step.
#[async_trait]
pub trait SeatGate: Send + Sync {
    /// Counts a seat for `user_id` if the course is loaded, the student holds none and one is
    /// free. Racing attempts MUST NOT be admitted beyond the free seats, and a racing attempt
    /// of the same student MUST be `Holding`.
    async fn take(&self, course_id: i64, user_id: i64) -> Result<SeatAnswer, PortError>;
    /// Loads the course from `facts` if the gate holds nothing for it (a racing load is
    /// harmless); it is forgotten after `ttl`.
    async fn load(&self, course_id: i64, facts: &SeatFacts, ttl: Duration) -> Result<(), PortError>;
    /// Gives back the seat counted for `user_id` (its hold failed, or the held seat was
    /// released). Does nothing if the gate does not count one for the student, so a repeat,
    /// or a give-back after a reload, never makes a seat twice.
    async fn give_back(&self, course_id: i64, user_id: i64) -> Result<(), PortError>;
    /// Forgets the course (its capacity changed): the next attempt loads it again.
    async fn forget(&self, course_id: i64) -> Result<(), PortError>;
}

/// The gate of a single process (embedded mode, and tests): one map behind a lock.
#[derive(Debug, Default)]
pub struct LocalSeatGate {
    courses: Mutex<HashMap<i64, Loaded>>,
}

#[derive(Debug)]
struct Loaded {
    free: u32,
    holders: HashSet<i64>,
    until: Instant,
}

impl LocalSeatGate {
    /// Forgets every course, as a Redis flush does.
    pub fn flush(&self) {
        if let Ok(mut c) = self.courses.lock() {
            c.clear();
        }
    }
}

fn poisoned() -> PortError {
    PortError::unavailable("memory", "poisoned")
}

#[async_trait]
impl SeatGate for LocalSeatGate {
    async fn take(&self, course_id: i64, user_id: i64) -> Result<SeatAnswer, PortError> {
        let mut courses = self.courses.lock().map_err(|_| poisoned())?;
        let Some(course) = courses.get_mut(&course_id) else { return Ok(SeatAnswer::Cold) };
        if course.until <= Instant::now() {
            courses.remove(&course_id);
            return Ok(SeatAnswer::Cold);
        }
        if course.holders.contains(&user_id) {
            return Ok(SeatAnswer::Holding);
        }
        if course.free == 0 {
            return Ok(SeatAnswer::SoldOut);
        }
        course.free -= 1;
        course.holders.insert(user_id);
        Ok(SeatAnswer::Admitted)
    }

    async fn load(&self, course_id: i64, facts: &SeatFacts, ttl: Duration) -> Result<(), PortError> {
        let mut courses = self.courses.lock().map_err(|_| poisoned())?;
        let now = Instant::now();
        if courses.get(&course_id).is_some_and(|c| c.until > now) {
            return Ok(());
        }
        courses.insert(
            course_id,
            Loaded { free: facts.free, holders: facts.holders.iter().copied().collect(), until: now + ttl },
        );
        Ok(())
    }

    async fn give_back(&self, course_id: i64, user_id: i64) -> Result<(), PortError> {
        let mut courses = self.courses.lock().map_err(|_| poisoned())?;
        if let Some(course) = courses.get_mut(&course_id)
            && course.holders.remove(&user_id)
        {
            course.free += 1;
        }
        Ok(())
    }

    async fn forget(&self, course_id: i64) -> Result<(), PortError> {
        self.courses.lock().map_err(|_| poisoned())?.remove(&course_id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_in_process_gate_keeps_the_contract() {
        crate::testkit::gate::gate_contract(std::sync::Arc::new(super::LocalSeatGate::default()), 1).await;
    }
}

//! Course, waiting-room, enrollment and payment use cases, one file per group of them.

mod catalog;
mod enrollment;
mod operations;
mod payments;
mod room;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use cercat_common::{
    PortError,
    clock::Clock,
    money::Money,
    paging::{PageRequest, Slice},
};
use chrono::{DateTime, Duration, Utc};

use crate::{
    Course, CourseDraft, CourseError, CourseSearch, Enrollment, EnrollmentStatus, HoldOutcome, InvariantReport,
    QueueStatus, Transition,
    admission::AdmissionSigner,
    gate::{GATE_TTL, SeatAnswer, SeatGate},
    ports::{
        CouponPricing, CourseChange, CourseRepository, GatewayError, GatewayStatus, NewHold, PaymentApproval,
        PaymentGateway, RoomState, SeatLedger, WaitingRoom,
    },
};

/// Tunables (from `[course]` in the settings).
#[derive(Debug, Clone)]
pub struct CourseConfig {
    /// How long a hold waits for its payment.
    pub hold: Duration,
    /// People admitted per second when a course sets no rate.
    pub default_admission_rate: u32,
    /// How long an admission token is accepted.
    pub token_ttl: Duration,
    /// Longest `Retry-After` hint for a waiting student, seconds.
    pub max_poll_secs: u64,
    /// How long the seat gate trusts what it loaded from the ledger.
    pub gate_ttl: std::time::Duration,
}

impl Default for CourseConfig {
    fn default() -> Self {
        Self {
            hold: Duration::minutes(30),
            default_admission_rate: 50,
            token_ttl: Duration::minutes(2),
            max_poll_secs: 10,
            gate_ttl: GATE_TTL,
        }
    }
}

/// The adapters the service runs on.
pub struct CoursePorts {
    /// Courses and their fields.
    pub courses: Arc<dyn CourseRepository>,
    /// Seats and enrollments.
    pub ledger: Arc<dyn SeatLedger>,
    /// Waiting rooms.
    pub room: Arc<dyn WaitingRoom>,
    /// The seat gate in front of the ledger (Redis in production, in-process when embedded).
    pub gate: Arc<dyn SeatGate>,
    /// The payment gateway.
    pub gateway: Arc<dyn PaymentGateway>,
    /// Prices with coupons (the coupon context's rule).
    pub coupons: Arc<dyn CouponPricing>,
    /// The clock (window checks, deadlines, token expiry).
    pub clock: Arc<dyn Clock>,
}

/// Who is asking, for owner checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The caller.
    pub user_id: i64,
    /// Whether the caller is an admin.
    pub admin: bool,
}

/// A course's live status for operators.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveStatus {
    /// The course.
    pub course: Course,
    /// Seats still free.
    pub seats_left: u32,
    /// Whether enrollment is open now.
    pub window_open: bool,
    /// People in the waiting room.
    pub queue_length: u64,
    /// People admitted so far.
    pub admitted: u64,
    /// People waiting to be admitted.
    pub waiting: u64,
    /// The admission rate in force, per second.
    pub admission_rate: u32,
    /// The invariant check (counts by status, overdue holds, violations).
    pub invariant: InvariantReport,
}

/// What a sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Holds released because their deadline passed.
    pub expired: u64,
    /// Extra charges (paid after the seat went back, or a second payment) refunded.
    pub refunded: u64,
    /// Refunds that failed and stay due.
    pub refund_failures: u64,
}

/// How long one refund attempt owns a due refund before another sweep may retry it (longer
/// than any gateway call, so two attempts never overlap).
const REFUND_CLAIM: Duration = Duration::minutes(2);

/// How long the hot paths (waiting-room polls, enrollment) reuse a course they read.
const COURSE_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// Course use cases.
pub struct CourseService {
    ports: CoursePorts,
    config: CourseConfig,
    signer: AdmissionSigner,
    /// Courses recently read by the hot paths: a surge polls one course thousands of times a
    /// second, and its window, room flag and price change rarely (edits apply within
    /// [`COURSE_CACHE_TTL`]). Seats are never read from here.
    recent: std::sync::Mutex<std::collections::HashMap<i64, (std::time::Instant, Course)>>,
    /// One reader refreshes an expired entry while the others wait for it (no stampede on
    /// the database when thousands of polls miss at once).
    refreshing: tokio::sync::Mutex<()>,
    /// One attempt loads a cold seat gate while the others wait for it.
    loading_gate: tokio::sync::Mutex<()>,
}

impl CourseService {
    /// Wires the service; admission tokens are signed with a key derived from `secret`.
    pub fn new(ports: CoursePorts, config: CourseConfig, secret: &[u8]) -> Self {
        Self {
            ports,
            config,
            signer: AdmissionSigner::new(secret),
            recent: Default::default(),
            refreshing: Default::default(),
            loading_gate: Default::default(),
        }
    }

    /// A course as read at most [`COURSE_CACHE_TTL`] ago.
    async fn recent_course(&self, id: i64) -> Result<Course, CourseError> {
        let cached = || {
            let recent = self.recent.lock().ok()?;
            let (at, course) = recent.get(&id)?;
            (at.elapsed() < COURSE_CACHE_TTL).then(|| course.clone())
        };
        if let Some(course) = cached() {
            return Ok(course);
        }
        let _turn = self.refreshing.lock().await;
        if let Some(course) = cached() {
            return Ok(course);
        }
        let course = self.get(id).await?;
        if let Ok(mut recent) = self.recent.lock() {
            if recent.len() > 10_000 {
                recent.clear();
            }
            recent.insert(id, (std::time::Instant::now(), course.clone()));
        }
        Ok(course)
    }

    /// The tunables.
    pub fn config(&self) -> &CourseConfig {
        &self.config
    }

    fn now(&self) -> DateTime<Utc> {
        self.ports.clock.now()
    }

    /// One course.
    pub async fn get(&self, id: i64) -> Result<Course, CourseError> {
        self.ports.courses.find(id).await?.ok_or(CourseError::NotFound(id))
    }

    /// Holds a seat through the gate: "sold out" and "already enrolled" are answered from it
    /// when it knows them; an admitted attempt is held by the ledger (the truth), and the
    /// gate's seat goes back if the ledger holds none for it. Without a gate (its store down,
    /// or a course it cannot load) the ledger alone decides.
    async fn gated_hold(&self, hold: &NewHold) -> Result<HoldOutcome, PortError> {
        let (course, user) = (hold.course_id, hold.user_id);
        match self.gate_take(course, user).await {
            Some(SeatAnswer::SoldOut) => Ok(HoldOutcome::SoldOut),
            Some(SeatAnswer::Holding) => {
                let live = self
                    .ports
                    .ledger
                    .for_user(user)
                    .await?
                    .into_iter()
                    .find(|e| e.course_id == course && e.status.is_live());
                match live {
                    Some(e) => Ok(HoldOutcome::AlreadyEnrolled(e)),
                    // The gate still counts a seat that went back: the ledger decides.
                    None => self.ports.ledger.try_hold(hold).await,
                }
            }
            Some(SeatAnswer::Admitted) => {
                let outcome = self.ports.ledger.try_hold(hold).await;
                if !matches!(outcome, Ok(HoldOutcome::Held(_))) {
                    // Refused (or unknown, if it failed): the seat the gate counted is not
                    // held, or is counted already. Giving back too many only lets the ledger
                    // refuse one more attempt; keeping it would refuse a free seat.
                    self.gate_give_back(course, user).await;
                }
                outcome
            }
            Some(SeatAnswer::Cold) | None => self.ports.ledger.try_hold(hold).await,
        }
    }

    /// The gate's answer, loading a cold course first (one loader at a time); `None` when the
    /// gate cannot answer.
    async fn gate_take(&self, course: i64, user: i64) -> Option<SeatAnswer> {
        let gate = &self.ports.gate;
        let answer = match gate.take(course, user).await {
            Ok(SeatAnswer::Cold) => {
                let _turn = self.loading_gate.lock().await;
                match gate.take(course, user).await {
                    Ok(SeatAnswer::Cold) => {
                        let facts = match self.ports.ledger.seat_facts(course).await {
                            Ok(Some(facts)) => facts,
                            Ok(None) => return None,
                            Err(err) => {
                                tracing::warn!(%err, course, "could not read the seats to load the seat gate");
                                return None;
                            }
                        };
                        match gate.load(course, &facts, self.config.gate_ttl).await {
                            Ok(()) => gate.take(course, user).await,
                            Err(err) => Err(err),
                        }
                    }
                    other => other,
                }
            }
            other => other,
        };
        match answer {
            Ok(answer) => Some(answer),
            Err(err) => {
                tracing::warn!(%err, course, "the seat gate did not answer; the ledger decides alone");
                None
            }
        }
    }

    async fn gate_give_back(&self, course: i64, user: i64) {
        if let Err(err) = self.ports.gate.give_back(course, user).await {
            tracing::warn!(%err, course, user, "could not give a seat back to the seat gate; it reloads within its bound");
        }
    }

    /// Releases a seat in the ledger and, if it went back, in the gate.
    async fn release_seat(
        &self,
        id: i64,
        transition: Transition,
        at: DateTime<Utc>,
    ) -> Result<Option<Enrollment>, PortError> {
        let done = self.ports.ledger.release(id, transition, at).await?;
        if let Some(e) = &done {
            self.gate_give_back(e.course_id, e.user_id).await;
        }
        Ok(done)
    }

    /// Makes the gate read the course again (its capacity changed, or it is gone).
    async fn forget_gate(&self, course: i64) {
        if let Err(err) = self.ports.gate.forget(course).await {
            tracing::warn!(%err, course, "could not reset the seat gate; it reloads within its bound");
        }
    }
}

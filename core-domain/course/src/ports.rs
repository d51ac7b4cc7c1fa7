//! What the course context needs from storage, the waiting room and the payment gateway.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    paging::{PageRequest, Slice},
};
use chrono::{DateTime, Utc};

use crate::{
    Course, CourseDraft, CourseSearch, Enrollment, EnrollmentStatus, HoldOutcome, InvariantReport, Transition,
};

/// The coupon context's pricing (asked with [`cercat_coupon::Purchase::Course`]).
pub use cercat_coupon::ports::CouponPricing;

/// How a course update went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourseChange {
    /// The course was updated or deleted.
    Done,
    /// No such course.
    Missing,
    /// Refused: more seats are taken than the new capacity (update), or students have
    /// enrolled (delete).
    Refused,
}

/// Courses and their fields; seats live in the [`SeatLedger`].
#[async_trait]
pub trait CourseRepository: Send + Sync {
    /// Stores a new course owned by `instructor_id`; returns its id.
    async fn create(&self, instructor_id: i64, draft: &CourseDraft, at: DateTime<Utc>) -> Result<i64, PortError>;
    /// Replaces the fields, atomically refusing a capacity below the seats taken.
    async fn update(&self, id: i64, draft: &CourseDraft, at: DateTime<Utc>) -> Result<CourseChange, PortError>;
    /// Deletes a course nobody ever enrolled in (refused otherwise: payments must keep their course).
    async fn delete(&self, id: i64) -> Result<CourseChange, PortError>;
    /// One course.
    async fn find(&self, id: i64) -> Result<Option<Course>, PortError>;
    /// Courses matching `search`, newest first unless the page asks otherwise.
    async fn search(&self, search: &CourseSearch, page: &PageRequest) -> Result<Slice<Course>, PortError>;
    /// Courses whose enrollment window contains `now` (for the admitter and the gauges).
    async fn open_at(&self, now: DateTime<Utc>) -> Result<Vec<Course>, PortError>;
}

/// A seat hold to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHold {
    /// The course the seat is held in.
    pub course_id: i64,
    /// The student holding it.
    pub user_id: i64,
    /// Amount due, won: the course's price less the coupons' discounts.
    pub amount: i64,
    /// The student's coupons (user-coupon ids) this hold spends: reserved for the enrollment in
    /// the hold's transaction, spent when it is paid (or at once when nothing is due), given
    /// back when it is cancelled, refunded or expires.
    pub coupons: Vec<i64>,
    /// Order id for the gateway (unique).
    pub order_id: String,
    /// The status it starts in: PENDING_PAYMENT, or COMPLETED when nothing is due (a free
    /// course). Both hold a seat.
    pub status: EnrollmentStatus,
    /// Pay by.
    pub deadline: DateTime<Utc>,
    /// When the hold was made (the enrollment's `created_at`).
    pub at: DateTime<Utc>,
}

/// A captured charge waiting for its refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRefund {
    /// The enrollment it was charged for.
    pub enrollment_id: i64,
    /// The gateway's key of the charge.
    pub payment_key: String,
    /// Amount charged, won.
    pub amount: i64,
}

/// Seats and enrollments — the database is the truth. Every transition changes the
/// enrollment, the course's seat counter and the outbox in one transaction, and is
/// conditional on the state it leaves, so racing callers cannot both make it.
#[async_trait]
pub trait SeatLedger: Send + Sync {
    /// Holds a seat atomically: the seat counter is raised only while below capacity (one
    /// conditional UPDATE) and the enrollment row is unique per live (course, user).
    ///
    /// Refusals are outcomes, not errors: [`HoldOutcome::AlreadyEnrolled`] with the live
    /// enrollment when the user has one (also when a racing hold by the same user won),
    /// [`HoldOutcome::SoldOut`] when no seat is free, [`HoldOutcome::NoCourse`] when the course
    /// does not exist, [`HoldOutcome::CouponTaken`] when one of `hold.coupons` is not the
    /// student's usable coupon any more. Nothing changes in any of them.
    ///
    /// `hold.coupons` MUST be reserved for the new enrollment
    /// ([`cercat_coupon::Checkout::Enrollment`]) in the same transaction (spent at once when
    /// the hold starts COMPLETED), so two checkouts racing for one coupon cannot both get it.
    ///
    /// Errors: [`PortError::Timeout`] when the store does not answer within its bound,
    /// [`PortError::Unavailable`] when it fails, [`PortError::Corrupt`] when `hold.status` is
    /// not a live status (a caller's bug), [`PortError::Duplicate`] when a racing hold by the
    /// same user won the unique key and was released before it could be read (trying again
    /// decides).
    async fn try_hold(&self, hold: &NewHold) -> Result<HoldOutcome, PortError>;
    /// One enrollment.
    async fn find(&self, id: i64) -> Result<Option<Enrollment>, PortError>;
    /// The enrollment with this gateway order id.
    async fn by_order(&self, order_id: &str) -> Result<Option<Enrollment>, PortError>;
    /// The user's enrollments, newest first (at most 100).
    async fn for_user(&self, user_id: i64) -> Result<Vec<Enrollment>, PortError>;
    /// [`Transition::PAY`] with the gateway's payment key, recording the captured charge
    /// (`payment_key`, `amount`) as the enrollment's payment and spending its reserved coupons
    /// in the same transaction.
    /// `None` if it was not PENDING_PAYMENT any more (released or paid meanwhile). A payment
    /// key already recorded for another enrollment is [`PortError::Duplicate`].
    async fn complete(
        &self,
        id: i64,
        payment_key: &str,
        amount: i64,
        at: DateTime<Utc>,
    ) -> Result<Option<Enrollment>, PortError>;
    /// Makes `transition` (one conditional update: `None` if the enrollment was not in
    /// `transition.from()` — someone else moved it first), moving the course's seat counter
    /// by [`Transition::seats_change`] and, when [`Transition::refunds_payment`], marking the
    /// enrollment's payment refunded, and giving back its coupons (reserved or spent), in the
    /// same transaction, exactly once. A counter that
    /// cannot move (it would leave `0..=capacity`) aborts the whole transition with
    /// [`PortError::Corrupt`]: a transition never commits without its seat.
    async fn release(
        &self,
        id: i64,
        transition: Transition,
        at: DateTime<Utc>,
    ) -> Result<Option<Enrollment>, PortError>;
    /// Records a captured charge of enrollment `id` that is not its payment (paid after the
    /// seat went back, or a second payment of a paid enrollment) as due a refund — once per
    /// payment key. `true` if this call recorded it: the caller then holds the first refund
    /// attempt until `claimed_until`; `false` if the key was already recorded (due, refunded,
    /// or the enrollment's own payment), and nothing is to be done.
    async fn refund_due(
        &self,
        id: i64,
        payment_key: &str,
        amount: i64,
        at: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
    ) -> Result<bool, PortError>;
    /// A refund attempt of `payment_key` failed: it stays due, claimable again from `retry_at`.
    async fn refund_failed(&self, payment_key: &str, retry_at: DateTime<Utc>) -> Result<(), PortError>;
    /// The refund of `payment_key` went through at the gateway (no-op if it was not due).
    async fn refund_done(&self, payment_key: &str, at: DateTime<Utc>) -> Result<(), PortError>;
    /// Claims up to `limit` due refunds nobody holds (oldest first) until `claimed_until`, so
    /// concurrent sweeps never cancel the same charge at once; a failed attempt is retried by
    /// whoever claims it after the claim lapses.
    async fn claim_refunds(
        &self,
        now: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueRefund>, PortError>;
    /// PENDING_PAYMENT holds whose deadline is before `now`, oldest first.
    async fn overdue(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Enrollment>, PortError>;
    /// Counts for the invariant checker, all read in one consistent snapshot (one read-only
    /// transaction), so a transition committing meanwhile is seen entirely or not at all.
    /// `violations` is left empty; the caller judges.
    async fn audit(&self, course_id: i64, now: DateTime<Utc>) -> Result<Option<InvariantReport>, PortError>;
    /// What a seat gate loads: the free seats and the students holding a live seat, read in
    /// one consistent snapshot. `None` when the course does not exist.
    async fn seat_facts(&self, course_id: i64) -> Result<Option<crate::gate::SeatFacts>, PortError>;
}

/// Where a course's waiting room stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RoomState {
    /// People who joined.
    pub length: u64,
    /// People let in so far (the first `admitted` by arrival order).
    pub admitted: u64,
}

/// A course's waiting room: arrival order and how far admission has reached. Redis sorted
/// sets in production (shared by every api instance), in-process when embedded.
#[async_trait]
pub trait WaitingRoom: Send + Sync {
    /// Adds the user in arrival order; joining again changes nothing. Returns the user's
    /// 0-based place and the room's state.
    async fn join(&self, course_id: i64, user_id: i64) -> Result<(u64, RoomState), PortError>;
    /// The user's 0-based place (`None` if not in the room) and the room's state.
    async fn standing(&self, course_id: i64, user_id: i64) -> Result<(Option<u64>, RoomState), PortError>;
    /// Lets more people in: at most `rate_per_sec` per second of time since the last
    /// admission, never past the people waiting, and never banking credit while nobody waits
    /// (so a late rush is still metered). Safe to call from every instance at once: the
    /// state is updated atomically. Returns the new state.
    async fn admit(&self, course_id: i64, rate_per_sec: u32, now: DateTime<Utc>) -> Result<RoomState, PortError>;
    /// The room's state.
    async fn state(&self, course_id: i64) -> Result<RoomState, PortError>;
    /// Empties the room (a deleted course).
    async fn clear(&self, course_id: i64) -> Result<(), PortError>;
}

pub use cercat_common::payment::{GatewayError, GatewayStatus, PaymentApproval, PaymentGateway, WebhookEvent};

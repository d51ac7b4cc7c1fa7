//! Courses, enrollments and what the waiting room reports.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::CourseError;

/// Longest title, characters.
pub const MAX_TITLE: usize = 200;
/// Longest description, characters.
pub const MAX_DESCRIPTION: usize = 10_000;
/// Most seats a course may have.
pub const MAX_CAPACITY: u32 = 100_000;
/// Highest price, won.
pub const MAX_PRICE: i64 = 100_000_000;
/// Highest admission rate a course may ask for, people per second.
pub const MAX_ADMISSION_RATE: u32 = 10_000;

/// A prep course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Course {
    /// The course's id, as in `/courses/{id}`.
    pub id: i64,
    /// The instructor who owns it.
    pub instructor_id: i64,
    /// The instructor's nickname (empty if the account is gone).
    pub instructor_nickname: String,
    /// What the course prepares for, and how it is sold.
    pub draft: CourseDraft,
    /// Seats held right now (PENDING_PAYMENT + COMPLETED).
    pub seats_taken: u32,
    /// When the instructor created it.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl Course {
    /// Seats still free.
    pub fn seats_left(&self) -> u32 {
        self.draft.capacity.saturating_sub(self.seats_taken)
    }

    /// Whether enrollment is open at `now` (`opensAt <= now < closesAt`).
    pub fn window_open(&self, now: DateTime<Utc>) -> bool {
        self.draft.opens_at <= now && now < self.draft.closes_at
    }
}

/// The fields an instructor sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CourseDraft {
    /// Trimmed, 1 to 200 characters.
    pub title: String,
    /// Trimmed, 1 to 10,000 characters; searched with the title.
    pub description: String,
    /// The certificate it prepares for.
    pub certificate_id: i64,
    /// Seats for sale, 1 to 100,000; never below the seats taken.
    pub capacity: u32,
    /// Price, won.
    pub price: i64,
    /// Enrollment opens (inclusive).
    pub opens_at: DateTime<Utc>,
    /// Enrollment closes (exclusive).
    pub closes_at: DateTime<Utc>,
    /// Whether students pass a waiting room (and need an admission token) to enroll.
    pub waiting_room: bool,
    /// People the waiting room admits per second (the deployment default when `None`).
    pub admission_rate: Option<u32>,
}

impl CourseDraft {
    /// Trims the texts and checks every field.
    pub fn validate(&mut self) -> Result<(), CourseError> {
        self.title = self.title.trim().to_owned();
        self.description = self.description.trim().to_owned();
        let invalid = |field: &'static str, reason: String| Err(CourseError::Invalid { field, reason });
        if self.title.is_empty() || self.title.chars().count() > MAX_TITLE {
            return invalid("title", format!("must be 1 to {MAX_TITLE} characters"));
        }
        if self.description.is_empty() || self.description.chars().count() > MAX_DESCRIPTION {
            return invalid("description", format!("must be 1 to {MAX_DESCRIPTION} characters"));
        }
        if self.certificate_id <= 0 {
            return invalid("certificateId", "must be positive".into());
        }
        if !(1..=MAX_CAPACITY).contains(&self.capacity) {
            return invalid("capacity", format!("must be between 1 and {MAX_CAPACITY}"));
        }
        if !(0..=MAX_PRICE).contains(&self.price) {
            return invalid("price", format!("must be between 0 and {MAX_PRICE} won"));
        }
        if self.closes_at <= self.opens_at {
            return invalid("enrollmentClosesAt", "must be after enrollmentOpensAt".into());
        }
        if let Some(rate) = self.admission_rate
            && !(1..=MAX_ADMISSION_RATE).contains(&rate)
        {
            return invalid("admissionRate", format!("must be between 1 and {MAX_ADMISSION_RATE} per second"));
        }
        Ok(())
    }
}

/// Which text a course search matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchField {
    /// The title.
    Title,
    /// The description.
    Content,
    /// The instructor's nickname.
    Instructor,
    /// Title or description.
    TitleOrContent,
}

/// A course search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseSearch {
    /// Words to find (`None` lists every course).
    pub keyword: Option<String>,
    /// Where to look.
    pub field: SearchField,
    /// Only courses for this certificate.
    pub certificate_id: Option<i64>,
}

/// Where an enrollment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EnrollmentStatus {
    /// A seat is held until the deadline; payment is due.
    PendingPayment,
    /// Paid; the seat is the student's.
    Completed,
    /// Not paid by the deadline; the seat went back.
    Expired,
    /// Cancelled before payment; the seat went back.
    Cancelled,
    /// Cancelled after payment: refunded, and the seat went back.
    Refunded,
}

impl EnrollmentStatus {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingPayment => "PENDING_PAYMENT",
            Self::Completed => "COMPLETED",
            Self::Expired => "EXPIRED",
            Self::Cancelled => "CANCELLED",
            Self::Refunded => "REFUNDED",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::PendingPayment, Self::Completed, Self::Expired, Self::Cancelled, Self::Refunded]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// Whether it occupies a seat.
    pub fn is_live(self) -> bool {
        matches!(self, Self::PendingPayment | Self::Completed)
    }

    /// How the course's seat counter moves when an enrollment goes from `self` to `to`: −1
    /// when a live one is released, 0 between two live (or two released) statuses. The only
    /// place the counter's rule lives: adapters apply it in the transaction of the transition.
    pub fn seats_change(self, to: Self) -> i32 {
        i32::from(to.is_live()) - i32::from(self.is_live())
    }

    /// Whether an enrollment in `self` may move to `next` — the whole state machine: a hold is
    /// paid, runs out or is cancelled; a paid seat is refunded, or cancelled when nothing was
    /// charged (a free course). Released statuses are final.
    pub fn may_become(self, next: Self) -> bool {
        use EnrollmentStatus::*;
        matches!((self, next), (PendingPayment, Completed | Expired | Cancelled) | (Completed, Refunded | Cancelled))
    }
}

/// One move of the enrollment state machine, allowed by [`EnrollmentStatus::may_become`]: the
/// fields are private, so a port only ever receives a move the domain allows, and executes it
/// as one update conditional on `from` (racing callers cannot both make it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transition {
    from: EnrollmentStatus,
    to: EnrollmentStatus,
}

impl Transition {
    /// A hold is paid: the seat is the student's.
    pub const PAY: Self = Self { from: EnrollmentStatus::PendingPayment, to: EnrollmentStatus::Completed };
    /// A hold ran out unpaid (the sweep): the seat goes back.
    pub const EXPIRE: Self = Self { from: EnrollmentStatus::PendingPayment, to: EnrollmentStatus::Expired };
    /// The student cancels before paying: the seat goes back.
    pub const CANCEL_HOLD: Self = Self { from: EnrollmentStatus::PendingPayment, to: EnrollmentStatus::Cancelled };
    /// A paid seat is refunded (by the student's cancel or at the gateway): the seat goes back.
    pub const REFUND: Self = Self { from: EnrollmentStatus::Completed, to: EnrollmentStatus::Refunded };
    /// A free seat is given up: nothing to refund, the seat goes back.
    pub const CANCEL_FREE: Self = Self { from: EnrollmentStatus::Completed, to: EnrollmentStatus::Cancelled };

    /// The move from `from` to `to`, if the state machine allows it.
    pub fn new(from: EnrollmentStatus, to: EnrollmentStatus) -> Option<Self> {
        from.may_become(to).then_some(Self { from, to })
    }

    /// The status it leaves (the update's condition).
    pub fn from(self) -> EnrollmentStatus {
        self.from
    }

    /// The status it enters.
    pub fn to(self) -> EnrollmentStatus {
        self.to
    }

    /// How the course's seat counter moves with it (see [`EnrollmentStatus::seats_change`]).
    pub fn seats_change(self) -> i32 {
        self.from.seats_change(self.to)
    }

    /// Whether the enrollment's payment counts as refunded once the move commits (into
    /// REFUNDED: the gateway gave the money back first).
    pub fn refunds_payment(self) -> bool {
        self.to == EnrollmentStatus::Refunded
    }
}

/// A student's enrollment in a course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Enrollment {
    /// The enrollment's id, as in `/enrollments/{id}`.
    pub id: i64,
    /// The course.
    pub course_id: i64,
    /// The student.
    pub user_id: i64,
    /// Where it stands.
    pub status: EnrollmentStatus,
    /// What the student pays, won (computed by the server at hold time).
    pub amount: i64,
    /// The order id the payment gateway knows it by.
    pub order_id: String,
    /// Pay by then, or the seat goes back.
    pub hold_deadline: DateTime<Utc>,
    /// The gateway's payment key once paid.
    pub payment_key: Option<String>,
    /// When the seat was held.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// What an attempt to hold a seat came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldOutcome {
    /// A seat is held: the new PENDING_PAYMENT enrollment.
    Held(Enrollment),
    /// Every seat is taken.
    SoldOut,
    /// The student already has a live enrollment in the course (returned as it is).
    AlreadyEnrolled(Enrollment),
    /// The course does not exist.
    NoCourse,
    /// This coupon of the student's is no longer usable (a racing checkout reserved or spent it
    /// first); nothing was held.
    CouponTaken(i64),
}

/// A student's standing in a waiting room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueStatus {
    /// 1-based place in arrival order.
    pub position: u64,
    /// People before the student who are not admitted yet.
    pub ahead: u64,
    /// Whether the student has been let in.
    pub admitted: bool,
    /// Seconds until the student is likely let in (0 once admitted).
    pub estimated_wait_secs: u64,
    /// When to ask again, seconds.
    pub retry_after_secs: u64,
    /// The admission token, once admitted.
    pub admission_token: Option<String>,
    /// When the token stops being accepted.
    pub token_expires_at: Option<DateTime<Utc>>,
    /// People in the room (admitted or not).
    pub queue_length: u64,
}

/// What the invariant checker found for a course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvariantReport {
    /// The course.
    pub course_id: i64,
    /// Its seats.
    pub capacity: u32,
    /// The course's seat counter.
    pub seats_taken: u32,
    /// PENDING_PAYMENT enrollments.
    pub pending: u32,
    /// COMPLETED enrollments.
    pub completed: u32,
    /// Enrollments whose seat went back (EXPIRED, CANCELLED, REFUNDED).
    pub released: u32,
    /// PENDING_PAYMENT holds past their deadline (the sweep has not reached them yet).
    pub overdue: u32,
    /// Users with more than one live enrollment in the course (must be empty).
    pub duplicate_users: Vec<i64>,
    /// COMPLETED enrollments without a payment key (must be none).
    pub completed_unpaid: u32,
    /// Released enrollments still marked as occupying a seat (must be none).
    pub released_still_live: u32,
    /// Captured charges recorded for the course's enrollments (payments, late and extra ones).
    pub charges: u32,
    /// Captured charges waiting for their refund (the sweep retries them until done).
    pub refunds_due: u32,
    /// Captured charges that are neither their enrollment's payment, nor refunded, nor due a
    /// refund (must be none: money kept for nothing).
    pub charges_unaccounted: u32,
    /// Every broken rule, in words; empty when the invariant holds.
    pub violations: Vec<String>,
}

impl InvariantReport {
    /// Fills `violations` from the counts.
    pub fn judge(mut self) -> Self {
        let mut v = Vec::new();
        let live = self.pending + self.completed;
        if live > self.capacity {
            v.push(format!("{live} live enrollments exceed the capacity of {}", self.capacity));
        }
        if self.seats_taken != live {
            v.push(format!(
                "the seat counter says {} taken but {live} enrollments are live (pending {} + completed {})",
                self.seats_taken, self.pending, self.completed
            ));
        }
        if !self.duplicate_users.is_empty() {
            v.push(format!("users with two live enrollments: {:?}", self.duplicate_users));
        }
        if self.completed_unpaid > 0 {
            v.push(format!("{} completed enrollments have no payment", self.completed_unpaid));
        }
        if self.released_still_live > 0 {
            v.push(format!("{} released enrollments still occupy a seat", self.released_still_live));
        }
        if self.charges_unaccounted > 0 {
            v.push(format!(
                "{} captured charges are neither their enrollment's payment nor refunded",
                self.charges_unaccounted
            ));
        }
        self.violations = v;
        self
    }

    /// Whether every rule holds.
    pub fn holds(&self) -> bool {
        self.violations.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn draft() -> CourseDraft {
        CourseDraft {
            title: " 정보처리기사 실기 특강 ".into(),
            description: "2주 완성".into(),
            certificate_id: 1,
            capacity: 50,
            price: 99_000,
            opens_at: Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).single().unwrap_or_default(),
            closes_at: Utc.with_ymd_and_hms(2026, 12, 8, 1, 0, 0).single().unwrap_or_default(),
            waiting_room: true,
            admission_rate: None,
        }
    }

    #[test]
    fn a_draft_is_trimmed_and_checked_field_by_field() {
        let mut d = draft();
        assert!(d.validate().is_ok());
        assert_eq!(d.title, "정보처리기사 실기 특강");
        let field = |mut d: CourseDraft| match d.validate() {
            Err(CourseError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(CourseDraft { capacity: 0, ..draft() }), "capacity");
        assert_eq!(field(CourseDraft { price: -1, ..draft() }), "price");
        assert_eq!(field(CourseDraft { closes_at: draft().opens_at, ..draft() }), "enrollmentClosesAt");
        assert_eq!(field(CourseDraft { title: "  ".into(), ..draft() }), "title");
        assert_eq!(field(CourseDraft { admission_rate: Some(0), ..draft() }), "admissionRate");
    }

    #[test]
    fn the_report_names_each_broken_rule() {
        let ok = InvariantReport {
            course_id: 1,
            capacity: 2,
            seats_taken: 2,
            pending: 1,
            completed: 1,
            released: 3,
            overdue: 0,
            duplicate_users: vec![],
            completed_unpaid: 0,
            released_still_live: 0,
            charges: 3,
            refunds_due: 1,
            charges_unaccounted: 0,
            violations: vec![],
        }
        .judge();
        assert!(ok.holds(), "a refund on its way is not a violation: {:?}", ok.violations);
        let bad = InvariantReport { pending: 2, seats_taken: 2, duplicate_users: vec![7], ..ok.clone() }.judge();
        assert_eq!(bad.violations.len(), 3, "{:?}", bad.violations);
        let kept = InvariantReport { charges_unaccounted: 1, ..ok }.judge();
        assert_eq!(kept.violations.len(), 1, "{:?}", kept.violations);
    }

    #[test]
    fn only_the_state_machine_s_moves_can_be_made() {
        use EnrollmentStatus::*;
        let all = [PendingPayment, Completed, Expired, Cancelled, Refunded];
        let allowed: Vec<_> =
            all.iter().flat_map(|&f| all.iter().filter_map(move |&t| Transition::new(f, t))).collect();
        assert_eq!(
            allowed,
            [Transition::PAY, Transition::EXPIRE, Transition::CANCEL_HOLD, Transition::CANCEL_FREE, Transition::REFUND],
            "the named moves are exactly the allowed ones"
        );
        for released in [Expired, Cancelled, Refunded] {
            assert!(all.iter().all(|&t| !released.may_become(t)), "{released:?} is final");
        }
        assert!(!PendingPayment.may_become(Refunded), "nothing was paid, nothing to refund");
        assert!(!Completed.may_become(Expired), "a paid seat never runs out");
        assert_eq!((Transition::PAY.seats_change(), Transition::EXPIRE.seats_change()), (0, -1));
        assert!(Transition::REFUND.refunds_payment() && !Transition::CANCEL_FREE.refunds_payment());
    }

    #[test]
    fn the_seat_counter_moves_only_when_liveness_changes() {
        use EnrollmentStatus::*;
        assert_eq!(PendingPayment.seats_change(Completed), 0);
        assert_eq!(PendingPayment.seats_change(Expired), -1);
        assert_eq!(PendingPayment.seats_change(Cancelled), -1);
        assert_eq!(Completed.seats_change(Refunded), -1);
        assert_eq!(Completed.seats_change(Cancelled), -1);
        assert_eq!(Expired.seats_change(Refunded), 0);
    }
}

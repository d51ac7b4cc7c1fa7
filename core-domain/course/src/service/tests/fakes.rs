//! In-memory fakes of the course ports, keeping their promises under one lock: courses and
//! the seat ledger ([`Memory`]), a waiting room that admits `rate` people per admitter pass
//! ([`Room`]), and a gateway that approves as asked unless told otherwise ([`FakeGateway`]).

use super::super::*;
use crate::ports::DueRefund;
use async_trait::async_trait;
use cercat_common::clock::ManualClock;
use chrono::TimeZone;
use std::sync::{Arc, Mutex};

mod gateway;
mod room;

pub use gateway::{FakeGateway, Meanwhile};
pub use room::Room;

/// The price of a paid course in these tests, won.
pub const PRICE: i64 = 30_000;

/// 2026-12-01 01:00 UTC: every course's window is open from a day before to a week after.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).single().unwrap()
}

/// A charge as the ledger records it: the enrollment's payment, due a refund, or refunded.
#[derive(Debug, Clone, PartialEq)]
pub struct Charge {
    pub enrollment_id: i64,
    pub key: String,
    pub amount: i64,
    pub refund: Option<bool>,
    pub claimed_until: DateTime<Utc>,
}

/// The only certificate courses may prepare for here (others are refused as the foreign key
/// refuses them).
pub const CERTIFICATE: i64 = 1;

/// Courses and the seat ledger in memory, keeping the ports' promises under one lock;
/// `before_release` runs once just before the next release (another request getting there
/// first).
#[derive(Default)]
pub struct Memory {
    courses: Mutex<Vec<Course>>,
    enrollments: Mutex<Vec<Enrollment>>,
    charges: Mutex<Vec<Charge>>,
    pub before_release: Mutex<Option<Meanwhile>>,
    /// Coupons reserved (or spent) by each live enrollment, as the SQL ledger keeps them.
    pub reserved: Mutex<Vec<(i64, Vec<i64>)>>,
    /// Coupons a racing checkout elsewhere took: a hold naming one gets `CouponTaken`.
    pub taken_elsewhere: Mutex<Vec<i64>>,
    /// Calls of `try_hold` (the seat gate answers most of a surge without one).
    pub holds_tried: std::sync::atomic::AtomicU64,
}

/// A course of instructor 1 for [`CERTIFICATE`], open from a day before [`t0`] to a week after.
pub fn draft(price: i64, capacity: u32) -> CourseDraft {
    CourseDraft {
        title: "특강".into(),
        description: "설명".into(),
        certificate_id: CERTIFICATE,
        capacity,
        price,
        opens_at: t0() - Duration::days(1),
        closes_at: t0() + Duration::days(7),
        waiting_room: false,
        admission_rate: None,
    }
}

impl Memory {
    /// Stores a course of instructor 1; returns its id.
    pub fn add(&self, draft: CourseDraft) -> i64 {
        let mut courses = self.courses.lock().unwrap();
        let id = courses.iter().map(|c| c.id).max().unwrap_or(0) + 1;
        courses.push(Course {
            id,
            instructor_id: 1,
            instructor_nickname: "강사".into(),
            draft,
            seats_taken: 0,
            created_at: t0(),
            updated_at: t0(),
        });
        id
    }

    pub fn add_course(&self, price: i64, capacity: u32) -> i64 {
        self.add(draft(price, capacity))
    }

    pub fn seats(&self, course: i64) -> u32 {
        self.courses.lock().unwrap().iter().find(|c| c.id == course).unwrap().seats_taken
    }

    pub fn charge(&self, key: &str) -> Option<Charge> {
        self.charges.lock().unwrap().iter().find(|c| c.key == key).cloned()
    }

    /// Moves enrollment `id` by `t` if it is in `t`'s starting state (what another request
    /// does meanwhile); the seat and any payment follow as [`SeatLedger::release`] promises.
    pub fn release_now(&self, id: i64, t: Transition, at: DateTime<Utc>) -> Option<Enrollment> {
        let mut enrollments = self.enrollments.lock().unwrap();
        let e = enrollments.iter_mut().find(|e| e.id == id && e.status == t.from())?;
        e.status = t.to();
        e.updated_at = at;
        // A released enrollment gives its coupons back, once.
        self.reserved.lock().unwrap().retain(|(owner, _)| *owner != id);
        let mut courses = self.courses.lock().unwrap();
        let course = courses.iter_mut().find(|c| c.id == e.course_id).unwrap();
        course.seats_taken = course.seats_taken.checked_add_signed(t.seats_change()).unwrap();
        if t.refunds_payment() {
            let mut charges = self.charges.lock().unwrap();
            charges.iter_mut().filter(|c| Some(&c.key) == e.payment_key.as_ref()).for_each(|c| c.refund = Some(true));
        }
        Some(e.clone())
    }

    /// Records `payment_key` as enrollment `id`'s payment if it is pending (what a webhook
    /// does meanwhile); `Err` when the key already pays an enrollment.
    pub fn complete_now(
        &self,
        id: i64,
        payment_key: &str,
        amount: i64,
        at: DateTime<Utc>,
    ) -> Result<Option<Enrollment>, PortError> {
        let mut enrollments = self.enrollments.lock().unwrap();
        let mut charges = self.charges.lock().unwrap();
        // The conditional update comes first, as in the adapters: a hold paid meanwhile (with
        // this key or another) is `None`; only a pending one meets the key's unique index.
        let Some(e) = enrollments.iter_mut().find(|e| e.id == id && e.status == Transition::PAY.from()) else {
            return Ok(None);
        };
        if charges.iter().any(|c| c.key == payment_key) {
            return Err(PortError::Duplicate(format!("payment key {payment_key}")));
        }
        e.status = Transition::PAY.to();
        e.payment_key = Some(payment_key.to_owned());
        e.updated_at = at;
        charges.push(Charge {
            enrollment_id: id,
            key: payment_key.to_owned(),
            amount,
            refund: None,
            claimed_until: at,
        });
        Ok(Some(e.clone()))
    }
}

#[async_trait]
impl CourseRepository for Memory {
    async fn create(&self, instructor_id: i64, draft: &CourseDraft, at: DateTime<Utc>) -> Result<i64, PortError> {
        if draft.certificate_id != CERTIFICATE {
            return Err(PortError::InUse("fk_course_certificate".into()));
        }
        let id = self.add(draft.clone());
        let mut courses = self.courses.lock().unwrap();
        let course = courses.iter_mut().find(|c| c.id == id).unwrap();
        (course.instructor_id, course.created_at, course.updated_at) = (instructor_id, at, at);
        Ok(id)
    }
    async fn update(&self, id: i64, draft: &CourseDraft, at: DateTime<Utc>) -> Result<CourseChange, PortError> {
        if draft.certificate_id != CERTIFICATE {
            return Err(PortError::InUse("fk_course_certificate".into()));
        }
        let mut courses = self.courses.lock().unwrap();
        let Some(course) = courses.iter_mut().find(|c| c.id == id) else { return Ok(CourseChange::Missing) };
        if draft.capacity < course.seats_taken {
            return Ok(CourseChange::Refused);
        }
        (course.draft, course.updated_at) = (draft.clone(), at);
        Ok(CourseChange::Done)
    }
    async fn delete(&self, id: i64) -> Result<CourseChange, PortError> {
        let mut courses = self.courses.lock().unwrap();
        if !courses.iter().any(|c| c.id == id) {
            return Ok(CourseChange::Missing);
        }
        if self.enrollments.lock().unwrap().iter().any(|e| e.course_id == id) {
            return Ok(CourseChange::Refused);
        }
        courses.retain(|c| c.id != id);
        Ok(CourseChange::Done)
    }
    async fn find(&self, id: i64) -> Result<Option<Course>, PortError> {
        Ok(self.courses.lock().unwrap().iter().find(|c| c.id == id).cloned())
    }
    async fn search(&self, search: &CourseSearch, page: &PageRequest) -> Result<Slice<Course>, PortError> {
        let courses = self.courses.lock().unwrap();
        let found = courses
            .iter()
            .rev()
            .filter(|c| search.certificate_id.is_none_or(|id| id == c.draft.certificate_id))
            .filter(|c| search.keyword.as_ref().is_none_or(|k| c.draft.title.contains(k.as_str())))
            .skip(page.offset() as usize)
            .take(page.fetch_limit() as usize)
            .cloned()
            .collect();
        Ok(Slice::from_fetched(found, page))
    }
    async fn open_at(&self, now: DateTime<Utc>) -> Result<Vec<Course>, PortError> {
        Ok(self.courses.lock().unwrap().iter().filter(|c| c.window_open(now)).cloned().collect())
    }
}

#[async_trait]
impl SeatLedger for Memory {
    async fn try_hold(&self, hold: &NewHold) -> Result<HoldOutcome, PortError> {
        self.holds_tried.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut enrollments = self.enrollments.lock().unwrap();
        let mut courses = self.courses.lock().unwrap();
        let Some(course) = courses.iter_mut().find(|c| c.id == hold.course_id) else {
            return Ok(HoldOutcome::NoCourse);
        };
        if let Some(e) = enrollments
            .iter()
            .find(|e| e.course_id == hold.course_id && e.user_id == hold.user_id && e.status.is_live())
        {
            return Ok(HoldOutcome::AlreadyEnrolled(e.clone()));
        }
        if course.seats_taken >= course.draft.capacity {
            return Ok(HoldOutcome::SoldOut);
        }
        let mut reserved = self.reserved.lock().unwrap();
        let elsewhere = self.taken_elsewhere.lock().unwrap();
        if let Some(id) =
            hold.coupons.iter().find(|c| elsewhere.contains(c) || reserved.iter().any(|(_, ids)| ids.contains(c)))
        {
            return Ok(HoldOutcome::CouponTaken(*id));
        }
        course.seats_taken += 1;
        let e = Enrollment {
            id: enrollments.len() as i64 + 1,
            course_id: hold.course_id,
            user_id: hold.user_id,
            status: hold.status,
            amount: hold.amount,
            order_id: hold.order_id.clone(),
            hold_deadline: hold.deadline,
            payment_key: None,
            created_at: hold.at,
            updated_at: hold.at,
        };
        enrollments.push(e.clone());
        if !hold.coupons.is_empty() {
            reserved.push((e.id, hold.coupons.clone()));
        }
        Ok(HoldOutcome::Held(e))
    }
    async fn find(&self, id: i64) -> Result<Option<Enrollment>, PortError> {
        Ok(self.enrollments.lock().unwrap().iter().find(|e| e.id == id).cloned())
    }
    async fn by_order(&self, order_id: &str) -> Result<Option<Enrollment>, PortError> {
        Ok(self.enrollments.lock().unwrap().iter().find(|e| e.order_id == order_id).cloned())
    }
    async fn for_user(&self, user_id: i64) -> Result<Vec<Enrollment>, PortError> {
        Ok(self.enrollments.lock().unwrap().iter().rev().filter(|e| e.user_id == user_id).cloned().collect())
    }
    async fn complete(
        &self,
        id: i64,
        payment_key: &str,
        amount: i64,
        at: DateTime<Utc>,
    ) -> Result<Option<Enrollment>, PortError> {
        self.complete_now(id, payment_key, amount, at)
    }
    async fn release(&self, id: i64, t: Transition, at: DateTime<Utc>) -> Result<Option<Enrollment>, PortError> {
        let meanwhile = self.before_release.lock().unwrap().take();
        if let Some(meanwhile) = meanwhile {
            meanwhile();
        }
        Ok(self.release_now(id, t, at))
    }
    async fn refund_due(
        &self,
        id: i64,
        payment_key: &str,
        amount: i64,
        _: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        let mut charges = self.charges.lock().unwrap();
        if charges.iter().any(|c| c.key == payment_key) {
            return Ok(false);
        }
        charges.push(Charge {
            enrollment_id: id,
            key: payment_key.to_owned(),
            amount,
            refund: Some(false),
            claimed_until,
        });
        Ok(true)
    }
    async fn refund_failed(&self, payment_key: &str, retry_at: DateTime<Utc>) -> Result<(), PortError> {
        let mut charges = self.charges.lock().unwrap();
        charges
            .iter_mut()
            .filter(|c| c.key == payment_key && c.refund == Some(false))
            .for_each(|c| c.claimed_until = retry_at);
        Ok(())
    }
    async fn refund_done(&self, payment_key: &str, _: DateTime<Utc>) -> Result<(), PortError> {
        let mut charges = self.charges.lock().unwrap();
        charges
            .iter_mut()
            .filter(|c| c.key == payment_key && c.refund == Some(false))
            .for_each(|c| c.refund = Some(true));
        Ok(())
    }
    async fn claim_refunds(
        &self,
        now: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueRefund>, PortError> {
        let mut charges = self.charges.lock().unwrap();
        Ok(charges
            .iter_mut()
            .filter(|c| c.refund == Some(false) && c.claimed_until < now)
            .take(limit as usize)
            .map(|c| {
                c.claimed_until = claimed_until;
                DueRefund { enrollment_id: c.enrollment_id, payment_key: c.key.clone(), amount: c.amount }
            })
            .collect())
    }
    async fn overdue(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Enrollment>, PortError> {
        let enrollments = self.enrollments.lock().unwrap();
        Ok(enrollments
            .iter()
            .filter(|e| e.status == EnrollmentStatus::PendingPayment && e.hold_deadline < now)
            .take(limit as usize)
            .cloned()
            .collect())
    }
    async fn seat_facts(&self, course_id: i64) -> Result<Option<crate::gate::SeatFacts>, PortError> {
        let courses = self.courses.lock().unwrap();
        let Some(course) = courses.iter().find(|c| c.id == course_id) else { return Ok(None) };
        let holders = self
            .enrollments
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.course_id == course_id && e.status.is_live())
            .map(|e| e.user_id)
            .collect();
        Ok(Some(crate::gate::SeatFacts { free: course.draft.capacity.saturating_sub(course.seats_taken), holders }))
    }

    async fn audit(&self, course_id: i64, now: DateTime<Utc>) -> Result<Option<InvariantReport>, PortError> {
        let courses = self.courses.lock().unwrap();
        let Some(course) = courses.iter().find(|c| c.id == course_id) else { return Ok(None) };
        let enrollments: Vec<Enrollment> =
            self.enrollments.lock().unwrap().iter().filter(|e| e.course_id == course_id).cloned().collect();
        let count = |f: &dyn Fn(&Enrollment) -> bool| enrollments.iter().filter(|e| f(e)).count() as u32;
        let ids: Vec<i64> = enrollments.iter().map(|e| e.id).collect();
        let charges: Vec<Charge> =
            self.charges.lock().unwrap().iter().filter(|c| ids.contains(&c.enrollment_id)).cloned().collect();
        let mut live_users: Vec<i64> = enrollments.iter().filter(|e| e.status.is_live()).map(|e| e.user_id).collect();
        live_users.sort_unstable();
        let mut duplicate_users: Vec<i64> = live_users.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect();
        duplicate_users.dedup();
        let own_payment = |c: &Charge| {
            enrollments.iter().any(|e| {
                e.id == c.enrollment_id
                    && e.status == EnrollmentStatus::Completed
                    && e.payment_key.as_ref() == Some(&c.key)
            })
        };
        Ok(Some(InvariantReport {
            course_id,
            capacity: course.draft.capacity,
            seats_taken: course.seats_taken,
            pending: count(&|e| e.status == EnrollmentStatus::PendingPayment),
            completed: count(&|e| e.status == EnrollmentStatus::Completed),
            released: count(&|e| !e.status.is_live()),
            overdue: count(&|e| e.status == EnrollmentStatus::PendingPayment && e.hold_deadline < now),
            duplicate_users,
            completed_unpaid: count(&|e| {
                e.status == EnrollmentStatus::Completed && e.amount > 0 && e.payment_key.is_none()
            }),
            released_still_live: 0,
            charges: charges.len() as u32,
            refunds_due: charges.iter().filter(|c| c.refund == Some(false)).count() as u32,
            charges_unaccounted: charges.iter().filter(|c| c.refund.is_none() && !own_payment(c)).count() as u32,
            violations: Vec::new(),
        }))
    }
}

/// The service over fresh fakes, with handles on them.
pub struct Fixture {
    pub memory: Arc<Memory>,
    pub room: Arc<Room>,
    pub gate: Arc<crate::gate::LocalSeatGate>,
    pub gateway: Arc<FakeGateway>,
    pub clock: ManualClock,
    pub service: CourseService,
}

pub fn fixture() -> Fixture {
    fixture_with(crate::testkit::coupons::HeldCoupons::default())
}

/// A fixture whose students hold `coupons`.
pub fn fixture_with(coupons: crate::testkit::coupons::HeldCoupons) -> Fixture {
    fixture_configured(coupons, CourseConfig::default())
}

/// A fixture with these tunables.
pub fn fixture_configured(coupons: crate::testkit::coupons::HeldCoupons, config: CourseConfig) -> Fixture {
    let gate = Arc::new(crate::gate::LocalSeatGate::default());
    let (memory, room, gateway, clock) = (
        Arc::new(Memory::default()),
        Arc::new(Room::default()),
        Arc::new(FakeGateway::default()),
        ManualClock::new(t0()),
    );
    let ports = CoursePorts {
        courses: memory.clone(),
        ledger: memory.clone(),
        room: room.clone(),
        gate: gate.clone(),
        gateway: gateway.clone(),
        coupons: Arc::new(coupons),
        clock: Arc::new(clock.clone()),
    };
    let service = CourseService::new(ports, config, b"test secret");
    Fixture { memory, room, gate, gateway, clock, service }
}

//! The course service's state machine over in-memory ports: hold → pay → cancel → refund,
//! late payments refunded, gateway webhooks, and the sweep that expires holds and retries
//! refunds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::ports::{DueRefund, WebhookEvent};
use async_trait::async_trait;
use cercat_common::clock::ManualClock;
use chrono::TimeZone;
use std::sync::{
    Mutex,
    atomic::{AtomicBool, Ordering},
};

const PRICE: i64 = 30_000;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).single().unwrap()
}

/// A charge as the ledger records it: the enrollment's payment, due a refund, or refunded.
#[derive(Debug, Clone, PartialEq)]
struct Charge {
    enrollment_id: i64,
    key: String,
    amount: i64,
    refund: Option<bool>,
    claimed_until: DateTime<Utc>,
}

/// Courses and the seat ledger in memory, keeping the ports' promises under one lock.
#[derive(Default)]
struct Memory {
    courses: Mutex<Vec<Course>>,
    enrollments: Mutex<Vec<Enrollment>>,
    charges: Mutex<Vec<Charge>>,
}

impl Memory {
    fn add_course(&self, price: i64, capacity: u32) -> i64 {
        let mut courses = self.courses.lock().unwrap();
        let id = courses.len() as i64 + 1;
        courses.push(Course {
            id,
            instructor_id: 1,
            instructor_nickname: "강사".into(),
            draft: CourseDraft {
                title: "특강".into(),
                description: "설명".into(),
                certificate_id: 1,
                capacity,
                price,
                opens_at: t0() - Duration::days(1),
                closes_at: t0() + Duration::days(7),
                waiting_room: false,
                admission_rate: None,
            },
            seats_taken: 0,
            created_at: t0(),
            updated_at: t0(),
        });
        id
    }

    fn seats(&self, course: i64) -> u32 {
        self.courses.lock().unwrap().iter().find(|c| c.id == course).unwrap().seats_taken
    }

    fn charge(&self, key: &str) -> Option<Charge> {
        self.charges.lock().unwrap().iter().find(|c| c.key == key).cloned()
    }
}

#[async_trait]
impl CourseRepository for Memory {
    async fn create(&self, _: i64, _: &CourseDraft, _: DateTime<Utc>) -> Result<i64, PortError> {
        Err(PortError::InUse("not in these tests".into()))
    }
    async fn update(&self, _: i64, _: &CourseDraft, _: DateTime<Utc>) -> Result<CourseChange, PortError> {
        Ok(CourseChange::Missing)
    }
    async fn delete(&self, _: i64) -> Result<CourseChange, PortError> {
        Ok(CourseChange::Missing)
    }
    async fn find(&self, id: i64) -> Result<Option<Course>, PortError> {
        Ok(self.courses.lock().unwrap().iter().find(|c| c.id == id).cloned())
    }
    async fn search(&self, _: &CourseSearch, page: &PageRequest) -> Result<Slice<Course>, PortError> {
        Ok(Slice::from_fetched(self.courses.lock().unwrap().clone(), page))
    }
    async fn open_at(&self, now: DateTime<Utc>) -> Result<Vec<Course>, PortError> {
        Ok(self.courses.lock().unwrap().iter().filter(|c| c.window_open(now)).cloned().collect())
    }
}

#[async_trait]
impl SeatLedger for Memory {
    async fn try_hold(&self, hold: &NewHold) -> Result<HoldOutcome, PortError> {
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
        let mut enrollments = self.enrollments.lock().unwrap();
        let mut charges = self.charges.lock().unwrap();
        if charges.iter().any(|c| c.key == payment_key) {
            return Err(PortError::Duplicate(format!("payment key {payment_key}")));
        }
        let Some(e) = enrollments.iter_mut().find(|e| e.id == id && e.status == Transition::PAY.from()) else {
            return Ok(None);
        };
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
    async fn release(&self, id: i64, t: Transition, at: DateTime<Utc>) -> Result<Option<Enrollment>, PortError> {
        let mut enrollments = self.enrollments.lock().unwrap();
        let Some(e) = enrollments.iter_mut().find(|e| e.id == id && e.status == t.from()) else {
            return Ok(None);
        };
        e.status = t.to();
        e.updated_at = at;
        let mut courses = self.courses.lock().unwrap();
        let course = courses.iter_mut().find(|c| c.id == e.course_id).unwrap();
        course.seats_taken = course.seats_taken.checked_add_signed(t.seats_change()).unwrap();
        if t.refunds_payment() {
            let mut charges = self.charges.lock().unwrap();
            charges.iter_mut().filter(|c| Some(&c.key) == e.payment_key.as_ref()).for_each(|c| c.refund = Some(true));
        }
        Ok(Some(e.clone()))
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
    async fn audit(&self, _: i64, _: DateTime<Utc>) -> Result<Option<InvariantReport>, PortError> {
        Ok(None)
    }
}

struct NoRoom;

#[async_trait]
impl WaitingRoom for NoRoom {
    async fn join(&self, _: i64, _: i64) -> Result<(u64, RoomState), PortError> {
        Ok((0, RoomState::default()))
    }
    async fn standing(&self, _: i64, _: i64) -> Result<(Option<u64>, RoomState), PortError> {
        Ok((None, RoomState::default()))
    }
    async fn admit(&self, _: i64, _: u32, _: DateTime<Utc>) -> Result<RoomState, PortError> {
        Ok(RoomState::default())
    }
    async fn state(&self, _: i64) -> Result<RoomState, PortError> {
        Ok(RoomState::default())
    }
    async fn clear(&self, _: i64) -> Result<(), PortError> {
        Ok(())
    }
}

/// A gateway that approves every confirm as asked, remembers cancels, and can be "down".
/// Webhooks are `key|order|DONE` (or `CANCELED`) bodies signed `ok`.
#[derive(Default)]
struct FakeGateway {
    down: AtomicBool,
    cancelled: Mutex<Vec<String>>,
}

#[async_trait]
impl PaymentGateway for FakeGateway {
    async fn confirm(&self, payment_key: &str, order_id: &str, amount: i64) -> Result<PaymentApproval, GatewayError> {
        Ok(PaymentApproval { payment_key: payment_key.to_owned(), order_id: order_id.to_owned(), amount })
    }
    async fn cancel(&self, payment_key: &str, _: &str) -> Result<(), GatewayError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(GatewayError::Unavailable(PortError::unavailable("gateway", "down")));
        }
        self.cancelled.lock().unwrap().push(payment_key.to_owned());
        Ok(())
    }
    fn verify_webhook(
        &self,
        signature: &str,
        _: &str,
        body: &[u8],
        _: DateTime<Utc>,
    ) -> Result<WebhookEvent, &'static str> {
        if signature != "ok" {
            return Err("bad signature");
        }
        let text = std::str::from_utf8(body).map_err(|_| "not text")?;
        let mut parts = text.split('|');
        let (Some(key), Some(order), Some(status)) = (parts.next(), parts.next(), parts.next()) else {
            return Err("not key|order|status");
        };
        let status = match status {
            "DONE" => GatewayStatus::Done,
            "CANCELED" => GatewayStatus::Canceled,
            _ => GatewayStatus::Other,
        };
        Ok(WebhookEvent { payment_key: key.to_owned(), order_id: order.to_owned(), status })
    }
}

struct Fixture {
    memory: Arc<Memory>,
    gateway: Arc<FakeGateway>,
    clock: ManualClock,
    service: CourseService,
}

fn fixture() -> Fixture {
    let (memory, gateway, clock) =
        (Arc::new(Memory::default()), Arc::new(FakeGateway::default()), ManualClock::new(t0()));
    let ports = CoursePorts {
        courses: memory.clone(),
        ledger: memory.clone(),
        room: Arc::new(NoRoom),
        gateway: gateway.clone(),
        clock: Arc::new(clock.clone()),
    };
    let service = CourseService::new(ports, CourseConfig::default(), b"test secret");
    Fixture { memory, gateway, clock, service }
}

#[tokio::test]
async fn a_hold_is_paid_then_cancelled_with_a_refund_and_its_seat_back() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 1);
    let held = f.service.enroll(7, course, None).await.unwrap();
    assert_eq!((held.status, held.amount), (EnrollmentStatus::PendingPayment, PRICE), "the server sets the amount");
    assert!(matches!(f.service.enroll(8, course, None).await, Err(CourseError::SoldOut(_))));
    assert!(matches!(f.service.enroll(7, course, None).await, Err(CourseError::AlreadyEnrolled { .. })));

    let paid = f.service.pay(7, held.id, "pk-1").await.unwrap();
    assert_eq!((paid.status, paid.payment_key.as_deref()), (EnrollmentStatus::Completed, Some("pk-1")));
    assert_eq!(f.service.pay(7, held.id, "pk-1").await.unwrap(), paid, "paying again with the same key is a no-op");
    assert!(matches!(f.service.pay(7, held.id, "pk-2").await, Err(CourseError::AlreadyPaid(_))));
    assert!(matches!(f.service.pay(8, held.id, "pk-1").await, Err(CourseError::EnrollmentNotFound(_))), "owner only");

    let refunded = f.service.cancel(7, held.id).await.unwrap();
    assert_eq!(refunded.status, EnrollmentStatus::Refunded);
    assert_eq!(*f.gateway.cancelled.lock().unwrap(), ["pk-1"]);
    assert_eq!(f.memory.charge("pk-1").unwrap().refund, Some(true));
    assert_eq!(f.memory.seats(course), 0);
    assert!(matches!(f.service.cancel(7, held.id).await, Err(CourseError::NotCancellable { .. })));
    assert_eq!(f.service.enroll(8, course, None).await.unwrap().status, EnrollmentStatus::PendingPayment);
}

#[tokio::test]
async fn a_hold_cancelled_before_payment_gives_its_seat_back_without_the_gateway() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 1);
    let held = f.service.enroll(7, course, None).await.unwrap();
    assert_eq!(f.service.cancel(7, held.id).await.unwrap().status, EnrollmentStatus::Cancelled);
    assert_eq!(f.memory.seats(course), 0);
    assert!(f.gateway.cancelled.lock().unwrap().is_empty());
    assert!(matches!(f.service.pay(7, held.id, "pk-1").await, Err(CourseError::NotPayable { .. })));
}

#[tokio::test]
async fn a_free_seat_is_the_student_s_at_once_and_given_up_without_a_refund() {
    let f = fixture();
    let course = f.memory.add_course(0, 5);
    let e = f.service.enroll(7, course, None).await.unwrap();
    assert_eq!(e.status, EnrollmentStatus::Completed);
    assert_eq!(f.service.cancel(7, e.id).await.unwrap().status, EnrollmentStatus::Cancelled);
    assert!(f.gateway.cancelled.lock().unwrap().is_empty(), "nothing was charged");
    assert_eq!(f.memory.seats(course), 0);
}

#[tokio::test]
async fn the_sweep_expires_unpaid_holds_and_a_late_payment_is_refunded() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 2);
    let late = f.service.enroll(7, course, None).await.unwrap();
    let paid = f.service.enroll(8, course, None).await.unwrap();
    f.service.pay(8, paid.id, "pk-8").await.unwrap();
    assert_eq!(f.service.sweep(10).await.unwrap(), SweepReport::default(), "nothing is overdue yet");

    f.clock.advance(f.service.config().hold + Duration::seconds(1));
    assert_eq!(f.service.sweep(10).await.unwrap().expired, 1);
    assert_eq!(f.service.enrollment(7, late.id).await.unwrap().status, EnrollmentStatus::Expired);
    assert_eq!(f.service.enrollment(8, paid.id).await.unwrap().status, EnrollmentStatus::Completed, "paid stays");
    assert_eq!(f.memory.seats(course), 1);

    // Too late to pay here; and a payment made at the gateway anyway is refunded at once.
    assert!(matches!(f.service.pay(7, late.id, "pk-late").await, Err(CourseError::HoldExpired(_))));
    let body = format!("pk-late|{}|DONE", late.order_id);
    let touched = f.service.webhook("ok", "t", body.as_bytes()).await.unwrap().unwrap();
    assert_eq!(touched.status, EnrollmentStatus::Expired, "a payment after the hold never completes it");
    assert_eq!(*f.gateway.cancelled.lock().unwrap(), ["pk-late"]);
    assert_eq!(f.memory.charge("pk-late").unwrap().refund, Some(true));
}

#[tokio::test]
async fn a_refund_that_fails_stays_due_until_a_later_sweep_gets_it_through() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 1);
    let e = f.service.enroll(7, course, None).await.unwrap();
    f.clock.advance(f.service.config().hold + Duration::seconds(1));
    f.service.sweep(10).await.unwrap();
    f.gateway.down.store(true, Ordering::SeqCst);
    let body = format!("pk-late|{}|DONE", e.order_id);
    let touched = f.service.webhook("ok", "t", body.as_bytes()).await.unwrap().unwrap();
    assert_eq!(touched.status, EnrollmentStatus::Expired, "a payment after the hold never completes it");
    assert_eq!(f.memory.charge("pk-late").unwrap().refund, Some(false), "due, the gateway being down");

    f.clock.advance(REFUND_CLAIM + Duration::seconds(1));
    let report = f.service.sweep(10).await.unwrap();
    assert_eq!((report.refunded, report.refund_failures), (0, 1), "still down");
    f.gateway.down.store(false, Ordering::SeqCst);
    assert_eq!(f.service.sweep(10).await.unwrap().refunded, 0, "not before the failed attempt's retry time");
    f.clock.advance(Duration::seconds(1));
    assert_eq!(f.service.sweep(10).await.unwrap().refunded, 1);
    assert_eq!(f.memory.charge("pk-late").unwrap().refund, Some(true));
    assert_eq!(f.service.sweep(10).await.unwrap(), SweepReport::default(), "done once");
}

#[tokio::test]
async fn webhooks_complete_a_pending_hold_and_release_a_payment_cancelled_at_the_gateway() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 1);
    let e = f.service.enroll(7, course, None).await.unwrap();
    assert!(matches!(f.service.webhook("forged", "t", b"x").await, Err(CourseError::BadSignature(_))));
    assert_eq!(f.service.webhook("ok", "t", b"pk|no-such-order|DONE").await.unwrap(), None);

    let done = format!("pk-w|{}|DONE", e.order_id);
    let paid = f.service.webhook("ok", "t", done.as_bytes()).await.unwrap().unwrap();
    assert_eq!((paid.status, paid.payment_key.as_deref()), (EnrollmentStatus::Completed, Some("pk-w")));
    assert_eq!(
        f.service.webhook("ok", "t", done.as_bytes()).await.unwrap().unwrap(),
        paid,
        "a resent webhook changes nothing"
    );

    let cancelled = format!("pk-w|{}|CANCELED", e.order_id);
    let released = f.service.webhook("ok", "t", cancelled.as_bytes()).await.unwrap().unwrap();
    assert_eq!(released.status, EnrollmentStatus::Refunded);
    assert_eq!(f.memory.seats(course), 0, "the seat went back with the gateway's refund");
    assert!(f.gateway.cancelled.lock().unwrap().is_empty(), "the gateway refunded it already");
}

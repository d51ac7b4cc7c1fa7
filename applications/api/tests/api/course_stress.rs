//! The seat and money invariants under a storm of interleavings: the chaos scenario (walk
//! away, cancel, pay, pay and refund, two payments at once, a payment racing the sweep, resent
//! and partial-cancel webhooks, declined cards) run round after round against the real seat
//! ledger, with a random pause injected before and after every storage and gateway call, a
//! sweeper moving a manual clock, and a verifier checking the invariant the whole time.

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicU64, Ordering},
};

use async_trait::async_trait;
use cercat_common::{PortError, clock::ManualClock};
use cercat_course::{
    CourseConfig, CourseDraft, CourseError, CoursePorts, CourseService, Enrollment, EnrollmentStatus, HoldOutcome,
    InvariantReport, Transition,
    gate::SeatGate,
    ports::{DueRefund, GatewayError, NewHold, PaymentApproval, PaymentGateway, SeatLedger, WaitingRoom, WebhookEvent},
};
use cercat_database::{Db, SqlCourseRepository, SqlSeatLedger};
use cercat_payment::{SimulatedGateway, SimulatorOptions, sign_webhook};
use chrono::{DateTime, Duration, Utc};

use crate::helpers::TestApp;

const WEBHOOK_SECRET: &str = "stress-webhook-secret";
const STUDENTS: usize = 7;
const CAPACITY: u32 = 3;

/// Random pauses of 0 to `max_us` microseconds (a yield at 0), deterministic per seed.
struct Jitter {
    state: AtomicU64,
    max_us: u64,
}

impl Jitter {
    async fn pause(&self) {
        let mut x = self.state.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        let us = (x ^ (x >> 31)) % (self.max_us + 1);
        if us == 0 {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(std::time::Duration::from_micros(us)).await;
        }
    }
}

/// The real ledger with a pause before and after every call: the steps of concurrent use
/// cases interleave in ever new orders.
struct JitteredLedger {
    inner: SqlSeatLedger,
    jitter: Arc<Jitter>,
}

macro_rules! jittered {
    ($self:ident, $call:expr) => {{
        $self.jitter.pause().await;
        let result = $call.await;
        $self.jitter.pause().await;
        result
    }};
}

#[async_trait]
impl SeatLedger for JitteredLedger {
    async fn try_hold(&self, hold: &NewHold) -> Result<HoldOutcome, PortError> {
        jittered!(self, self.inner.try_hold(hold))
    }
    async fn find(&self, id: i64) -> Result<Option<Enrollment>, PortError> {
        jittered!(self, self.inner.find(id))
    }
    async fn by_order(&self, order_id: &str) -> Result<Option<Enrollment>, PortError> {
        jittered!(self, self.inner.by_order(order_id))
    }
    async fn for_user(&self, user_id: i64) -> Result<Vec<Enrollment>, PortError> {
        jittered!(self, self.inner.for_user(user_id))
    }
    async fn complete(
        &self,
        id: i64,
        payment_key: &str,
        amount: i64,
        at: DateTime<Utc>,
    ) -> Result<Option<Enrollment>, PortError> {
        jittered!(self, self.inner.complete(id, payment_key, amount, at))
    }
    async fn release(
        &self,
        id: i64,
        transition: Transition,
        at: DateTime<Utc>,
    ) -> Result<Option<Enrollment>, PortError> {
        jittered!(self, self.inner.release(id, transition, at))
    }
    async fn refund_due(
        &self,
        id: i64,
        payment_key: &str,
        amount: i64,
        at: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        jittered!(self, self.inner.refund_due(id, payment_key, amount, at, claimed_until))
    }
    async fn refund_failed(&self, payment_key: &str, retry_at: DateTime<Utc>) -> Result<(), PortError> {
        jittered!(self, self.inner.refund_failed(payment_key, retry_at))
    }
    async fn refund_done(&self, payment_key: &str, at: DateTime<Utc>) -> Result<(), PortError> {
        jittered!(self, self.inner.refund_done(payment_key, at))
    }
    async fn claim_refunds(
        &self,
        now: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueRefund>, PortError> {
        jittered!(self, self.inner.claim_refunds(now, claimed_until, limit))
    }
    async fn overdue(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Enrollment>, PortError> {
        jittered!(self, self.inner.overdue(now, limit))
    }
    async fn audit(&self, course_id: i64, now: DateTime<Utc>) -> Result<Option<InvariantReport>, PortError> {
        jittered!(self, self.inner.audit(course_id, now))
    }
    async fn seat_facts(&self, course_id: i64) -> Result<Option<cercat_course::gate::SeatFacts>, PortError> {
        jittered!(self, self.inner.seat_facts(course_id))
    }
}

/// The simulator with pauses around confirm and cancel.
struct JitteredGateway {
    inner: Arc<SimulatedGateway>,
    jitter: Arc<Jitter>,
}

#[async_trait]
impl PaymentGateway for JitteredGateway {
    async fn confirm(&self, payment_key: &str, order_id: &str, amount: i64) -> Result<PaymentApproval, GatewayError> {
        jittered!(self, self.inner.confirm(payment_key, order_id, amount))
    }
    async fn cancel(&self, payment_key: &str, reason: &str) -> Result<(), GatewayError> {
        jittered!(self, self.inner.cancel(payment_key, reason))
    }
    fn verify_webhook(
        &self,
        signature: &str,
        transmission_time: &str,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<WebhookEvent, &'static str> {
        self.inner.verify_webhook(signature, transmission_time, body, now)
    }
}

/// Everything one storm runs on.
struct Storm {
    service: CourseService,
    ledger: SqlSeatLedger,
    gateway: Arc<SimulatedGateway>,
    clock: ManualClock,
    jitter: Arc<Jitter>,
    hold: Duration,
}

impl Storm {
    fn new(db: &Db, room: Arc<dyn WaitingRoom>, gate: Arc<dyn SeatGate>, seed: u64) -> Self {
        let jitter = Arc::new(Jitter { state: AtomicU64::new(seed), max_us: 1500 });
        let gateway = Arc::new(SimulatedGateway::new(SimulatorOptions {
            latency: std::time::Duration::ZERO,
            failure_rate: 0.1,
            webhook_secret: WEBHOOK_SECRET.into(),
        }));
        let clock = ManualClock::new(Utc::now());
        let hold = Duration::minutes(1);
        let service = CourseService::new(
            CoursePorts {
                courses: Arc::new(SqlCourseRepository::new(db.clone())),
                ledger: Arc::new(JitteredLedger { inner: SqlSeatLedger::new(db.clone()), jitter: jitter.clone() }),
                room,
                gate,
                gateway: Arc::new(JitteredGateway { inner: gateway.clone(), jitter: jitter.clone() }),
                coupons: Arc::new(cercat_course::testkit::coupons::HeldCoupons::default()),
                clock: Arc::new(clock.clone()),
            },
            CourseConfig { hold, ..CourseConfig::default() },
            b"stress-admission-secret-0123456789",
        );
        Self { service, ledger: SqlSeatLedger::new(db.clone()), gateway, clock, jitter, hold }
    }

    fn webhook(&self, key: &str, order: &str, status: &str) -> (String, String, Vec<u8>) {
        let body = serde_json::json!({
            "eventType": "PAYMENT_STATUS_CHANGED",
            "data": {"paymentKey": key, "orderId": order, "status": status},
        })
        .to_string()
        .into_bytes();
        let time = self.clock.now_ts().to_string();
        (sign_webhook(WEBHOOK_SECRET, &body, &time), time, body)
    }

    async fn send_webhook(&self, key: &str, order: &str, status: &str) {
        let (signature, time, body) = self.webhook(key, order, status);
        self.service.webhook(&signature, &time, &body).await.expect("a signed webhook is applied");
    }
}

trait NowTs {
    fn now_ts(&self) -> i64;
}

impl NowTs for ManualClock {
    fn now_ts(&self) -> i64 {
        cercat_common::clock::Clock::now(self).timestamp()
    }
}

/// Errors a student may meet in the storm (anything else fails the test).
fn expected(err: &CourseError) -> bool {
    matches!(
        err,
        CourseError::SoldOut(_)
            | CourseError::AlreadyEnrolled { .. }
            | CourseError::PaymentDeclined { .. }
            | CourseError::HoldExpired(_)
            | CourseError::AlreadyPaid(_)
            | CourseError::NotPayable { .. }
            | CourseError::NotCancellable { .. }
    )
}

fn tolerate<T>(result: Result<T, CourseError>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) if expected(&e) => None,
        Err(e) => panic!("unexpected error in the storm: {e:?}"),
    }
}

/// One student's part in round `n`: holds a seat, then plays the `(n + i) % 7`th case of the
/// chaos scenario, then tries once more (a seat may have come back).
async fn act(storm: &Storm, course: i64, user: i64, n: u64, i: usize) {
    let s = &storm.service;
    let key = |k: u32| format!("pk-{n}-{i}-{k}");
    storm.jitter.pause().await;
    let Some(e) = tolerate(s.enroll(user, course, None, &[]).await) else { return };
    storm.jitter.pause().await;
    match (n as usize + i) % 7 {
        // Walks away: the sweep gives the seat back.
        0 => {}
        1 => {
            tolerate(s.cancel(user, e.id).await);
        }
        // Pays, then changes their mind: refunded.
        2 => {
            if tolerate(s.pay(user, e.id, &key(0)).await).is_some() {
                storm.jitter.pause().await;
                tolerate(s.cancel(user, e.id).await);
            }
        }
        // Two tabs pay at once with different keys.
        3 => {
            let (k0, k1) = (key(0), key(1));
            let (a, b) = tokio::join!(s.pay(user, e.id, &k0), s.pay(user, e.id, &k1));
            tolerate(a);
            tolerate(b);
        }
        // Pays; the gateway resends DONE and reports a partial cancel.
        4 => {
            if let Some(paid) = tolerate(s.pay(user, e.id, &key(0)).await) {
                storm.send_webhook(&key(0), &paid.order_id, "DONE").await;
                storm.send_webhook(&key(0), &paid.order_id, "PARTIAL_CANCELED").await;
            }
        }
        // A declined card, then a good one.
        5 => {
            tolerate(s.pay(user, e.id, &format!("fail-{n}-{i}")).await);
            tolerate(s.pay(user, e.id, &key(0)).await);
        }
        // Pays just as the hold runs out and the sweep runs, and the webhook races both.
        _ => {
            storm.clock.advance(storm.hold + Duration::seconds(1));
            // The gateway sends DONE once it captured the charge (never for a declined one).
            let webhook = async {
                for _ in 0..50 {
                    storm.jitter.pause().await;
                    if storm.gateway.charges().iter().any(|(k, ..)| *k == key(0)) {
                        storm.send_webhook(&key(0), &e.order_id, "DONE").await;
                        break;
                    }
                }
            };
            let k0 = key(0);
            let (paid, swept, ()) = tokio::join!(s.pay(user, e.id, &k0), s.sweep(100), webhook);
            tolerate(paid);
            swept.expect("sweep");
        }
    }
    tolerate(s.enroll(user, course, None, &[]).await);
}

/// One round: a fresh course, every student acting at once while a sweeper moves the clock
/// and a verifier checks the invariant; returns the violations seen during the round and at
/// its end.
async fn round(storm: &Storm, students: &[i64], instructor: i64, n: u64) -> Vec<String> {
    let s = &storm.service;
    let now = cercat_common::clock::Clock::now(&storm.clock);
    let draft = CourseDraft {
        title: format!("stress round {n}"),
        description: "chaos".into(),
        certificate_id: 1,
        capacity: CAPACITY,
        price: 99_000,
        opens_at: now - Duration::minutes(1),
        closes_at: now + Duration::days(365),
        waiting_room: false,
        admission_rate: None,
    };
    let course = s.create(instructor, draft).await.expect("create the course").id;
    let done = AtomicBool::new(false);
    let violations = std::sync::Mutex::new(Vec::<String>::new());

    let students_act =
        futures::future::join_all(students.iter().enumerate().map(|(i, &user)| act(storm, course, user, n, i)));
    let sweeper = async {
        for _ in 0..3 {
            storm.jitter.pause().await;
            storm.clock.advance(storm.hold / 2);
            s.sweep(100).await.expect("sweep");
        }
    };
    let verifier = async {
        while !done.load(Ordering::Relaxed) {
            let report = s.verify(course).await.expect("verify");
            if !report.holds() {
                violations.lock().unwrap().push(format!("round {n} (during): {:?}", report.violations));
            }
            storm.jitter.pause().await;
        }
    };
    let acting = async {
        tokio::join!(students_act, sweeper);
        done.store(true, Ordering::Relaxed);
    };
    tokio::join!(acting, verifier);

    let mut found = violations.into_inner().unwrap();
    found.extend(end_of_round(storm, students, course, n).await);
    found
}

/// After a round: everything left expires and refunds still due go through; then the ledger
/// must hold with nothing pending, and at the gateway every captured charge of the course is a
/// completed enrollment's payment or cancelled.
async fn end_of_round(storm: &Storm, students: &[i64], course: i64, n: u64) -> Vec<String> {
    let s = &storm.service;
    storm.clock.advance(storm.hold * 3);
    for _ in 0..3 {
        s.sweep(100).await.expect("sweep");
    }
    let report = s.verify(course).await.expect("verify");
    let mut found: Vec<String> = report.violations.iter().map(|v| format!("round {n} (end): {v}")).collect();
    if report.pending != 0 || report.refunds_due != 0 {
        found.push(format!("round {n} (end): holds or refunds left over: {report:?}"));
    }
    let mut paid = Vec::new();
    let mut orders = std::collections::HashSet::new();
    for &user in students {
        for e in storm.ledger.for_user(user).await.expect("enrollments") {
            if e.course_id == course {
                orders.insert(e.order_id.clone());
                if e.status == EnrollmentStatus::Completed {
                    paid.push(e.payment_key.clone().unwrap_or_default());
                }
            }
        }
    }
    paid.sort();
    let mut kept: Vec<String> = storm
        .gateway
        .charges()
        .into_iter()
        .filter(|(_, order, _, cancelled)| orders.contains(order) && !cancelled)
        .map(|(key, ..)| key)
        .collect();
    kept.sort();
    if kept != paid {
        found.push(format!("round {n} (end): charges kept {kept:?} but enrollments paid by {paid:?}"));
    }
    found
}

/// Runs `rounds` rounds on the app's database; panics with every violation found.
async fn storm(app: &TestApp, rounds: u64) {
    let started = std::time::Instant::now();
    let people = crate::helpers::courses::students(app, STUDENTS + 1).await;
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let (students, instructor) = (&ids[..STUDENTS], ids[STUDENTS]);
    let adapters = app.state.services.adapters();
    let storm = Storm::new(&adapters.db, adapters.room.clone(), adapters.seat_gate.clone(), rounds);
    let mut violations = Vec::new();
    for n in 0..rounds {
        violations.extend(round(&storm, students, instructor, n).await);
    }
    eprintln!("{rounds} chaos rounds in {:.1} s, {} violations", started.elapsed().as_secs_f64(), violations.len());
    assert!(violations.is_empty(), "{} violations: {violations:#?}", violations.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chaos_scenario_keeps_the_invariant_round_after_round_embedded() {
    let app = crate::helpers::spawn_embedded().await;
    storm(&app, 40).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
async fn the_chaos_scenario_keeps_the_invariant_for_200_rounds_over_mariadb() {
    let deployment = crate::production::Deployment::new().await;
    let app = deployment.instance().await;
    storm(&app, 200).await;
}

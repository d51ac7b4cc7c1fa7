//! Course, waiting-room, enrollment and payment use cases.

use std::sync::Arc;

use cercat_common::{
    PortError,
    clock::Clock,
    paging::{PageRequest, Slice},
};
use chrono::{DateTime, Duration, Utc};

use crate::{
    Course, CourseDraft, CourseError, CourseSearch, Enrollment, EnrollmentStatus, HoldOutcome, InvariantReport,
    QueueStatus,
    admission::AdmissionSigner,
    ports::{
        CourseChange, CourseRepository, GatewayError, GatewayStatus, NewHold, PaymentApproval, PaymentGateway,
        RoomState, SeatLedger, WaitingRoom,
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
}

impl Default for CourseConfig {
    fn default() -> Self {
        Self {
            hold: Duration::minutes(30),
            default_admission_rate: 50,
            token_ttl: Duration::minutes(2),
            max_poll_secs: 10,
        }
    }
}

/// The adapters the service runs on.
pub struct CoursePorts {
    /// Courses.
    pub courses: Arc<dyn CourseRepository>,
    /// Seats and enrollments.
    pub ledger: Arc<dyn SeatLedger>,
    /// Waiting rooms.
    pub room: Arc<dyn WaitingRoom>,
    /// The payment gateway.
    pub gateway: Arc<dyn PaymentGateway>,
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

    /// Creates a course owned by the caller (an instructor or admin).
    pub async fn create(&self, instructor_id: i64, mut draft: CourseDraft) -> Result<Course, CourseError> {
        draft.validate()?;
        let id = match self.ports.courses.create(instructor_id, &draft, self.now()).await {
            Err(PortError::InUse(_)) => return Err(CourseError::NoCertificate(draft.certificate_id)),
            other => other?,
        };
        self.get(id).await
    }

    /// One course.
    pub async fn get(&self, id: i64) -> Result<Course, CourseError> {
        self.ports.courses.find(id).await?.ok_or(CourseError::NotFound(id))
    }

    async fn owned(&self, actor: Actor, id: i64) -> Result<Course, CourseError> {
        let course = self.get(id).await?;
        if actor.admin || course.instructor_id == actor.user_id { Ok(course) } else { Err(CourseError::NotOwner(id)) }
    }

    /// Replaces a course's fields (owner or admin). The capacity cannot go below the seats taken.
    pub async fn update(&self, actor: Actor, id: i64, mut draft: CourseDraft) -> Result<Course, CourseError> {
        draft.validate()?;
        self.owned(actor, id).await?;
        match self.ports.courses.update(id, &draft, self.now()).await {
            Err(PortError::InUse(_)) => Err(CourseError::NoCertificate(draft.certificate_id)),
            Ok(CourseChange::Missing) => Err(CourseError::NotFound(id)),
            Ok(CourseChange::Refused) => Err(CourseError::HasEnrollments(format!(
                "course {id} has more seats taken than a capacity of {}",
                draft.capacity
            ))),
            Ok(CourseChange::Done) => self.get(id).await,
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a course nobody enrolled in (owner or admin).
    pub async fn delete(&self, actor: Actor, id: i64) -> Result<(), CourseError> {
        self.owned(actor, id).await?;
        match self.ports.courses.delete(id).await? {
            CourseChange::Done => {
                if let Err(err) = self.ports.room.clear(id).await {
                    tracing::warn!(%err, course = id, "could not empty the deleted course's waiting room");
                }
                Ok(())
            }
            CourseChange::Missing => Err(CourseError::NotFound(id)),
            CourseChange::Refused => Err(CourseError::HasEnrollments(format!(
                "course {id} has enrollments; it cannot be deleted (payments keep their course)"
            ))),
        }
    }

    /// Searches courses.
    pub async fn search(&self, search: &CourseSearch, page: &PageRequest) -> Result<Slice<Course>, CourseError> {
        Ok(self.ports.courses.search(search, page).await?)
    }

    fn rate(&self, course: &Course) -> u32 {
        course.draft.admission_rate.unwrap_or(self.config.default_admission_rate).max(1)
    }

    fn check_window(&self, course: &Course, now: DateTime<Utc>) -> Result<(), CourseError> {
        if course.window_open(now) {
            return Ok(());
        }
        Err(CourseError::WindowClosed {
            course: course.id,
            opens: course.draft.opens_at.to_rfc3339(),
            closes: course.draft.closes_at.to_rfc3339(),
        })
    }

    /// Joins the course's waiting room (idempotent: joining again returns the same place).
    pub async fn join_queue(&self, user_id: i64, course_id: i64) -> Result<QueueStatus, CourseError> {
        let course = self.recent_course(course_id).await?;
        if !course.draft.waiting_room {
            return Err(CourseError::NoWaitingRoom(course_id));
        }
        let now = self.now();
        self.check_window(&course, now)?;
        let (index, state) = self.ports.room.join(course_id, user_id).await?;
        Ok(self.standing(&course, user_id, index, state, now))
    }

    /// The caller's place in the course's waiting room (and an admission token once admitted).
    pub async fn queue_status(&self, user_id: i64, course_id: i64) -> Result<QueueStatus, CourseError> {
        let course = self.recent_course(course_id).await?;
        if !course.draft.waiting_room {
            return Err(CourseError::NoWaitingRoom(course_id));
        }
        let (index, state) = self.ports.room.standing(course_id, user_id).await?;
        let index = index.ok_or(CourseError::NotInQueue(course_id))?;
        Ok(self.standing(&course, user_id, index, state, self.now()))
    }

    fn standing(&self, course: &Course, user_id: i64, index: u64, state: RoomState, now: DateTime<Utc>) -> QueueStatus {
        let rate = u64::from(self.rate(course));
        let admitted = index < state.admitted && course.window_open(now);
        let ahead = index.saturating_sub(state.admitted);
        let wait = if admitted { 0 } else { (ahead + 1).div_ceil(rate) };
        let (token, expires) = if admitted {
            let expires = now + self.config.token_ttl;
            (Some(self.signer.issue(course.id, user_id, expires)), Some(expires))
        } else {
            (None, None)
        };
        QueueStatus {
            position: index + 1,
            ahead: if admitted { 0 } else { ahead },
            admitted,
            estimated_wait_secs: wait,
            // Ask again about when the turn comes, but at least every `max_poll_secs`.
            retry_after_secs: if admitted { 0 } else { (wait / 2).clamp(1, self.config.max_poll_secs) },
            admission_token: token,
            token_expires_at: expires,
            queue_length: state.length,
        }
    }

    /// Courses whose enrollment window is open now.
    pub async fn open_courses(&self) -> Result<Vec<Course>, CourseError> {
        Ok(self.ports.courses.open_at(self.now()).await?)
    }

    /// One admitter pass over every open course with a waiting room; returns each course's
    /// state after it. Any number of instances may run it: the room meters the rate.
    pub async fn admit_all(&self) -> Result<Vec<(Course, RoomState)>, CourseError> {
        let now = self.now();
        let mut out = Vec::new();
        for course in self.ports.courses.open_at(now).await? {
            if !course.draft.waiting_room {
                continue;
            }
            let state = self.ports.room.admit(course.id, self.rate(&course), now).await?;
            out.push((course, state));
        }
        Ok(out)
    }

    /// Holds a seat for the caller: PENDING_PAYMENT until the deadline, or an error
    /// (SOLD_OUT, outside the window, no admission, already enrolled).
    pub async fn enroll(&self, user_id: i64, course_id: i64, token: Option<&str>) -> Result<Enrollment, CourseError> {
        let course = self.recent_course(course_id).await?;
        let now = self.now();
        self.check_window(&course, now)?;
        if course.draft.waiting_room {
            let token = token.filter(|t| !t.trim().is_empty()).ok_or(CourseError::AdmissionRequired {
                course: course_id,
                reason: "send the token from the waiting room in the Admission-Token header",
            })?;
            self.signer
                .verify(token, course_id, user_id, now)
                .map_err(|reason| CourseError::AdmissionRequired { course: course_id, reason })?;
        }
        let hold = NewHold {
            course_id,
            user_id,
            // Coupons (§10) will discount here; the client never names the amount.
            amount: course.draft.price,
            order_id: format!("crs{course_id}-{}", uuid::Uuid::new_v4().simple()),
            // Nothing to pay, nothing to wait for: a free course's seat is the student's at once.
            status: if course.draft.price == 0 {
                EnrollmentStatus::Completed
            } else {
                EnrollmentStatus::PendingPayment
            },
            deadline: now + self.config.hold,
            at: now,
        };
        match self.ports.ledger.try_hold(&hold).await? {
            HoldOutcome::Held(e) => Ok(e),
            HoldOutcome::SoldOut => Err(CourseError::SoldOut(course_id)),
            HoldOutcome::AlreadyEnrolled(e) => {
                Err(CourseError::AlreadyEnrolled { course: course_id, id: e.id, status: e.status.as_str() })
            }
            HoldOutcome::NoCourse => Err(CourseError::NotFound(course_id)),
        }
    }

    /// One of the caller's enrollments.
    pub async fn enrollment(&self, user_id: i64, id: i64) -> Result<Enrollment, CourseError> {
        self.ports.ledger.find(id).await?.filter(|e| e.user_id == user_id).ok_or(CourseError::EnrollmentNotFound(id))
    }

    /// The caller's enrollments, newest first.
    pub async fn my_enrollments(&self, user_id: i64) -> Result<Vec<Enrollment>, CourseError> {
        Ok(self.ports.ledger.for_user(user_id).await?)
    }

    /// Confirms the payment of a hold with the gateway (amount from the hold, computed by the
    /// server) → COMPLETED. If the hold was released, or paid with another key, while the
    /// gateway worked, the charge is refunded and the caller told so.
    pub async fn pay(&self, user_id: i64, id: i64, payment_key: &str) -> Result<Enrollment, CourseError> {
        let payment_key = payment_key.trim();
        if payment_key.is_empty() || payment_key.len() > 200 {
            return Err(CourseError::Invalid { field: "paymentKey", reason: "must be 1 to 200 characters".into() });
        }
        let e = self.enrollment(user_id, id).await?;
        match e.status {
            EnrollmentStatus::PendingPayment => {}
            EnrollmentStatus::Completed if e.payment_key.as_deref() == Some(payment_key) || e.amount == 0 => {
                return Ok(e);
            }
            EnrollmentStatus::Completed => return Err(CourseError::AlreadyPaid(id)),
            EnrollmentStatus::Expired => return Err(CourseError::HoldExpired(id)),
            other => return Err(CourseError::NotPayable { id, status: other.as_str() }),
        }
        let approval = match self.ports.gateway.confirm(payment_key, &e.order_id, e.amount).await {
            Ok(approval) => approval,
            Err(GatewayError::Declined { code, message }) => {
                return Err(CourseError::PaymentDeclined { code, message });
            }
            Err(GatewayError::Unavailable(err)) => return Err(err.into()),
        };
        let PaymentApproval { payment_key: charged, order_id, amount } = approval;
        if order_id != e.order_id || amount != e.amount {
            // The adapter checks this too; a payment of another order or amount never pays this one.
            tracing::error!(enrollment = id, %order_id, amount, "the gateway approved another order or amount");
            return Err(CourseError::PaymentDeclined {
                code: "PAYMENT_MISMATCH".into(),
                message: "the payment belongs to another order or amount".into(),
            });
        }
        self.settle_paid(&e, &charged, amount).await
    }

    /// A charge captured for `e`: it becomes the enrollment's payment, or — the seat went back,
    /// or another payment got there first — a due refund, cancelled through the gateway once.
    async fn settle_paid(&self, e: &Enrollment, payment_key: &str, amount: i64) -> Result<Enrollment, CourseError> {
        let now = self.now();
        match self.ports.ledger.complete(e.id, payment_key, amount, now).await {
            Ok(Some(done)) => return Ok(done),
            Ok(None) => {}
            // The key already pays another enrollment: not this one's to record or refund.
            Err(PortError::Duplicate(_)) => {
                return Err(CourseError::PaymentDeclined {
                    code: "PAYMENT_KEY_IN_USE".into(),
                    message: "the payment key already pays another enrollment".into(),
                });
            }
            Err(err) => return Err(err.into()),
        }
        let current = self.ports.ledger.find(e.id).await?.ok_or(CourseError::EnrollmentNotFound(e.id))?;
        if current.status == EnrollmentStatus::Completed && current.payment_key.as_deref() == Some(payment_key) {
            return Ok(current);
        }
        let reason = if current.status == EnrollmentStatus::Completed {
            "the enrollment was already paid with another payment"
        } else {
            "the seat hold ended before the payment"
        };
        self.refund_extra(e.id, payment_key, amount, reason).await?;
        Err(match current.status {
            EnrollmentStatus::Completed => CourseError::AlreadyPaid(e.id),
            EnrollmentStatus::Expired => CourseError::HoldExpired(e.id),
            other => CourseError::NotPayable { id: e.id, status: other.as_str() },
        })
    }

    /// Records a charge that is not `id`'s payment as due a refund (durably, first: a crash or a
    /// gateway outage leaves it to the sweep) and, if this call recorded it, tries the refund now.
    async fn refund_extra(&self, id: i64, payment_key: &str, amount: i64, reason: &str) -> Result<(), CourseError> {
        let now = self.now();
        if !self.ports.ledger.refund_due(id, payment_key, amount, now, now + REFUND_CLAIM).await? {
            return Ok(());
        }
        match self.ports.gateway.cancel(payment_key, reason).await {
            Ok(()) => self.ports.ledger.refund_done(payment_key, self.now()).await?,
            Err(err) => {
                tracing::warn!(%err, enrollment = id, "refund of an extra charge failed; the sweep retries it");
                self.ports.ledger.refund_failed(payment_key, self.now()).await?;
            }
        }
        Ok(())
    }

    /// Cancels one of the caller's enrollments: before payment the seat goes back; after
    /// payment the gateway refunds first, then the seat goes back.
    pub async fn cancel(&self, user_id: i64, id: i64) -> Result<Enrollment, CourseError> {
        let e = self.enrollment(user_id, id).await?;
        match e.status {
            EnrollmentStatus::PendingPayment => {
                if let Some(done) = self
                    .ports
                    .ledger
                    .release(id, EnrollmentStatus::PendingPayment, EnrollmentStatus::Cancelled, self.now())
                    .await?
                {
                    return Ok(done);
                }
                // It moved meanwhile (paid or swept): decide again on what it is now.
                let now = self.enrollment(user_id, id).await?;
                if now.status == EnrollmentStatus::Completed {
                    return self.refund(now).await;
                }
                Err(CourseError::NotCancellable { id, status: now.status.as_str() })
            }
            EnrollmentStatus::Completed => self.refund(e).await,
            other => Err(CourseError::NotCancellable { id, status: other.as_str() }),
        }
    }

    async fn refund(&self, e: Enrollment) -> Result<Enrollment, CourseError> {
        let Some(key) = e.payment_key.clone().filter(|_| e.amount > 0) else {
            // A free seat: nothing was charged, so nothing to refund.
            return match self
                .ports
                .ledger
                .release(e.id, EnrollmentStatus::Completed, EnrollmentStatus::Cancelled, self.now())
                .await?
            {
                Some(done) => Ok(done),
                None => self.enrollment(e.user_id, e.id).await,
            };
        };
        match self.ports.gateway.cancel(&key, "cancelled by the student").await {
            Ok(()) => {}
            Err(GatewayError::Declined { code, message }) => {
                return Err(CourseError::PaymentDeclined { code, message });
            }
            Err(GatewayError::Unavailable(err)) => return Err(err.into()),
        }
        match self
            .ports
            .ledger
            .release(e.id, EnrollmentStatus::Completed, EnrollmentStatus::Refunded, self.now())
            .await?
        {
            Some(done) => Ok(done),
            None => self.enrollment(e.user_id, e.id).await,
        }
    }

    /// Applies a signed gateway webhook: a payment done at the gateway completes its hold (or
    /// is refunded if the seat went back or another payment paid it); the enrollment's own
    /// payment cancelled in full at the gateway releases the seat; a partial cancel keeps it.
    /// Returns the enrollment it touched, if any.
    pub async fn webhook(
        &self,
        signature: &str,
        transmission_time: &str,
        body: &[u8],
    ) -> Result<Option<Enrollment>, CourseError> {
        let event = self
            .ports
            .gateway
            .verify_webhook(signature, transmission_time, body, self.now())
            .map_err(CourseError::BadSignature)?;
        let Some(e) = self.ports.ledger.by_order(&event.order_id).await? else {
            tracing::info!(order = %event.order_id, "webhook for an unknown order; ignored");
            return Ok(None);
        };
        let own_payment = e.payment_key.as_deref() == Some(event.payment_key.as_str());
        match (event.status, e.status) {
            (GatewayStatus::Done, EnrollmentStatus::Completed) if own_payment => Ok(Some(e)),
            // Paid at the gateway: complete the hold, or refund a charge that is not the
            // enrollment's payment (recorded once per key, so a resent webhook changes nothing).
            (GatewayStatus::Done, _) => match self.settle_paid(&e, &event.payment_key, e.amount).await {
                Ok(done) => Ok(Some(done)),
                Err(
                    CourseError::HoldExpired(_)
                    | CourseError::AlreadyPaid(_)
                    | CourseError::NotPayable { .. }
                    | CourseError::PaymentDeclined { .. },
                ) => Ok(self.ports.ledger.find(e.id).await?),
                Err(err) => Err(err),
            },
            (GatewayStatus::Canceled, EnrollmentStatus::Completed) if own_payment => Ok(self
                .ports
                .ledger
                .release(e.id, EnrollmentStatus::Completed, EnrollmentStatus::Refunded, self.now())
                .await?
                .or(Some(e))),
            // Another charge of this order was cancelled: if it was a due refund, it is done.
            (GatewayStatus::Canceled, _) => {
                self.ports.ledger.refund_done(&event.payment_key, self.now()).await?;
                Ok(Some(e))
            }
            (GatewayStatus::PartiallyCanceled, _) => {
                tracing::warn!(
                    enrollment = e.id,
                    payment_key = %event.payment_key,
                    "payment partially cancelled at the gateway; the seat stays (settle the rest by hand)"
                );
                Ok(Some(e))
            }
            (GatewayStatus::Other, _) => Ok(Some(e)),
        }
    }

    /// Releases holds whose deadline passed (each exactly once, whoever else sweeps) and
    /// retries refunds still due. At most `limit` of each per call.
    pub async fn sweep(&self, limit: u32) -> Result<SweepReport, CourseError> {
        let now = self.now();
        let mut report = SweepReport::default();
        for e in self.ports.ledger.overdue(now, limit).await? {
            if self
                .ports
                .ledger
                .release(e.id, EnrollmentStatus::PendingPayment, EnrollmentStatus::Expired, now)
                .await?
                .is_some()
            {
                report.expired += 1;
            }
        }
        let claimed_until = self.now() + REFUND_CLAIM;
        for due in self.ports.ledger.claim_refunds(self.now(), claimed_until, limit).await? {
            match self
                .ports
                .gateway
                .cancel(&due.payment_key, "refund of a charge that is not the enrollment's payment")
                .await
            {
                Ok(()) => {
                    self.ports.ledger.refund_done(&due.payment_key, self.now()).await?;
                    report.refunded += 1;
                }
                Err(err) => {
                    tracing::warn!(%err, enrollment = due.enrollment_id, "refund still failing; will retry");
                    // The next sweep tries again (not this one: it would spin on a gateway that is down).
                    self.ports.ledger.refund_failed(&due.payment_key, now).await?;
                    report.refund_failures += 1;
                }
            }
        }
        Ok(report)
    }

    /// Proves the course's invariant: PENDING_PAYMENT + COMPLETED ≤ capacity, the seat counter
    /// equals them, nobody holds two live enrollments, every completed one is paid, every
    /// released one gave its seat back, and every captured charge is its enrollment's payment
    /// or refunded (or due a refund the sweep is retrying). Read in one snapshot.
    pub async fn verify(&self, course_id: i64) -> Result<InvariantReport, CourseError> {
        let report = self.ports.ledger.audit(course_id, self.now()).await?.ok_or(CourseError::NotFound(course_id))?;
        Ok(report.judge())
    }

    /// The live status operators watch.
    pub async fn live_status(&self, course_id: i64) -> Result<LiveStatus, CourseError> {
        let course = self.get(course_id).await?;
        let state = self.ports.room.state(course_id).await?;
        let invariant = self.verify(course_id).await?;
        Ok(LiveStatus {
            seats_left: course.seats_left(),
            window_open: course.window_open(self.now()),
            queue_length: state.length,
            admitted: state.admitted,
            waiting: state.length.saturating_sub(state.admitted),
            admission_rate: self.rate(&course),
            invariant,
            course,
        })
    }
}

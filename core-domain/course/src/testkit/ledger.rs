//! The [`SeatLedger`] contract (with the [`CourseRepository`] its courses come from), run
//! against every adapter: holds never exceed the capacity, each transition happens once and
//! moves the seat counter with it, charges are recorded once per key and refunds claimed by one
//! sweep at a time, and the audit sees it all consistently.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::{
    CourseDraft, Enrollment, EnrollmentStatus, HoldOutcome, Transition,
    ports::{CourseRepository, NewHold, SeatLedger},
};

/// What the suite runs on: ids of existing rows it may use.
pub struct LedgerFixture {
    /// An instructor's user id.
    pub instructor: i64,
    /// A certificate id.
    pub certificate: i64,
    /// At least 8 students' user ids, none enrolled anywhere yet.
    pub students: Vec<i64>,
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).single().expect("a valid instant")
}

fn course(certificate_id: i64, capacity: u32, price: i64) -> CourseDraft {
    CourseDraft {
        title: "계약 테스트 특강".into(),
        description: "the ledger contract".into(),
        certificate_id,
        capacity,
        price,
        opens_at: t0() - Duration::days(1),
        closes_at: t0() + Duration::days(7),
        waiting_room: false,
        admission_rate: None,
    }
}

fn hold(course_id: i64, user_id: i64, amount: i64) -> NewHold {
    NewHold {
        course_id,
        user_id,
        amount,
        coupons: Vec::new(),
        order_id: format!("contract-{course_id}-{user_id}-{}", uuid::Uuid::new_v4().simple()),
        status: if amount == 0 { EnrollmentStatus::Completed } else { EnrollmentStatus::PendingPayment },
        deadline: t0() + Duration::minutes(30),
        at: t0(),
    }
}

async fn held(ledger: &dyn SeatLedger, hold: &NewHold) -> Enrollment {
    match ledger.try_hold(hold).await.expect("try_hold must not fail") {
        HoldOutcome::Held(e) => e,
        other => panic!("a free seat must be held, got {other:?}"),
    }
}

async fn seats(courses: &dyn CourseRepository, id: i64) -> u32 {
    courses.find(id).await.expect("find course").expect("the course exists").seats_taken
}

/// Runs every check.
pub async fn run_all(ledger: Arc<dyn SeatLedger>, courses: Arc<dyn CourseRepository>, f: LedgerFixture) {
    assert!(f.students.len() >= 8, "the ledger contract needs 8 students");
    let (l, c) = (&*ledger, &*courses);
    let s = &f.students;
    let id = c.create(f.instructor, &course(f.certificate, 2, 30_000), t0()).await.expect("create course");

    // Holds: one live enrollment per student, never more than the capacity.
    let a = held(l, &hold(id, s[0], 30_000)).await;
    assert_eq!((a.status, a.amount, a.course_id, a.user_id), (EnrollmentStatus::PendingPayment, 30_000, id, s[0]));
    assert_eq!(a.hold_deadline, t0() + Duration::minutes(30));
    assert_eq!(l.try_hold(&hold(id, s[0], 30_000)).await.expect("hold"), HoldOutcome::AlreadyEnrolled(a.clone()));
    let b = held(l, &hold(id, s[1], 30_000)).await;
    assert_eq!(seats(c, id).await, 2);
    assert_eq!(l.try_hold(&hold(id, s[2], 30_000)).await.expect("hold"), HoldOutcome::SoldOut);
    assert_eq!(l.try_hold(&hold(i64::MAX, s[2], 30_000)).await.expect("hold"), HoldOutcome::NoCourse);
    assert_eq!(l.find(a.id).await.expect("find"), Some(a.clone()));
    assert_eq!(l.by_order(&a.order_id).await.expect("by order"), Some(a.clone()));
    assert_eq!(l.by_order("no-such-order").await.expect("by order"), None);
    assert_eq!(l.for_user(s[0]).await.expect("for user"), vec![a.clone()]);

    // Paying: once, with a key no other enrollment has.
    let paid = l.complete(a.id, "pk-a", 30_000, t0()).await.expect("complete").expect("a hold is paid");
    assert_eq!((paid.status, paid.payment_key.as_deref()), (EnrollmentStatus::Completed, Some("pk-a")));
    assert_eq!(l.complete(a.id, "pk-a2", 30_000, t0()).await.expect("complete"), None, "paid once");
    let reuse = l.complete(b.id, "pk-a", 30_000, t0()).await;
    assert!(matches!(reuse, Err(cercat_common::PortError::Duplicate(_))), "one key pays one enrollment: {reuse:?}");
    assert_eq!(l.find(b.id).await.expect("find").map(|e| e.status), Some(EnrollmentStatus::PendingPayment));
    assert_eq!(seats(c, id).await, 2, "paying keeps the seat");

    // Releasing: from the status it leaves, once, with its seat.
    let cancelled = l.release(b.id, Transition::CANCEL_HOLD, t0()).await.expect("release").expect("cancelled");
    assert_eq!(cancelled.status, EnrollmentStatus::Cancelled);
    assert_eq!(l.release(b.id, Transition::CANCEL_HOLD, t0()).await.expect("release"), None, "once");
    assert_eq!(l.release(a.id, Transition::EXPIRE, t0()).await.expect("release"), None, "not from COMPLETED");
    assert_eq!(seats(c, id).await, 1, "the cancelled seat went back");
    let again = held(l, &hold(id, s[1], 30_000)).await;
    assert_ne!(again.id, b.id, "a released student may hold again, as a new enrollment");
    let overdue = l.overdue(t0() + Duration::hours(1), 10).await.expect("overdue");
    assert!(
        overdue.iter().any(|e| e.id == again.id)
            && overdue.iter().all(|e| e.status == EnrollmentStatus::PendingPayment)
    );
    assert!(l.overdue(t0(), 10).await.expect("overdue").iter().all(|e| e.id != again.id), "not before its deadline");
    let expired = l.release(again.id, Transition::EXPIRE, t0()).await.expect("release").expect("expired");
    assert_eq!(expired.status, EnrollmentStatus::Expired);
    let refunded = l.release(a.id, Transition::REFUND, t0()).await.expect("release").expect("refunded");
    assert_eq!(refunded.status, EnrollmentStatus::Refunded);
    assert_eq!(seats(c, id).await, 0);
    let audit = l.audit(id, t0()).await.expect("audit").expect("the course is audited").judge();
    assert!(audit.holds(), "{:?}", audit.violations);
    assert_eq!((audit.pending, audit.completed, audit.released, audit.charges), (0, 0, 3, 1));
    assert_eq!(l.audit(i64::MAX, t0()).await.expect("audit"), None);

    // Extra charges: due once per key, claimed by one sweep at a time, retried after a failure.
    let claim = t0() + Duration::minutes(2);
    assert!(l.refund_due(expired.id, "pk-late", 30_000, t0(), claim).await.expect("refund due"));
    assert!(!l.refund_due(expired.id, "pk-late", 30_000, t0(), claim).await.expect("refund due"), "once per key");
    assert!(
        !l.refund_due(a.id, "pk-a", 30_000, t0(), claim).await.expect("refund due"),
        "a recorded payment is not due"
    );
    assert!(l.claim_refunds(t0(), claim, 10).await.expect("claim").is_empty(), "the recorder holds the first attempt");
    let after = claim + Duration::seconds(1);
    let sweeps =
        futures::future::join_all((0..3).map(|_| l.claim_refunds(after, after + Duration::minutes(2), 10))).await;
    let claimed: Vec<_> = sweeps.into_iter().flat_map(|r| r.expect("claim")).collect();
    assert_eq!(claimed.len(), 1, "one sweep claims each refund: {claimed:?}");
    assert_eq!(
        (claimed[0].enrollment_id, claimed[0].payment_key.as_str(), claimed[0].amount),
        (expired.id, "pk-late", 30_000)
    );
    l.refund_failed("pk-late", after).await.expect("refund failed");
    let retry = after + Duration::seconds(1);
    assert_eq!(l.claim_refunds(retry, retry + Duration::minutes(2), 10).await.expect("claim").len(), 1, "retried");
    let due = l.audit(id, t0()).await.expect("audit").expect("audit").judge();
    assert_eq!((due.refunds_due, due.charges), (1, 2));
    assert!(due.holds(), "a refund on its way is no violation: {:?}", due.violations);
    l.refund_done("pk-late", retry).await.expect("refund done");
    let later = retry + Duration::hours(1);
    assert!(l.claim_refunds(later, later, 10).await.expect("claim").is_empty(), "a done refund is never claimed again");
    assert_eq!(l.audit(id, t0()).await.expect("audit").expect("audit").refunds_due, 0);

    // A free seat is the student's at once, and is given up without a refund.
    let free_id = c.create(f.instructor, &course(f.certificate, 1, 0), t0()).await.expect("create free course");
    let free = held(l, &hold(free_id, s[2], 0)).await;
    assert_eq!(free.status, EnrollmentStatus::Completed);
    let gone = l.release(free.id, Transition::CANCEL_FREE, t0()).await.expect("release").expect("given up");
    assert_eq!(gone.status, EnrollmentStatus::Cancelled);
    assert_eq!(seats(c, free_id).await, 0);

    // A rush: more students than seats at once; the capacity holds, each release happens once.
    let rush_id = c.create(f.instructor, &course(f.certificate, 3, 10_000), t0()).await.expect("create rush course");
    let holds = futures::future::join_all(s[2..8].iter().map(|&u| {
        let ledger = ledger.clone();
        async move { ledger.try_hold(&hold(rush_id, u, 10_000)).await.expect("a racing hold must not fail") }
    }))
    .await;
    let winners: Vec<Enrollment> =
        holds.iter().filter_map(|h| if let HoldOutcome::Held(e) = h { Some(e.clone()) } else { None }).collect();
    assert_eq!(winners.len(), 3, "exactly the capacity is held: {holds:?}");
    assert!(holds.iter().all(|h| matches!(h, HoldOutcome::Held(_) | HoldOutcome::SoldOut)));
    let releases =
        futures::future::join_all((0..4).map(|_| l.release(winners[0].id, Transition::CANCEL_HOLD, t0()))).await;
    assert_eq!(releases.into_iter().filter(|r| matches!(r, Ok(Some(_)))).count(), 1, "one release wins");
    assert_eq!(seats(c, rush_id).await, 2);
    let rush = l.audit(rush_id, t0()).await.expect("audit").expect("audit").judge();
    assert!(rush.holds() && rush.pending == 2 && rush.released == 1, "{rush:?}");
}

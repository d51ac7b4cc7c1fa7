//! The seat gate in front of the ledger: a surge's refusals cost no ledger call, seats that go
//! back are offered again, and a gate that is stale or gone errs only for its bound.

use super::*;
use crate::testkit::coupons::HeldCoupons;
use fakes::{draft, fixture_configured, t0};

const ADMIN: Actor = Actor { user_id: 1, admin: true };

fn tried(f: &fakes::Fixture) -> u64 {
    f.memory.holds_tried.load(Ordering::SeqCst)
}

#[tokio::test]
async fn sold_out_and_already_enrolled_are_answered_by_the_gate_without_a_hold_attempt() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 1);
    f.service.enroll(7, course, None, &[]).await.unwrap();
    assert_eq!(tried(&f), 1);
    for student in 8..40 {
        assert!(matches!(f.service.enroll(student, course, None, &[]).await, Err(CourseError::SoldOut(_))));
    }
    let again = f.service.enroll(7, course, None, &[]).await;
    assert!(matches!(again, Err(CourseError::AlreadyEnrolled { status: "PENDING_PAYMENT", .. })), "{again:?}");
    assert_eq!(tried(&f), 1, "33 refusals, not one conditional UPDATE");
    assert!(f.service.verify(course).await.unwrap().holds());
}

#[tokio::test]
async fn a_seat_cancelled_or_expired_through_the_service_is_offered_again_at_once() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 1);
    let held = f.service.enroll(7, course, None, &[]).await.unwrap();
    f.service.cancel(7, held.id).await.unwrap();
    let second = f.service.enroll(8, course, None, &[]).await.unwrap();
    // Expired by the sweep: the seat comes back too.
    f.clock.advance(f.service.config().hold + chrono::Duration::seconds(1));
    assert_eq!(f.service.sweep(10).await.unwrap().expired, 1);
    assert_eq!(f.service.enrollment(8, second.id).await.unwrap().status, EnrollmentStatus::Expired);
    f.service.enroll(9, course, None, &[]).await.unwrap();
    assert!(f.service.verify(course).await.unwrap().holds());
}

#[tokio::test]
async fn a_flushed_gate_is_rebuilt_from_the_ledger() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 2);
    f.service.enroll(7, course, None, &[]).await.unwrap();
    f.gate.flush();
    assert!(matches!(f.service.enroll(7, course, None, &[]).await, Err(CourseError::AlreadyEnrolled { .. })));
    f.service.enroll(8, course, None, &[]).await.unwrap();
    f.gate.flush();
    let before = tried(&f);
    assert!(matches!(f.service.enroll(9, course, None, &[]).await, Err(CourseError::SoldOut(_))));
    assert_eq!(tried(&f), before, "the reloaded gate knows the course is full");
}

#[tokio::test]
async fn a_seat_released_behind_the_gates_back_is_offered_within_its_bound() {
    let config = CourseConfig { gate_ttl: std::time::Duration::from_millis(100), ..CourseConfig::default() };
    let f = fixture_configured(HeldCoupons::default(), config);
    let course = f.memory.add_course(PRICE, 1);
    let held = f.service.enroll(7, course, None, &[]).await.unwrap();
    // Another process released it and died before telling the gate.
    f.memory.release_now(held.id, Transition::CANCEL_HOLD, t0()).unwrap();
    assert!(matches!(f.service.enroll(8, course, None, &[]).await, Err(CourseError::SoldOut(_))), "stale");
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    f.service.enroll(8, course, None, &[]).await.unwrap();
    assert!(f.service.verify(course).await.unwrap().holds());
}

#[tokio::test]
async fn a_capacity_change_reaches_the_gate_at_once() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 1);
    f.service.enroll(7, course, None, &[]).await.unwrap();
    assert!(matches!(f.service.enroll(8, course, None, &[]).await, Err(CourseError::SoldOut(_))));
    f.service.update(ADMIN, course, draft(PRICE, 2)).await.unwrap();
    f.service.enroll(8, course, None, &[]).await.unwrap();
    assert!(matches!(f.service.enroll(9, course, None, &[]).await, Err(CourseError::SoldOut(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rush_through_the_gate_holds_every_seat_once_and_no_more() {
    let f = std::sync::Arc::new(fixture());
    let course = f.memory.add_course(PRICE, 10);
    let attempts = (0..400).map(|i| {
        let f = f.clone();
        tokio::spawn(async move { f.service.enroll(100 + i % 200, course, None, &[]).await })
    });
    let results: Vec<_> = futures::future::join_all(attempts).await.into_iter().map(|r| r.unwrap()).collect();
    let held = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(held, 10);
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Ok(_) | Err(CourseError::SoldOut(_)) | Err(CourseError::AlreadyEnrolled { .. })))
    );
    assert!(tried(&f) < 100, "most refusals came from the gate ({} hold attempts)", tried(&f));
    let report = f.service.verify(course).await.unwrap();
    assert!(report.holds(), "{report:?}");
    assert_eq!(report.seats_taken, 10);
}

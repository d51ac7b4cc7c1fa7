//! The operators' side: live status, the invariant check and the sweep's batches.

use super::super::*;
use super::fakes::*;

#[tokio::test]
async fn the_live_status_shows_seats_window_queue_rate_and_a_holding_invariant() {
    let f = fixture();
    let course = f.memory.add(CourseDraft { waiting_room: true, admission_rate: Some(2), ..draft(PRICE, 3) });
    for user in 11..=14 {
        f.service.join_queue(user, course).await.unwrap();
    }
    f.service.admit_all().await.unwrap();
    for user in [11, 12] {
        let token = f.service.queue_status(user, course).await.unwrap().admission_token.unwrap();
        let held = f.service.enroll(user, course, Some(&token), &[]).await.unwrap();
        if user == 11 {
            f.service.pay(user, held.id, "pk-11").await.unwrap();
        }
    }
    let live = f.service.live_status(course).await.unwrap();
    assert_eq!((live.seats_left, live.window_open, live.admission_rate), (1, true, 2));
    assert_eq!((live.queue_length, live.admitted, live.waiting), (4, 2, 2));
    let inv = &live.invariant;
    assert_eq!((inv.pending, inv.completed, inv.seats_taken, inv.charges), (1, 1, 2, 1));
    assert!(inv.holds(), "{:?}", inv.violations);
    assert!(matches!(f.service.live_status(99).await, Err(CourseError::NotFound(99))));
    assert!(matches!(f.service.verify(99).await, Err(CourseError::NotFound(99))));
}

#[tokio::test]
async fn a_sweep_releases_at_most_its_limit_and_the_next_one_the_rest() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 5);
    for user in 1..=3 {
        f.service.enroll(user, course, None, &[]).await.unwrap();
    }
    f.clock.advance(f.service.config().hold + Duration::seconds(1));
    let before = f.service.verify(course).await.unwrap();
    assert_eq!((before.overdue, before.pending), (3, 3), "overdue holds are counted until swept");
    assert!(before.holds(), "an overdue hold breaks no rule");
    assert_eq!(f.service.sweep(2).await.unwrap().expired, 2);
    assert_eq!(f.service.sweep(2).await.unwrap().expired, 1);
    let after = f.service.verify(course).await.unwrap();
    assert_eq!((after.released, after.seats_taken, after.overdue), (3, 0, 0));
    assert!(after.holds());
}

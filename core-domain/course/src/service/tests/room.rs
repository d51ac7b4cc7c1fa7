//! Waiting rooms: joined only where a course has one and while it is open, waited in arrival
//! order, left with an admission token that enrolls its holder alone, for a short while.

use super::super::*;
use super::fakes::*;

fn roomed(rate: Option<u32>) -> CourseDraft {
    CourseDraft { waiting_room: true, admission_rate: rate, ..draft(PRICE, 10) }
}

#[tokio::test]
async fn a_course_without_a_waiting_room_has_no_queue() {
    let f = fixture();
    let course = f.memory.add_course(PRICE, 1);
    assert!(matches!(f.service.join_queue(7, course).await, Err(CourseError::NoWaitingRoom(_))));
    assert!(matches!(f.service.queue_status(7, course).await, Err(CourseError::NoWaitingRoom(_))));
    assert!(matches!(f.service.join_queue(7, 99).await, Err(CourseError::NotFound(99))));
}

#[tokio::test]
async fn the_queue_is_joined_only_while_enrollment_is_open() {
    let f = fixture();
    let later = f.memory.add(CourseDraft { opens_at: t0() + Duration::hours(1), ..roomed(None) });
    let closed = f.service.join_queue(7, later).await;
    assert!(matches!(closed, Err(CourseError::WindowClosed { .. })), "{closed:?}");
    assert!(matches!(f.service.enroll(7, later, None, &[]).await, Err(CourseError::WindowClosed { .. })));
    assert!(matches!(f.service.queue_status(7, later).await, Err(CourseError::NotInQueue(_))), "nobody got in");
}

#[tokio::test]
async fn students_wait_in_arrival_order_until_the_admitter_lets_them_in() {
    let f = fixture();
    let course = f.memory.add(roomed(Some(2)));
    for user in 11..=15 {
        f.service.join_queue(user, course).await.unwrap();
    }
    let waiting = f.service.join_queue(14, course).await.unwrap();
    assert_eq!(
        (waiting.position, waiting.ahead, waiting.admitted, waiting.queue_length),
        (4, 3, false, 5),
        "joining again keeps the place"
    );
    assert_eq!((waiting.estimated_wait_secs, waiting.retry_after_secs), (2, 1), "four to let in at two a second");
    assert_eq!(waiting.admission_token, None);
    assert!(matches!(f.service.queue_status(99, course).await, Err(CourseError::NotInQueue(_))));

    let passes = f.service.admit_all().await.unwrap();
    assert_eq!(passes.iter().map(|(c, s)| (c.id, s.admitted)).collect::<Vec<_>>(), [(course, 2)]);
    let first = f.service.queue_status(11, course).await.unwrap();
    assert_eq!((first.admitted, first.ahead, first.estimated_wait_secs, first.retry_after_secs), (true, 0, 0, 0));
    assert_eq!(first.token_expires_at, Some(t0() + f.service.config().token_ttl));
    let still = f.service.queue_status(14, course).await.unwrap();
    assert_eq!((still.admitted, still.ahead, still.estimated_wait_secs), (false, 1, 1));
}

#[tokio::test]
async fn an_admission_token_enrolls_its_holder_alone_and_only_for_a_while() {
    let f = fixture();
    let course = f.memory.add(roomed(Some(2)));
    for user in [11, 12] {
        f.service.join_queue(user, course).await.unwrap();
    }
    f.service.admit_all().await.unwrap();
    let token = |user| {
        let f = &f;
        async move { f.service.queue_status(user, course).await.unwrap().admission_token.unwrap() }
    };
    let (mine, theirs) = (token(11).await, token(12).await);
    for refused in [None, Some("  "), Some(theirs.as_str()), Some("forged")] {
        let err = f.service.enroll(11, course, refused, &[]).await.unwrap_err();
        assert!(matches!(err, CourseError::AdmissionRequired { .. }), "{refused:?}: {err:?}");
    }
    assert_eq!(f.service.enroll(11, course, Some(&mine), &[]).await.unwrap().status, EnrollmentStatus::PendingPayment);
    f.clock.advance(f.service.config().token_ttl + Duration::seconds(1));
    let late = f.service.enroll(12, course, Some(&theirs), &[]).await.unwrap_err();
    assert!(matches!(late, CourseError::AdmissionRequired { .. }), "the token expired: {late:?}");
    assert_eq!(f.memory.seats(course), 1);
}

#[tokio::test]
async fn the_admitter_passes_only_open_courses_with_a_room_at_their_own_or_the_default_rate() {
    let f = fixture();
    let default_rate = f.memory.add(roomed(None));
    let direct = f.memory.add_course(PRICE, 10);
    let closed = f.memory.add(CourseDraft { closes_at: t0(), ..roomed(Some(5)) });
    for user in 0..60 {
        f.service.join_queue(user, default_rate).await.unwrap();
    }
    let passes = f.service.admit_all().await.unwrap();
    let expected = u64::from(f.service.config().default_admission_rate);
    assert_eq!(passes.iter().map(|(c, s)| (c.id, s.admitted)).collect::<Vec<_>>(), [(default_rate, expected)]);
    let open: Vec<i64> = f.service.open_courses().await.unwrap().iter().map(|c| c.id).collect();
    assert_eq!(open, [default_rate, direct], "a window closing at now is closed");
    assert!(!open.contains(&closed));
}

#[tokio::test]
async fn nobody_is_let_in_once_the_window_has_closed() {
    let f = fixture();
    let course = f.memory.add(CourseDraft { closes_at: t0() + Duration::minutes(5), ..roomed(Some(2)) });
    f.service.join_queue(11, course).await.unwrap();
    f.service.admit_all().await.unwrap();
    assert!(f.service.queue_status(11, course).await.unwrap().admitted);
    f.clock.advance(Duration::minutes(5));
    let after = f.service.queue_status(11, course).await.unwrap();
    assert_eq!((after.admitted, after.admission_token), (false, None), "no token after closing time");
}

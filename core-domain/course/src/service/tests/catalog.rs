//! Courses: checked drafts, the instructor's or an admin's edits, capacity against seats
//! taken, deletion only of courses nobody enrolled in, and search.

use super::super::*;
use super::fakes::*;

const OWNER: Actor = Actor { user_id: 5, admin: false };
const STRANGER: Actor = Actor { user_id: 6, admin: false };
const ADMIN: Actor = Actor { user_id: 9, admin: true };

fn titled(title: &str) -> CourseDraft {
    CourseDraft { title: title.into(), ..draft(PRICE, 3) }
}

#[tokio::test]
async fn a_course_is_checked_then_created_for_its_instructor() {
    let f = fixture();
    let bad = f.service.create(5, titled("   ")).await;
    assert!(matches!(bad, Err(CourseError::Invalid { field: "title", .. })), "{bad:?}");
    let elsewhere = f.service.create(5, CourseDraft { certificate_id: 9, ..titled("특강") }).await;
    assert!(matches!(elsewhere, Err(CourseError::NoCertificate(9))), "{elsewhere:?}");
    let course = f.service.create(5, titled("  실기 특강  ")).await.unwrap();
    assert_eq!((course.instructor_id, course.draft.title.as_str(), course.seats_taken), (5, "실기 특강", 0));
    assert_eq!(course.created_at, t0());
    assert_eq!(f.service.get(course.id).await.unwrap(), course);
}

#[tokio::test]
async fn only_the_instructor_or_an_admin_changes_a_course() {
    let f = fixture();
    let id = f.service.create(OWNER.user_id, titled("특강")).await.unwrap().id;
    let stranger = f.service.update(STRANGER, id, titled("남의 특강")).await;
    assert!(matches!(stranger, Err(CourseError::NotOwner(_))), "{stranger:?}");
    assert_eq!(f.service.update(ADMIN, id, titled("관리자 수정")).await.unwrap().draft.title, "관리자 수정");
    assert_eq!(f.service.update(OWNER, id, titled("강사 수정")).await.unwrap().draft.title, "강사 수정");
    let invalid = f.service.update(OWNER, id, CourseDraft { capacity: 0, ..titled("특강") }).await;
    assert!(matches!(invalid, Err(CourseError::Invalid { field: "capacity", .. })), "{invalid:?}");
    let elsewhere = f.service.update(OWNER, id, CourseDraft { certificate_id: 9, ..titled("특강") }).await;
    assert!(matches!(elsewhere, Err(CourseError::NoCertificate(9))), "{elsewhere:?}");
    assert!(matches!(f.service.update(ADMIN, 99, titled("없음")).await, Err(CourseError::NotFound(99))));
    assert_eq!(f.service.get(id).await.unwrap().draft.title, "강사 수정", "the refused edits changed nothing");
}

#[tokio::test]
async fn a_course_s_capacity_never_drops_below_the_seats_taken() {
    let f = fixture();
    let id = f.service.create(OWNER.user_id, titled("특강")).await.unwrap().id;
    f.service.enroll(7, id, None, &[]).await.unwrap();
    f.service.enroll(8, id, None, &[]).await.unwrap();
    let refused = f.service.update(OWNER, id, CourseDraft { capacity: 1, ..titled("특강") }).await;
    assert!(matches!(refused, Err(CourseError::HasEnrollments(_))), "{refused:?}");
    let shrunk = f.service.update(OWNER, id, CourseDraft { capacity: 2, ..titled("특강") }).await.unwrap();
    assert_eq!((shrunk.draft.capacity, shrunk.seats_left()), (2, 0), "down to the seats taken is fine");
    assert!(matches!(f.service.enroll(10, id, None, &[]).await, Err(CourseError::SoldOut(_))));
}

#[tokio::test]
async fn only_a_course_nobody_enrolled_in_is_deleted_and_its_waiting_room_goes_with_it() {
    let f = fixture();
    let taken = f.service.create(OWNER.user_id, titled("수강생 있음")).await.unwrap().id;
    let held = f.service.enroll(7, taken, None, &[]).await.unwrap();
    f.service.cancel(7, held.id).await.unwrap();
    let refused = f.service.delete(OWNER, taken).await;
    assert!(matches!(refused, Err(CourseError::HasEnrollments(_))), "payments keep their course: {refused:?}");

    let empty = f.service.create(OWNER.user_id, titled("빈 강의")).await.unwrap().id;
    assert!(matches!(f.service.delete(STRANGER, empty).await, Err(CourseError::NotOwner(_))));
    f.service.delete(OWNER, empty).await.unwrap();
    assert_eq!(*f.room.cleared.lock().unwrap(), [empty], "its waiting room is emptied");
    assert!(matches!(f.service.get(empty).await, Err(CourseError::NotFound(_))));
    assert!(matches!(f.service.delete(ADMIN, empty).await, Err(CourseError::NotFound(_))));
    assert!(f.service.get(taken).await.is_ok());
}

#[tokio::test]
async fn a_search_finds_courses_by_certificate_and_title_a_page_at_a_time() {
    let f = fixture();
    for title in ["필기 특강", "실기 특강", "필기 요약"] {
        f.service.create(OWNER.user_id, titled(title)).await.unwrap();
    }
    let search = |keyword: &str| CourseSearch {
        keyword: Some(keyword.into()),
        field: crate::SearchField::Title,
        certificate_id: Some(CERTIFICATE),
    };
    let two = PageRequest::parse(Some(0), Some(2), None, None, &[]).unwrap();
    let found = f.service.search(&search("필기"), &two).await.unwrap();
    let titles: Vec<_> = found.content.iter().map(|c| c.draft.title.as_str()).collect();
    assert_eq!((titles, found.has_next), (vec!["필기 요약", "필기 특강"], false), "newest first");
    let all = CourseSearch { keyword: None, ..search("") };
    assert!(f.service.search(&all, &two).await.unwrap().has_next, "three courses, two a page");
    let other = CourseSearch { certificate_id: Some(2), ..all };
    assert!(f.service.search(&other, &two).await.unwrap().content.is_empty());
}

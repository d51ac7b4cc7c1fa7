//! Boards over in-memory stores: the favourite flag, toggles, and favouriting from the
//! interest events exactly once per event.

use super::*;
use crate::{
    InterestPriority, UpsertOutcome,
    schedule::tests::{at, draft},
    tests::fakes::{Catalogue, Favourites, certificate},
};
use cercat_common::{clock::ManualClock, events::EventEnvelope};

struct Fixture {
    catalogue: Arc<Catalogue>,
    boards: BoardService,
}

/// The boards of certificates 1, 2 and 3, nobody's favourite yet.
fn fixture() -> Fixture {
    let catalogue = Arc::new(Catalogue::of(vec![certificate(1), certificate(2), certificate(3)]));
    let favourites = Arc::new(Favourites::new(catalogue.clone()));
    let boards = BoardService::new(catalogue.clone(), favourites, Arc::new(ManualClock::new(at(2026, 5, 1))));
    Fixture { catalogue, boards }
}

/// The ids of `user_id`'s favourite boards, as the listing flags them.
async fn favourite_ids(boards: &BoardService, user_id: i64) -> Vec<i64> {
    let all = boards.boards(user_id).await.unwrap();
    all.into_iter().filter(|b| b.is_favorite).map(|b| b.certificate.id).collect()
}

/// The envelope the outbox relays when `user_id` chooses `ids` as interests.
fn interests_chosen(user_id: i64, ids: &[i64]) -> EventEnvelope {
    let targets: Vec<_> = ids.iter().map(|&id| (id, InterestPriority::Normal)).collect();
    EventEnvelope::of(&CertificateEvent::interests_replaced(user_id, &targets), at(2026, 5, 1)).unwrap()
}

#[tokio::test]
async fn every_board_is_listed_with_the_users_own_favourite_flag() {
    let f = fixture();
    assert!(f.boards.toggle(7, 2).await.unwrap());
    let listed: Vec<_> =
        f.boards.boards(7).await.unwrap().into_iter().map(|b| (b.certificate.id, b.is_favorite)).collect();
    assert_eq!(listed, [(1, false), (2, true), (3, false)]);
    assert!(favourite_ids(&f.boards, 8).await.is_empty(), "another user's favourites are not theirs");
}

#[tokio::test]
async fn a_toggle_flips_the_favourite_of_an_existing_board_only() {
    let f = fixture();
    assert!(f.boards.toggle(7, 1).await.unwrap(), "favourited");
    assert!(!f.boards.toggle(7, 1).await.unwrap(), "and back");
    assert!(favourite_ids(&f.boards, 7).await.is_empty());
    assert!(matches!(f.boards.toggle(7, 9).await, Err(CertificateError::NotFound(9))));
}

#[tokio::test]
async fn a_board_deleted_during_its_toggle_is_not_found() {
    let f = fixture();
    f.catalogue.delete_after_lookup(3);
    assert!(matches!(f.boards.toggle(7, 3).await, Err(CertificateError::NotFound(3))), "not a store failure");
}

#[tokio::test]
async fn choosing_interests_favourites_their_boards_once_per_event() {
    let f = fixture();
    let event = interests_chosen(7, &[1, 3]);
    f.boards.handle(&event).await.unwrap();
    assert_eq!(favourite_ids(&f.boards, 7).await, [1, 3]);

    // The user unfavourites one; the same event delivered again must not bring it back.
    assert!(!f.boards.toggle(7, 3).await.unwrap());
    f.boards.handle(&event).await.unwrap();
    assert_eq!(favourite_ids(&f.boards, 7).await, [1], "a redelivered event changes nothing");

    // A new choice is a new event: it favourites again, and keeps boards already favourite.
    f.boards.handle(&interests_chosen(7, &[3, 1])).await.unwrap();
    assert_eq!(favourite_ids(&f.boards, 7).await, [1, 3]);
}

#[tokio::test]
async fn removing_every_interest_unfavourites_nothing() {
    let f = fixture();
    f.boards.handle(&interests_chosen(7, &[2])).await.unwrap();
    f.boards.handle(&interests_chosen(7, &[])).await.unwrap();
    assert_eq!(favourite_ids(&f.boards, 7).await, [2], "favourites are the user's own from then on");
}

#[tokio::test]
async fn a_certificate_deleted_since_the_event_was_written_is_skipped() {
    let f = fixture();
    let event = interests_chosen(7, &[1, 2]);
    f.catalogue.vanish(2);
    f.boards.handle(&event).await.unwrap();
    assert_eq!(favourite_ids(&f.boards, 7).await, [1], "the remaining board is still favourited");
}

#[tokio::test]
async fn anything_but_an_interest_change_on_the_topic_is_corrupt() {
    let f = fixture();
    let schedule = CertificateEvent::schedule_stored(1, &draft(2026, 1, at(2026, 3, 1)), UpsertOutcome::Inserted);
    let schedule = EventEnvelope::of(&schedule.unwrap(), at(2026, 5, 1)).unwrap();
    assert!(matches!(f.boards.handle(&schedule).await, Err(PortError::Corrupt(_))));

    let mut unknown = interests_chosen(7, &[1]);
    unknown.event_type = "InterestCertificatesChangedV9".into();
    assert!(matches!(f.boards.handle(&unknown).await, Err(PortError::Corrupt(_))), "an unknown event type");
    let mut malformed = interests_chosen(7, &[1]);
    malformed.payload = serde_json::json!({ "userId": "seven" });
    assert!(matches!(f.boards.handle(&malformed).await, Err(PortError::Corrupt(_))), "a payload that does not fit");
    assert!(favourite_ids(&f.boards, 7).await.is_empty(), "none of them favourited anything");
}

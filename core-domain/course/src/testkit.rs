//! The [`WaitingRoom`] contract, run against every adapter (Redis and in-process); the
//! [`SeatLedger`](crate::ports::SeatLedger) contract is in [`ledger`].

pub mod coupons;
pub mod gate;
pub mod ledger;

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::ports::{RoomState, WaitingRoom};

fn at(t0: DateTime<Utc>, ms: i64) -> DateTime<Utc> {
    t0 + Duration::milliseconds(ms)
}

/// Runs every check; `course` and `course + 1` must be ids no other run uses.
pub async fn run_all(room: Arc<dyn WaitingRoom>, course: i64) {
    let r = &*room;
    let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).single().expect("a valid instant");
    assert_eq!(r.state(course).await.expect("state"), RoomState::default());
    assert_eq!(r.standing(course, 1).await.expect("standing"), (None, RoomState::default()));
    // Nobody waits: the clock starts, nobody is admitted, no credit is banked.
    assert_eq!(r.admit(course, 2, t0).await.expect("admit"), RoomState::default());

    // Arrival order, and joining twice keeps the place.
    for (i, user) in [11, 12, 13, 14, 15].into_iter().enumerate() {
        let (index, state) = r.join(course, user).await.expect("join");
        assert_eq!(index, i as u64);
        assert_eq!(state.length, i as u64 + 1);
    }
    assert_eq!(r.join(course, 13).await.expect("join again").0, 2, "the same place");
    assert_eq!(r.state(course).await.expect("state").length, 5);
    assert_eq!(r.standing(course, 14).await.expect("standing"), (Some(3), RoomState { length: 5, admitted: 0 }));
    assert_eq!(r.standing(course + 1, 14).await.expect("standing").0, None, "rooms are per course");

    // 2 per second: half a second earns one admission, and asking again at the same instant
    // (another instance's admitter) earns nothing more.
    assert_eq!(r.admit(course, 2, at(t0, 500)).await.expect("admit").admitted, 1);
    assert_eq!(r.admit(course, 2, at(t0, 500)).await.expect("admit").admitted, 1);
    assert_eq!(r.admit(course, 2, at(t0, 700)).await.expect("admit").admitted, 1);
    assert_eq!(r.admit(course, 2, at(t0, 1500)).await.expect("admit").admitted, 3);
    // A long pause banks at most one second of credit.
    assert_eq!(r.admit(course, 1, at(t0, 60_000)).await.expect("admit").admitted, 4);
    assert_eq!(r.admit(course, 1, at(t0, 61_000)).await.expect("admit").admitted, 5);
    assert_eq!(r.standing(course, 15).await.expect("standing"), (Some(4), RoomState { length: 5, admitted: 5 }));
    // Everyone is in; a quiet minute banks nothing, so a newcomer waits for fresh credit.
    assert_eq!(r.admit(course, 1, at(t0, 120_000)).await.expect("admit").admitted, 5);
    assert_eq!(r.join(course, 16).await.expect("join").0, 5);
    assert_eq!(r.admit(course, 1, at(t0, 120_500)).await.expect("admit").admitted, 5);
    assert_eq!(r.admit(course, 1, at(t0, 121_000)).await.expect("admit").admitted, 6);

    // Concurrent joins get distinct places; concurrent admitters at one instant admit once.
    let other = course + 1;
    let joins = (0..100).map(|u| {
        let room = room.clone();
        tokio::spawn(async move { room.join(other, 1000 + u).await.expect("join").0 })
    });
    let mut places: Vec<u64> = futures::future::join_all(joins).await.into_iter().map(|r| r.expect("task")).collect();
    places.sort_unstable();
    assert_eq!(places, (0..100).collect::<Vec<u64>>());
    r.admit(other, 10, t0).await.expect("start the clock");
    let admitters = (0..20).map(|_| {
        let room = room.clone();
        tokio::spawn(async move { room.admit(other, 10, at(t0, 1000)).await.expect("admit").admitted })
    });
    for admitted in futures::future::join_all(admitters).await {
        assert_eq!(admitted.expect("task"), 10, "the rate holds however many admitters run");
    }

    r.clear(course).await.expect("clear");
    r.clear(other).await.expect("clear");
    assert_eq!(r.state(course).await.expect("state"), RoomState::default());
    assert_eq!(r.standing(course, 11).await.expect("standing").0, None);
}

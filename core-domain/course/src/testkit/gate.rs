//! The [`SeatGate`] contract, run against every adapter (Redis and in-process).

use std::sync::Arc;
use std::time::Duration;

use crate::gate::{SeatAnswer, SeatFacts, SeatGate};

/// Runs every check; `course` and `course + 1` must be ids no other run uses.
pub async fn gate_contract(gate: Arc<dyn SeatGate>, course: i64) {
    let g = &*gate;
    let ttl = Duration::from_secs(60);
    assert_eq!(g.take(course, 1).await.expect("take"), SeatAnswer::Cold, "nothing loaded");
    g.give_back(course, 1).await.expect("a give-back on a cold course changes nothing");
    assert_eq!(g.take(course, 1).await.expect("take"), SeatAnswer::Cold);

    // Two free seats, student 9 holding one already.
    g.load(course, &SeatFacts { free: 2, holders: vec![9] }, ttl).await.expect("load");
    assert_eq!(g.take(course, 9).await.expect("take"), SeatAnswer::Holding);
    assert_eq!(g.take(course, 1).await.expect("take"), SeatAnswer::Admitted);
    assert_eq!(g.take(course, 1).await.expect("take"), SeatAnswer::Holding, "counted once");
    // A second load of a loaded course changes nothing.
    g.load(course, &SeatFacts { free: 50, holders: vec![] }, ttl).await.expect("load");
    assert_eq!(g.take(course, 2).await.expect("take"), SeatAnswer::Admitted);
    assert_eq!(g.take(course, 3).await.expect("take"), SeatAnswer::SoldOut);

    // A seat goes back once, and only for a student the gate counts.
    g.give_back(course, 2).await.expect("give back");
    g.give_back(course, 2).await.expect("give back twice");
    g.give_back(course, 77).await.expect("give back for nobody");
    assert_eq!(g.take(course, 3).await.expect("take"), SeatAnswer::Admitted, "the seat 2 gave back");
    assert_eq!(g.take(course, 4).await.expect("take"), SeatAnswer::SoldOut, "only one came back");

    // Forgotten: cold again, and a load starts from the new facts.
    g.forget(course).await.expect("forget");
    assert_eq!(g.take(course, 9).await.expect("take"), SeatAnswer::Cold);
    g.load(course, &SeatFacts { free: 1, holders: vec![] }, ttl).await.expect("load");
    assert_eq!(g.take(course, 9).await.expect("take"), SeatAnswer::Admitted);

    // The bound: a loaded course is forgotten after its time.
    let short = course + 1;
    g.load(short, &SeatFacts { free: 0, holders: vec![] }, Duration::from_millis(200)).await.expect("load");
    assert_eq!(g.take(short, 5).await.expect("take"), SeatAnswer::SoldOut);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(g.take(short, 5).await.expect("take"), SeatAnswer::Cold, "expired");

    // A rush: 200 attempts of 100 students (each twice) on 10 seats at once admit exactly 10
    // distinct students; every other attempt is sold out or holding.
    g.load(short, &SeatFacts { free: 10, holders: vec![] }, ttl).await.expect("load");
    let attempts = (0..200).map(|i| {
        let gate = gate.clone();
        tokio::spawn(async move { (1000 + i % 100, gate.take(short, 1000 + i % 100).await.expect("take")) })
    });
    let answers: Vec<(i64, SeatAnswer)> =
        futures::future::join_all(attempts).await.into_iter().map(|r| r.expect("task")).collect();
    let mut admitted: Vec<i64> = answers.iter().filter(|a| a.1 == SeatAnswer::Admitted).map(|a| a.0).collect();
    admitted.sort_unstable();
    admitted.dedup();
    assert_eq!(admitted.len(), 10, "{answers:?}");
    assert_eq!(answers.iter().filter(|a| a.1 == SeatAnswer::Admitted).count(), 10, "one seat per student");
    assert!(answers.iter().all(|a| a.1 != SeatAnswer::Cold));
    g.forget(short).await.expect("forget");
}

//! [`WaitingRoom`] in process memory (single node).

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_course::ports::{RoomState, WaitingRoom};
use chrono::{DateTime, Utc};
use std::{collections::HashMap, sync::Mutex};

#[derive(Default)]
struct Room {
    places: HashMap<i64, u64>,
    admitted: u64,
    /// Epoch ms the admission credit is counted from (`None` before the first admit).
    last_ms: Option<i64>,
}

impl Room {
    fn state(&self) -> RoomState {
        RoomState { length: self.places.len() as u64, admitted: self.admitted }
    }
}

/// Waiting rooms in a mutex: one lock per call, so every operation is atomic.
#[derive(Default)]
pub struct MemoryWaitingRoom {
    rooms: Mutex<HashMap<i64, Room>>,
}

impl MemoryWaitingRoom {
    fn with<T>(&self, course_id: i64, f: impl FnOnce(&mut Room) -> T) -> Result<T, PortError> {
        let mut rooms = self.rooms.lock().map_err(|_| PortError::Corrupt("waiting room lock poisoned".into()))?;
        Ok(f(rooms.entry(course_id).or_default()))
    }
}

/// The admission step both adapters implement (the Redis script mirrors it): at most
/// `rate` per second since `last`, at most one second of credit, none banked while nobody
/// waits. Returns the new (admitted, last).
pub fn admission_step(length: u64, admitted: u64, last: Option<i64>, rate: u32, now_ms: i64) -> (u64, i64) {
    let waiting = length.saturating_sub(admitted);
    let Some(mut last) = last.filter(|_| waiting > 0) else {
        return (admitted, now_ms);
    };
    if now_ms - last > 1000 {
        last = now_ms - 1000;
    }
    let rate = i64::from(rate.max(1));
    let credit = u64::try_from((now_ms - last).max(0) * rate / 1000).unwrap_or(0);
    if credit == 0 {
        return (admitted, last);
    }
    let grant = credit.min(waiting);
    let last = if grant < credit {
        now_ms
    } else {
        let grant = i64::try_from(grant).unwrap_or(i64::MAX);
        last + (grant * 1000 + rate - 1) / rate
    };
    (admitted + grant, last)
}

#[async_trait]
impl WaitingRoom for MemoryWaitingRoom {
    async fn join(&self, course_id: i64, user_id: i64) -> Result<(u64, RoomState), PortError> {
        self.with(course_id, |room| {
            let next = room.places.len() as u64;
            let place = *room.places.entry(user_id).or_insert(next);
            (place, room.state())
        })
    }

    async fn standing(&self, course_id: i64, user_id: i64) -> Result<(Option<u64>, RoomState), PortError> {
        self.with(course_id, |room| (room.places.get(&user_id).copied(), room.state()))
    }

    async fn admit(&self, course_id: i64, rate_per_sec: u32, now: DateTime<Utc>) -> Result<RoomState, PortError> {
        self.with(course_id, |room| {
            let (admitted, last) = admission_step(
                room.places.len() as u64,
                room.admitted,
                room.last_ms,
                rate_per_sec,
                now.timestamp_millis(),
            );
            room.admitted = admitted;
            room.last_ms = Some(last);
            room.state()
        })
    }

    async fn state(&self, course_id: i64) -> Result<RoomState, PortError> {
        self.with(course_id, |room| room.state())
    }

    async fn clear(&self, course_id: i64) -> Result<(), PortError> {
        let mut rooms = self.rooms.lock().map_err(|_| PortError::Corrupt("waiting room lock poisoned".into()))?;
        rooms.remove(&course_id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn keeps_the_waiting_room_contract() {
        cercat_course::testkit::run_all(Arc::new(MemoryWaitingRoom::default()), 1).await;
    }
}

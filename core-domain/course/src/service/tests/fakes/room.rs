//! Waiting rooms in memory: the [`WaitingRoom`] fake.

use std::{collections::HashMap, sync::Mutex};

use super::super::super::*;
use async_trait::async_trait;

/// Waiting rooms in a map: arrival order, and how many are in. Each admitter pass lets in
/// `rate` more (the rate metering over time is the adapters', proven by their contract).
#[derive(Default)]
pub struct Room {
    rooms: Mutex<HashMap<i64, (Vec<i64>, u64)>>,
    /// The rooms emptied, in order.
    pub cleared: Mutex<Vec<i64>>,
}

impl Room {
    fn with<T>(&self, course_id: i64, f: impl FnOnce(&mut (Vec<i64>, u64)) -> T) -> T {
        f(self.rooms.lock().unwrap().entry(course_id).or_default())
    }
}

fn state_of(room: &(Vec<i64>, u64)) -> RoomState {
    RoomState { length: room.0.len() as u64, admitted: room.1 }
}

#[async_trait]
impl WaitingRoom for Room {
    async fn join(&self, course_id: i64, user_id: i64) -> Result<(u64, RoomState), PortError> {
        Ok(self.with(course_id, |room| {
            let place = room.0.iter().position(|u| *u == user_id).unwrap_or_else(|| {
                room.0.push(user_id);
                room.0.len() - 1
            });
            (place as u64, state_of(room))
        }))
    }
    async fn standing(&self, course_id: i64, user_id: i64) -> Result<(Option<u64>, RoomState), PortError> {
        Ok(self.with(course_id, |room| (room.0.iter().position(|u| *u == user_id).map(|p| p as u64), state_of(room))))
    }
    async fn admit(&self, course_id: i64, rate: u32, _: DateTime<Utc>) -> Result<RoomState, PortError> {
        Ok(self.with(course_id, |room| {
            room.1 = (room.1 + u64::from(rate)).min(room.0.len() as u64);
            state_of(room)
        }))
    }
    async fn state(&self, course_id: i64) -> Result<RoomState, PortError> {
        Ok(self.with(course_id, |room| state_of(room)))
    }
    async fn clear(&self, course_id: i64) -> Result<(), PortError> {
        self.rooms.lock().unwrap().remove(&course_id);
        self.cleared.lock().unwrap().push(course_id);
        Ok(())
    }
}

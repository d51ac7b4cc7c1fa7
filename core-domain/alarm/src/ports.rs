//! What the alarm context needs: its storage, the names of the boards alarms point at, and
//! the outbox the daily exam reminders are recorded in.

use async_trait::async_trait;
use cercat_common::{PortError, events::EventEnvelope, paging::Keyset};
use chrono::{DateTime, Utc};

use crate::model::{Alarm, NewAlarm};

/// Alarm storage.
#[async_trait]
pub trait AlarmRepository: Send + Sync {
    /// Stores `alarm` unless `consumer` already handled `event_id` (both in one transaction);
    /// `None` for an alarm-less event still records the id. An alarm whose `once_key` is
    /// already stored is not stored again (the event id is still recorded). Returns the new
    /// alarm's id when one was stored now (`None` for a redelivery, an alarm-less event, a
    /// repeated `once_key` or a purged receiver).
    async fn store_once(
        &self,
        consumer: &str,
        event_id: &str,
        alarm: Option<&NewAlarm>,
    ) -> Result<Option<i64>, PortError>;
    /// The receiver's unread alarms, newest first (at most `limit`).
    async fn unread(&self, receiver_id: i64, limit: u64) -> Result<Vec<Alarm>, PortError>;
    /// The receiver's alarms (only the unread ones when `unread_only`), newest first by
    /// `(occurred_at, id)`: at most `limit`, and with `after` only those strictly older than
    /// that position, so alarms stored meanwhile never shift a later page.
    async fn list(
        &self,
        receiver_id: i64,
        unread_only: bool,
        after: Option<Keyset>,
        limit: u64,
    ) -> Result<Vec<Alarm>, PortError>;
    /// The receiver's alarms (read or not) with an id above `after_id`, lowest id first, at most
    /// `limit`: what a stream reconnecting with `Last-Event-ID` missed.
    async fn after_id(&self, receiver_id: i64, after_id: i64, limit: u64) -> Result<Vec<Alarm>, PortError>;
    /// The id of the receiver's newest alarm; `None` when there is none.
    async fn latest_id(&self, receiver_id: i64) -> Result<Option<i64>, PortError>;
    /// How many unread alarms the receiver has.
    async fn unread_count(&self, receiver_id: i64) -> Result<u64, PortError>;
    /// Marks the receiver's alarms among `ids` read (others' ids are ignored); returns how many changed.
    async fn mark_read(&self, receiver_id: i64, ids: &[i64], at: DateTime<Utc>) -> Result<u64, PortError>;
}

/// Board (certificate) names, held by the certificate context.
#[async_trait]
pub trait CertificateNames: Send + Sync {
    /// The certificate's name; `None` when it does not exist.
    async fn name(&self, certificate_id: i64) -> Result<Option<String>, PortError>;
}

/// Where the daily exam reminders are recorded: the transactional outbox, for events that
/// belong to no other write (the relay publishes them like any other).
#[async_trait]
pub trait ReminderOutbox: Send + Sync {
    /// Records `events` to be published, skipping any whose id is already recorded, and
    /// returns how many were added (so a second run on one day adds 0).
    ///
    /// Errors: `Unavailable` when the store cannot be reached (what was recorded before the
    /// failing event stays; a re-run adds the rest).
    async fn append(&self, events: &[EventEnvelope], now: DateTime<Utc>) -> Result<u64, PortError>;
}

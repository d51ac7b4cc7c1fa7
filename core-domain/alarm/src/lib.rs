//! The `alarm` context: alarms stored from domain events by a consumer group that dedupes by
//! event id (an inbox), then listed (unread, newest first), counted and marked read by their
//! receiver. One module per seam: [`model`], [`ports`], [`incoming`] (event → alarm),
//! [`service`], and [`exam`] (the daily exam reminders this context publishes itself).

mod error;
pub mod exam;
pub mod incoming;
pub mod model;
pub mod ports;
pub mod service;

#[cfg(feature = "testkit")]
#[allow(clippy::expect_used, clippy::unwrap_used)]
pub mod testkit;

use cercat_community::events::{COMMENT_LIKED_TOPIC, POST_COMMENTED_TOPIC, POST_LIKED_TOPIC};

pub use error::AlarmError;
pub use incoming::alarm_for;
pub use model::{Alarm, AlarmNotice, AlarmType, AlarmView, NewAlarm, like_alarm_key};
pub use ports::{AlarmRepository, CertificateNames, ReminderOutbox};
pub use service::AlarmService;

/// The consumer group (and inbox name) that stores alarms.
pub const ALARM_CONSUMER: &str = "alarm.store";
/// The topics alarms come from.
pub const ALARM_TOPICS: &[&str] = &[
    POST_LIKED_TOPIC,
    COMMENT_LIKED_TOPIC,
    POST_COMMENTED_TOPIC,
    exam::EXAM_ALARM_TOPIC,
    cercat_course::events::ENROLLMENT_TOPIC,
    cercat_market::events::ORDER_TOPIC,
];
/// Most ids one mark-read call takes.
pub const MAX_READ_IDS: usize = 500;
/// Most alarms a reconnecting stream is sent from its `Last-Event-ID` (older ones are in the list).
pub const MAX_REPLAY: u64 = 100;

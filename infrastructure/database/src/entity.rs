//! sea-orm entities. They never leave this crate: repositories convert them to domain types.

pub mod certificate;
pub mod email_code;
pub mod exam_schedule;
pub mod interest;
pub mod job_run;
pub mod lease;
pub mod mail;
pub mod outbox_event;
pub mod subject;
pub mod user;

//! The `certificate` context: certificates with their subjects and pass criteria, their exam
//! schedules (next/previous exam, chunked and restartable imports from the public-data feed
//! and from Q-Net's API, whose rounds fill every certificate of a series), users'
//! interest certificates, and the boards (one per certificate) users favourite. Schedule and
//! interest changes go out as [`events`].

pub mod boards;
pub mod error;
pub mod events;
pub mod import;
pub mod interest;
pub mod model;
pub mod ports;
pub mod qnet;
pub mod schedule;
pub mod service;

#[cfg(feature = "testkit")]
pub mod testkit;

#[cfg(test)]
mod tests;

pub use boards::{Board, BoardService};
pub use error::{CertificateError, ScheduleError};
pub use import::{ChunkDraft, Prepared, ScheduleImporter, SeriesCache};
pub use interest::{Interest, InterestPriority};
pub use model::{Certificate, CertificateDraft, CertificateSummary, PassCriteria, Subject};
pub use qnet::{QnetRound, QnetSchedule, StageDates};
pub use schedule::{ExamFees, ExamSchedule, ExamScheduleDraft, ExamTimeLimits, UpsertOutcome};
pub use service::CertificateService;

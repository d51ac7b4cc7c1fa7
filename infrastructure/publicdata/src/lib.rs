//! The adapter of the certificate context's
//! [`ExamScheduleFeed`](cercat_certificate::ports::ExamScheduleFeed) port: [`FeedReader`] reads
//! the public-data exam-schedule feed from a file or over HTTP(S) — bounded in size and time,
//! redirects only on the same host — and splits its JSON or CSV (`docs/exam-schedule-feed.md`)
//! into rows, each read on its own so one bad row is reported with its line and the rest still
//! import. [`QnetClient`] reads Q-Net's exam-schedule API page by page (JSON or XML), within
//! a daily call quota, retrying 429/5xx with back-off, never showing its service key.

#![deny(missing_docs)]

mod download;
mod format;
mod qnet;
mod reader;

pub use qnet::{QNET_DEP, QNET_QUOTA, QnetClient, QnetOptions};
pub use reader::{FeedOptions, FeedReader};

/// The dependency name in [`PortError`](cercat_common::PortError)s raised by this crate.
pub const DEP: &str = "exam-schedule feed";

/// Largest feed accepted (the real one is a few hundred KB).
pub const MAX_FEED_BYTES: usize = 20 * 1024 * 1024;

//! The `community` context: per-certificate boards of posts (NORMAL, TIP with tags, COMMENTARY
//! tied to one mock-exam question), images, comments with one reply level, likes with exact
//! counters, keyword search over an n-gram token index that works the same on MySQL/MariaDB
//! and SQLite, search keywords (recent, autocomplete, trending), and exam [`reviews`]. Likes
//! and comments on someone else's content go out as [`events`] (their alarms).

pub mod commentary;
pub mod error;
pub mod events;
pub mod keywords;
pub mod model;
pub mod ports;
pub mod reviews;
pub use cercat_common::search;
pub mod service;

#[cfg(feature = "testkit")]
#[allow(clippy::expect_used, clippy::unwrap_used)]
pub mod testkit;

pub use commentary::PostView;
pub use error::CommunityError;
pub use model::{Comment, LikeTarget, Post, PostDraft, PostKind, Tag, TagType};
pub use service::{CommunityNeighbours, CommunityService};

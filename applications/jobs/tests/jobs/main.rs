//! The jobs over a real (SQLite) database, as `cercat-batch` runs them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod recommendations;
mod scheduler;

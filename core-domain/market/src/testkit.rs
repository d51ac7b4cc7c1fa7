//! The market's port contracts (every adapter runs them: SQLite and MariaDB in the database
//! crate's tests, Redis and the in-process counter in theirs) and in-memory stand-ins for
//! service tests.

pub mod memory;
pub mod orders;
pub mod products;
pub mod views;

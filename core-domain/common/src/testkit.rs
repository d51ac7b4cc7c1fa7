//! Shared contract suites (enabled with the `testkit` feature): every adapter of a port runs
//! the same assertions, so Redis, SQL and in-process implementations keep one contract.
//! Each suite panics with a message naming the broken promise.

pub mod cache_contract;
pub mod events_contract;
pub mod fakes;
pub mod idempotency_contract;
pub mod lease_contract;
pub mod ratelimit_contract;

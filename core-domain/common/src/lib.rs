//! Cercat's shared kernel: errors, typed ids, money, paging, the clock and the Seoul calendar,
//! domain events, and the cross-cutting ports (cache, lease lock, event bus, outbox and its
//! backlog, broadcast, rate limiter, idempotency keys, mail queue, the operators' audit log,
//! object storage, job runs, daily call quotas, health checks) that every context and every program relies on. No I/O lives here: adapters
//! implement these traits in `infrastructure/*`.

pub mod audit;
pub mod backlog;
pub mod broadcast;
pub mod cache;
pub mod calendar;
pub mod clock;
pub mod error;
pub mod events;
pub mod health;
pub mod id;
pub mod idempotency;
pub mod jobs;
pub mod lease;
pub mod mail;
pub mod money;
pub mod outbox;
pub mod paging;
pub mod payment;
pub mod quota;
pub mod ratelimit;
pub mod search;
pub mod shutdown;
pub mod storage;

#[cfg(feature = "testkit")]
#[allow(clippy::expect_used, clippy::unwrap_used)]
pub mod testkit;

pub use error::{DomainError, ErrorDoc, ErrorKind, PortError};
pub use id::{Id, IdError, IdKind};
pub use money::{Money, MoneyError, Percent};

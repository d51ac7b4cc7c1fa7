//! In-process adapters for the ports a scaled-out deployment gets from Redis and Kafka:
//! a TTL cache, a lease lock, an event bus with consumer groups, a broadcast channel, refresh
//! tokens and rate limits, search keywords, waiting rooms, the market's view counter, and a
//! memory front for the session revocations embedded mode keeps in SQLite. Single node, no
//! servers; they keep the same contracts (the shared suites in the domain crates' testkits
//! prove it).

mod auth;
mod broadcast;
mod bus;
mod cache;
mod keywords;
mod lease;
mod revocations;
mod room;
mod views;

pub use auth::{MemoryRateLimiter, MemoryRefreshStore};
pub use broadcast::MemoryBroadcast;
pub use bus::InProcessBus;
pub use cache::MemoryCache;
pub use keywords::MemoryKeywordStore;
pub use lease::MemoryLeaseLock;
pub use revocations::CachedRevocations;
pub use room::{MemoryWaitingRoom, admission_step};
pub use views::MemoryViewCounter;

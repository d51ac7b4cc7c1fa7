//! deadpool-redis adapters for the ports production keeps in Redis: the cache, the lease lock,
//! refresh tokens, rate limits and session revocations, the broadcast between api instances,
//! search keywords, waiting rooms, the courses' seat gate, the first-come claim gate and the market's view counter.
//! Every call — taking a pooled connection plus the command — runs under one timeout (the
//! pool itself has none for responses), and every key carries the deployment's prefix.

mod auth;
mod broadcast;
mod cache;
mod claim_gate;
mod client;
mod keywords;
mod lease;
mod room;
mod seat_gate;
mod views;

pub use auth::{RedisRateLimiter, RedisRefreshStore, RedisSessionRevocations};
pub use broadcast::RedisBroadcast;
pub use cache::RedisCache;
pub use claim_gate::RedisClaimGate;
pub use client::{RedisClient, RedisOptions};
pub use keywords::RedisKeywordStore;
pub use lease::RedisLeaseLock;
pub use room::RedisWaitingRoom;
pub use seat_gate::RedisSeatGate;
pub use views::RedisViewCounter;

//! The adapters that differ by profile: in-process ones for one node, Redis and Kafka for a
//! scaled-out deployment.

use std::sync::Arc;

use cercat_common::{
    broadcast::Broadcast,
    cache::Cache,
    events::{DeadLetterQueue, EventConsumer, EventPublisher},
    health::HealthCheck,
    lease::LeaseLock,
    ratelimit::RateLimiter,
};
use cercat_community::ports::KeywordStore;
use cercat_config::{ExposeSecret, Settings, redact_url};
use cercat_course::ports::WaitingRoom;
use cercat_database::{Db, SqlDeadLetterQueue, SqlLeaseLock, SqlRefreshStore, SqlSessionRevocations};
use cercat_embedded::{
    CachedRevocations, InProcessBus, MemoryBroadcast, MemoryCache, MemoryKeywordStore, MemoryRateLimiter,
    MemoryWaitingRoom,
};
use cercat_kafka::{KafkaConsumer, KafkaDeadLetters, KafkaOptions, KafkaPublisher};
use cercat_redis::{
    RedisBroadcast, RedisCache, RedisClient, RedisKeywordStore, RedisLeaseLock, RedisOptions, RedisRateLimiter,
    RedisRefreshStore, RedisSessionRevocations, RedisWaitingRoom,
};
use cercat_user::ports::{RefreshTokenStore, SessionRevocations};

use crate::{BootstrapError, fail, ms};

/// The adapters that differ between one node and a scaled-out deployment.
pub(super) struct ProfileAdapters {
    pub(super) cache: Arc<dyn Cache>,
    pub(super) lease: Arc<dyn LeaseLock>,
    pub(super) publisher: Arc<dyn EventPublisher>,
    pub(super) consumer: Arc<dyn EventConsumer>,
    pub(super) dead_letters: Arc<dyn DeadLetterQueue>,
    pub(super) broadcast: Arc<dyn Broadcast>,
    pub(super) session_ends: Arc<dyn Broadcast>,
    pub(super) refresh: Arc<dyn RefreshTokenStore>,
    pub(super) revocations: Arc<dyn SessionRevocations>,
    pub(super) limiter: Arc<dyn RateLimiter>,
    pub(super) keywords: Arc<dyn KeywordStore>,
    pub(super) room: Arc<dyn WaitingRoom>,
    pub(super) seat_gate: Arc<dyn cercat_course::gate::SeatGate>,
    pub(super) claim_gate: Arc<dyn cercat_coupon::first_come::ClaimGate>,
    pub(super) views: Arc<dyn cercat_market::ports::ViewCounter>,
}

impl ProfileAdapters {
    /// In-process cache and bus; leases, refresh tokens and ended sessions in the database so
    /// the api, `batch serve` and `cercat-admin` sharing one SQLite file coordinate.
    pub(super) fn embedded(db: &Db) -> Self {
        let bus = Arc::new(InProcessBus::default());
        Self {
            cache: Arc::new(MemoryCache::default()),
            lease: Arc::new(SqlLeaseLock::new(db.clone())),
            publisher: bus.clone(),
            consumer: bus,
            // The in-process bus keeps nothing across restarts; the table does, and
            // `cercat-admin dlq` (another process) reads it.
            dead_letters: Arc::new(SqlDeadLetterQueue::new(db.clone())),
            broadcast: Arc::new(MemoryBroadcast::default()),
            session_ends: Arc::new(MemoryBroadcast::default()),
            // In the database: sessions outlive an api restart, and `cercat-admin` (another
            // process) ending a user's sessions ends the api's too.
            refresh: Arc::new(SqlRefreshStore::new(db.clone())),
            // In the database, not the process's cache: `cercat-admin serve` is another
            // process and must refuse a token logged out on the api, and cache pressure must
            // never evict a revocation.
            // Fronted by memory: this process's own logouts count at once, other processes'
            // within a second, and most checks cost no query.
            revocations: Arc::new(CachedRevocations::new(Arc::new(SqlSessionRevocations::new(db.clone())))),
            limiter: Arc::new(MemoryRateLimiter::new()),
            keywords: Arc::new(MemoryKeywordStore::default()),
            room: Arc::new(MemoryWaitingRoom::default()),
            seat_gate: Arc::new(cercat_course::gate::LocalSeatGate::default()),
            claim_gate: Arc::new(cercat_coupon::first_come::LocalGate::default()),
            views: Arc::new(cercat_embedded::MemoryViewCounter::default()),
        }
    }

    /// Redis cache and leases, Kafka bus. Both connect lazily.
    pub(super) fn production(
        settings: &Settings,
        health: &mut Vec<Arc<dyn HealthCheck>>,
    ) -> Result<Self, BootstrapError> {
        // Validation requires the URL in production; an empty one fails with its own message.
        let redis_url = settings.redis.url.as_ref().map(|u| u.expose_secret().to_owned()).unwrap_or_default();
        let redis = RedisClient::new(&RedisOptions {
            url: redis_url.clone(),
            pool_size: settings.redis.pool_size,
            timeout: ms(settings.redis.timeout_ms),
            key_prefix: settings.redis.key_prefix.clone(),
        })
        .map_err(fail(format!("redis {}", redact_url(&redis_url))))?;
        let kafka = KafkaOptions {
            brokers: settings.kafka.brokers.clone().unwrap_or_default(),
            topic_prefix: settings.kafka.topic_prefix.clone(),
            client_id: settings.kafka.client_id.clone(),
            timeout: ms(settings.kafka.timeout_ms),
            fetch_wait: ms(settings.kafka.fetch_wait_ms),
        };
        let publisher = Arc::new(KafkaPublisher::new(&kafka).map_err(fail(format!("kafka {}", kafka.brokers)))?);
        health.push(Arc::new(redis.clone()));
        health.push(publisher.clone());
        Ok(Self {
            cache: Arc::new(RedisCache::new(redis.clone())),
            refresh: Arc::new(RedisRefreshStore::new(redis.clone())),
            revocations: Arc::new(RedisSessionRevocations::new(redis.clone())),
            session_ends: Arc::new(RedisBroadcast::new(redis.clone(), "sessions")),
            limiter: Arc::new(RedisRateLimiter::new(redis.clone())),
            keywords: Arc::new(RedisKeywordStore::new(redis.clone())),
            room: Arc::new(RedisWaitingRoom::new(redis.clone())),
            seat_gate: Arc::new(cercat_redis::RedisSeatGate::new(redis.clone())),
            claim_gate: Arc::new(cercat_redis::RedisClaimGate::new(redis.clone())),
            views: Arc::new(cercat_redis::RedisViewCounter::new(redis.clone())),
            broadcast: Arc::new(RedisBroadcast::new(redis.clone(), "alarms")),
            lease: Arc::new(RedisLeaseLock::new(redis)),
            dead_letters: Arc::new(KafkaDeadLetters::new((*publisher).clone())),
            publisher,
            consumer: Arc::new(KafkaConsumer::new(&kafka)),
        })
    }
}

//! The pool, the per-call timeout and error translation.

use async_trait::async_trait;
use cercat_common::{PortError, health::HealthCheck};
use deadpool_redis::{
    Config, Pool, Runtime,
    redis::{Cmd, FromRedisValue, Script, ScriptInvocation},
};
use std::time::Duration;

const DEP: &str = "redis";

/// How to reach Redis.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// `redis://host:6379/0`.
    pub url: String,
    /// Pool size.
    pub pool_size: usize,
    /// Upper bound on one call (connection checkout + command).
    pub timeout: Duration,
    /// Prefix of every key.
    pub key_prefix: String,
}

/// A pooled client. Cheap to clone.
#[derive(Clone)]
pub struct RedisClient {
    pool: Pool,
    timeout: Duration,
    prefix: String,
    url: String,
}

impl std::fmt::Debug for RedisClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisClient").field("prefix", &self.prefix).field("timeout", &self.timeout).finish()
    }
}

impl RedisClient {
    /// Builds the pool (connections open lazily; use [`HealthCheck::check`] to probe).
    pub fn new(options: &RedisOptions) -> Result<Self, PortError> {
        let pool = Config::from_url(options.url.clone())
            .builder()
            .map_err(|e| PortError::unavailable(DEP, format!("bad redis config: {e}")))?
            .max_size(options.pool_size)
            .wait_timeout(Some(options.timeout))
            .create_timeout(Some(options.timeout))
            .recycle_timeout(Some(options.timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| PortError::unavailable(DEP, format!("cannot build the redis pool: {e}")))?;
        Ok(Self { pool, timeout: options.timeout, prefix: options.key_prefix.clone(), url: options.url.clone() })
    }

    /// `key` with the deployment prefix.
    pub fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The per-call timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Opens a dedicated pub/sub connection (outside the pool: it stays subscribed), under the timeout.
    pub async fn pubsub(&self) -> Result<deadpool_redis::redis::aio::PubSub, PortError> {
        let client =
            deadpool_redis::redis::Client::open(self.url.as_str()).map_err(|e| PortError::unavailable(DEP, e))?;
        tokio::time::timeout(self.timeout, client.get_async_pubsub())
            .await
            .map_err(|_| PortError::timeout(DEP, self.timeout))?
            .map_err(|e| PortError::unavailable(DEP, e))
    }

    /// Runs one command under the timeout.
    pub async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, PortError> {
        let call = async {
            let mut conn = self.pool.get().await.map_err(|e| PortError::unavailable(DEP, e))?;
            cmd.query_async::<T>(&mut conn).await.map_err(|e| PortError::unavailable(DEP, e))
        };
        tokio::time::timeout(self.timeout, call).await.map_err(|_| PortError::timeout(DEP, self.timeout))?
    }

    /// Runs a Lua script (EVALSHA, loading it on NOSCRIPT) under the timeout.
    pub async fn invoke<T: FromRedisValue>(&self, invocation: &ScriptInvocation<'_>) -> Result<T, PortError> {
        let call = async {
            let mut conn = self.pool.get().await.map_err(|e| PortError::unavailable(DEP, e))?;
            invocation.invoke_async::<T>(&mut conn).await.map_err(|e| PortError::unavailable(DEP, e))
        };
        tokio::time::timeout(self.timeout, call).await.map_err(|_| PortError::timeout(DEP, self.timeout))?
    }

    /// A script handle (hash computed once).
    pub fn script(source: &str) -> Script {
        Script::new(source)
    }
}

#[async_trait]
impl HealthCheck for RedisClient {
    fn name(&self) -> &'static str {
        DEP
    }

    async fn check(&self) -> Result<(), PortError> {
        let pong: String = self.query(&deadpool_redis::redis::cmd("PING")).await?;
        if pong == "PONG" { Ok(()) } else { Err(PortError::unavailable(DEP, format!("PING answered {pong}"))) }
    }
}

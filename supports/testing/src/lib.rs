//! Test-only helpers shared by the adapter and API test suites: a fresh MariaDB database per
//! test (dropped afterwards), Redis key prefixes, the server addresses CI provides, and a
//! local fake of Q-Net's exam-schedule API ([`qnet`]).
//! Override the servers with `CERCAT_TEST_MYSQL_URL` and `CERCAT_TEST_REDIS_URL`.

#![allow(clippy::expect_used)]

use sea_orm::{ConnectionTrait, Database};

pub mod qnet;

/// The MariaDB/MySQL server tests use (no database in the URL).
pub fn mysql_server_url() -> String {
    std::env::var("CERCAT_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".to_owned())
}

/// The Redis server tests use.
pub fn redis_url() -> String {
    std::env::var("CERCAT_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A unique prefix for keys/names, so tests sharing one server never see each other's data.
pub fn unique_prefix(tag: &str) -> String {
    format!("test:{tag}:{}:", uuid::Uuid::new_v4().simple())
}

/// A database created for one test and dropped when this value is dropped.
#[derive(Debug)]
pub struct TestMysql {
    name: String,
    url: String,
}

impl TestMysql {
    /// Creates an empty `utf8mb4` database with a unique name. Panics with a hint if the
    /// server cannot be reached (such tests are `#[ignore = "needs MariaDB…"]`).
    pub async fn fresh() -> Self {
        let server = mysql_server_url();
        let name = format!("cercat_t_{}", uuid::Uuid::new_v4().simple());
        let conn = Database::connect(server.as_str())
            .await
            .unwrap_or_else(|e| panic!("cannot reach MariaDB at {server} (set CERCAT_TEST_MYSQL_URL): {e}"));
        conn.execute_unprepared(&format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
            .await
            .expect("create the test database");
        let _ = conn.close().await;
        Self { url: format!("{}/{name}", server.trim_end_matches('/')), name }
    }

    /// `mysql://…/<fresh database>`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestMysql {
    fn drop(&mut self) {
        let server = mysql_server_url();
        let name = self.name.clone();
        // Drop runs outside any runtime we could borrow: use a throwaway one on a thread.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                if let Ok(conn) = Database::connect(server.as_str()).await {
                    let _ = conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS `{name}`")).await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

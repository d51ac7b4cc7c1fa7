//! Production mode: MariaDB + Redis (CI's local servers) + Kafka (librdkafka's mock cluster).
//! The study, community and course behaviours run here too, each on a fresh deployment
//! (`helpers::in_both_modes!`); the flows below share one.

use crate::helpers::*;
use cercat_alarm::exam::EXAM_ALARM_TOPIC;
use cercat_certificate::{interest::INTEREST_TOPIC, ports::SCHEDULE_TOPIC};
use cercat_common::events::Received;
use cercat_community::events::{COMMENT_LIKED_TOPIC, POST_COMMENTED_TOPIC, POST_LIKED_TOPIC};
use cercat_config::Profile;
use cercat_kafka::DEAD_LETTER_TOPIC;
use cercat_mockexam::ports::RESULT_TOPIC;
use rdkafka::{mocking::MockCluster, producer::DefaultProducerContext};
use std::time::Duration as StdDuration;

/// What instances of one deployment share: the database, the Kafka cluster, the Redis prefix,
/// and a fake Toss server (the production profile refuses the payment simulator).
pub struct Deployment {
    pub database: std::sync::Arc<cercat_testing::TestMysql>,
    pub cluster: std::rc::Rc<MockCluster<'static, DefaultProducerContext>>,
    pub redis_prefix: String,
    pub toss: std::rc::Rc<cercat_payment::fake::FakeToss>,
}

impl Deployment {
    pub async fn new() -> Self {
        let database = cercat_testing::TestMysql::fresh().await;
        let cluster: MockCluster<'static, DefaultProducerContext> = MockCluster::new(1).unwrap();
        for topic in [
            SCHEDULE_TOPIC,
            INTEREST_TOPIC,
            RESULT_TOPIC,
            POST_LIKED_TOPIC,
            COMMENT_LIKED_TOPIC,
            POST_COMMENTED_TOPIC,
            EXAM_ALARM_TOPIC,
            DEAD_LETTER_TOPIC,
            cercat_course::events::ENROLLMENT_TOPIC,
            cercat_market::events::ORDER_TOPIC,
        ] {
            cluster.create_topic(&format!("cercat.{topic}"), 3, 1).unwrap();
        }
        Self {
            database: std::sync::Arc::new(database),
            cluster: std::rc::Rc::new(cluster),
            redis_prefix: cercat_testing::unique_prefix("api"),
            toss: std::rc::Rc::new(cercat_payment::fake::FakeToss::start()),
        }
    }

    /// One more API instance of the deployment (the first one migrates and seeds).
    pub async fn instance(&self) -> TestApp {
        self.instance_with(|_| {}).await
    }

    /// Like [`Self::instance`], with settings changed by `tune`.
    pub async fn instance_with(&self, tune: impl FnOnce(&mut cercat_config::Settings)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings(Profile::Production, &dir);
        s.database.url = Some(self.database.url().into());
        s.database.migrate_on_start = true;
        s.redis.url = Some(cercat_testing::redis_url().into());
        s.redis.key_prefix = self.redis_prefix.clone();
        s.kafka.brokers = Some(self.cluster.bootstrap_servers());
        // The mock cluster holds an empty fetch for all of it, even when an event arrives.
        s.kafka.fetch_wait_ms = 50;
        s.storage.url = Some(url::Url::from_directory_path(dir.path().join("objects")).unwrap().to_string());
        s.seed.demo_on_start = true;
        // No `cercat-batch serve` runs beside a test instance: the api relays and mails.
        s.jobs.workers_in_process = true;
        s.auth.jwt_secret = Some("test-secret-test-secret-test-secret-1".into());
        s.mail.smtp_url = Some("smtp://127.0.0.1:1".into());
        s.payment.gateway = cercat_config::PaymentGatewaySetting::Toss;
        s.payment.toss_base_url = self.toss.base_url();
        s.payment.toss_secret_key = Some(self.toss.secret_key().into());
        s.payment.webhook_secret = Some("webhook-secret-0123456789".into());
        tune(&mut s);
        spawn(s, dir, vec![Box::new(self.database.clone()), Box::new(self.cluster.clone())]).await
    }
}

async fn spawn_production() -> TestApp {
    Deployment::new().await.instance().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
async fn production_mode_serves_the_slice_over_mysql_redis_and_kafka() {
    let app = spawn_production().await;
    assert_eq!(app.get_json("/health/ready", 200).await["result"], serde_json::json!({ "status": "UP" }));
    let email = format!("ops-{}@example.com", uuid::Uuid::new_v4().simple());
    let nickname = format!("ops{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    app.state
        .accounts
        .create_account(&email, "correct-horse-battery", &nickname, cercat_user::Role::Admin)
        .await
        .unwrap();
    let admin = app.log_in(&email, "correct-horse-battery").await["accessToken"].as_str().unwrap().to_owned();
    let res = app.client.get(format!("{}/health/ready", app.base)).header("Access-Token", admin).send().await.unwrap();
    let ready = assert_json(res, 200).await;
    for dep in ["database", "redis", "kafka", "storage"] {
        assert_eq!(ready["result"]["checks"][dep]["status"], "UP", "{dep}: {ready}");
    }
    let list = app.get_json("/api/v2/certificates", 200).await;
    assert_eq!(list["result"].as_array().unwrap().len(), 3);
    // Twice: the second read comes from Redis and must be identical.
    let first = app.get_json("/api/v2/certificates/1", 200).await;
    let second = app.get_json("/api/v2/certificates/1", 200).await;
    assert_eq!(first, second);
    assert_eq!(first["result"]["maxScore"], 500);
    app.get_json("/api/v2/certificates/1/certificate-exams", 200).await;
    let body = app.get_json("/api/v2/certificates/777", 404).await;
    assert_eq!(body["responseCode"], "CRT_001");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
async fn outbox_events_reach_kafka_and_are_marked_sent() {
    let app = spawn_production().await;
    let mut sub = app.state.services.events.consumer.subscribe("api-test", &[SCHEDULE_TOPIC]).await.unwrap();
    let draft = schedule_draft(3, 2036, 2);
    app.state.certificates.import_schedule(&draft).await.unwrap();
    let mut found = false;
    for _ in 0..60 {
        let Some(Received::Event(d)) = sub.next(StdDuration::from_millis(500)).await.unwrap() else { continue };
        sub.commit(&d.position).await.unwrap();
        if d.event.payload["examYear"] == 2036 {
            assert_eq!(d.key.as_deref(), Some(d.event.aggregate_id.as_str()), "keyed by aggregate id");
            found = true;
            break;
        }
    }
    assert!(found, "the relay publishes the outbox row to Kafka");
    for _ in 0..50 {
        if app.state.services.backlog.unsent().await.unwrap() == 0 {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("rows acknowledged by Kafka must be marked sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
async fn many_concurrent_readers_all_get_the_same_answer() {
    let app = spawn_production().await;
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let client = app.client.clone();
            let url = format!("{}/api/v2/certificates/{}", app.base, 1 + i % 3);
            tokio::spawn(async move { client.get(url).send().await.unwrap().status().as_u16() })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
async fn identity_core_flows_on_mariadb_and_redis() {
    let app = spawn_production().await;
    crate::auth::core_flows(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
async fn exam_reviews_and_alarms_on_mariadb_and_redis() {
    let app = spawn_production().await;
    crate::community::exam_review_flows(&app).await;
    crate::community::alarm_flows(&app).await;
}

// Separate apps (each with its own Redis prefix) keep every test under the sign-up throttle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
async fn community_counters_stay_exact_on_mariadb() {
    let app = spawn_production().await;
    crate::community::counters_stay_exact_under_storms(&app).await;
    crate::community::purging_a_member_keeps_counters_exact(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
async fn search_features_on_redis() {
    let app = spawn_production().await;
    crate::community::search_feature_flows(&app).await;
}

/// Two API instances: an alarm for a user reaches that user's stream on either instance;
/// when one instance stops, its users' alarms are still stored and shown on reconnect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
async fn alarms_fan_out_across_instances_and_survive_one_stopping() {
    let deployment = Deployment::new().await;
    let a = deployment.instance().await;
    let mut b = deployment.instance().await;
    crate::alarms::stream_flow(&a, &b).await;
    crate::alarms::session_stream_flow(&a, &b).await;
    crate::alarms::instance_stop_flow(&a, &mut b).await;
}

/// Kafka down while events are produced: the API keeps answering, events wait in the outbox
/// (lag visible in /metrics), and after Kafka returns every alarm arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
async fn events_produced_while_kafka_is_down_are_delivered_once_it_returns() {
    let deployment = Deployment::new().await;
    let app = deployment.instance().await;
    crate::alarms::kafka_outage_flow(&app, &deployment.cluster).await;
}

/// A member that stored alarms but died before committing: the events come again (to it after
/// a restart, and to the group's other member meanwhile) and every alarm is stored once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
async fn a_consumer_killed_mid_batch_stores_no_duplicates() {
    let app = spawn_production().await;
    crate::alarms::killed_consumer_flow(&app).await;
}

/// A message that is not an event, and an alarm event with a broken payload, go to the
/// dead-letter topic; the events after them flow; /metrics counts them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
async fn poison_messages_go_to_the_dead_letter_topic_and_the_rest_flow() {
    let deployment = Deployment::new().await;
    let app = deployment.instance().await;
    crate::alarms::poison_flow(&app, &deployment.cluster.bootstrap_servers()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
async fn like_unlike_cycles_make_one_alarm_over_mariadb_and_kafka() {
    let app = spawn_production().await;
    crate::alarms::like_cycle_flow(&app).await;
}

//! The Kafka adapters over the real Kafka protocol, against librdkafka's in-process mock
//! cluster (no server needed, so these always run).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cercat_common::{
    ErrorKind,
    events::{EventConsumer, EventPublisher},
    health::HealthCheck,
    testkit::events_contract::{self, receive},
};
use cercat_kafka::*;
use rdkafka::{mocking::MockCluster, producer::DefaultProducerContext};
use std::time::Duration;

fn options(cluster: &MockCluster<'static, DefaultProducerContext>, timeout: Duration) -> KafkaOptions {
    KafkaOptions {
        brokers: cluster.bootstrap_servers(),
        topic_prefix: "test.".into(),
        client_id: "cercat-test".into(),
        timeout,
        fetch_wait: Duration::from_millis(50),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_keeps_the_event_bus_contract() {
    let cluster = MockCluster::new(3).unwrap();
    cluster.create_topic("test.contract", 3, 1).unwrap();
    let opts = options(&cluster, Duration::from_secs(5));
    let publisher = KafkaPublisher::new(&opts).unwrap();
    publisher.check().await.expect("the mock cluster answers metadata");
    events_contract::run_all(&publisher, &KafkaConsumer::new(&opts), "contract").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_member_resumes_after_its_last_commit() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("test.resume", 1, 1).unwrap();
    let opts = options(&cluster, Duration::from_secs(5));
    let publisher = KafkaPublisher::new(&opts).unwrap();
    let consumer = KafkaConsumer::new(&opts);
    let events = events_contract::sample_events("resume", 10);
    for e in &events {
        publisher.publish(e).await.unwrap();
    }
    let mut first = consumer.subscribe("resumers", &["resume"]).await.unwrap();
    let got = receive(first.as_mut(), 4, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 4);
    first.commit(&got[3].position).await.unwrap();
    drop(first);

    let mut second = consumer.subscribe("resumers", &["resume"]).await.unwrap();
    let rest = receive(second.as_mut(), 6, Duration::from_secs(30)).await;
    let ids: Vec<_> = rest.iter().map(|d| d.event.id).collect();
    let expected: Vec<_> = events[4..].iter().map(|e| e.id).collect();
    assert_eq!(ids, expected, "the new member starts right after the committed offset");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_broker_fails_the_publish_within_its_timeout() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("test.down", 1, 1).unwrap();
    let publisher = KafkaPublisher::new(&options(&cluster, Duration::from_millis(1500))).unwrap();
    let event = events_contract::sample_events("down", 1).remove(0);
    publisher.publish(&event).await.expect("publishes while the broker is up");
    cluster.broker_down(1).unwrap();
    let started = std::time::Instant::now();
    let err = publisher.publish(&event).await.expect_err("no acknowledgement while the broker is down");
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    cluster.broker_up(1).unwrap();
    let mut ok = false;
    for _ in 0..10 {
        if publisher.publish(&event).await.is_ok() {
            ok = true;
            break;
        }
    }
    assert!(ok, "publishes again once the broker is back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_wait_on_their_topic_until_resolved() {
    use cercat_common::events::{DeadLetter, DeadLetterQueue};
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic(&format!("test.{DEAD_LETTER_TOPIC}"), 2, 1).unwrap();
    let opts = options(&cluster, Duration::from_secs(5));
    let queue = KafkaDeadLetters::new(KafkaPublisher::new(&opts).unwrap());
    assert_eq!(queue.size().await.unwrap(), 0);
    let events = events_contract::sample_events("orders", 3);
    let letters: Vec<DeadLetter> = events
        .iter()
        .enumerate()
        .map(|(i, e)| DeadLetter {
            id: uuid::Uuid::now_v7(),
            group: format!("group-{}", i % 2),
            topic: "orders".into(),
            key: Some(e.aggregate_id.clone()),
            event: Some(e.clone()),
            payload: None,
            error: "boom".into(),
            attempts: 5,
            failed_at: chrono::Utc::now(),
            position: None,
        })
        .collect();
    for l in &letters {
        queue.add(l).await.unwrap();
    }
    assert_eq!(queue.size().await.unwrap(), 3);
    let pending = queue.pending(10).await.unwrap();
    assert_eq!(pending.len(), 3);
    let mut ids: Vec<_> = pending.iter().map(|l| l.id).collect();
    ids.sort();
    let mut expected: Vec<_> = letters.iter().map(|l| l.id).collect();
    expected.sort();
    assert_eq!(ids, expected, "every letter comes back whole");
    assert!(pending.iter().all(|l| l.position.is_some()));
    // Resolving a prefix leaves the rest waiting, across restarts of the reader.
    queue.resolve(&pending[..1]).await.unwrap();
    assert_eq!(queue.size().await.unwrap(), 2);
    let rest = queue.pending(10).await.unwrap();
    assert_eq!(rest.len(), 2);
    assert!(rest.iter().all(|l| l.id != pending[0].id));
    queue.resolve(&rest).await.unwrap();
    assert_eq!(queue.size().await.unwrap(), 0);
    assert!(queue.pending(10).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_reports_its_lag_and_hands_out_poison_messages() {
    use cercat_common::events::Received;
    use rdkafka::producer::{FutureProducer, FutureRecord};
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("test.lagging", 1, 1).unwrap();
    let opts = options(&cluster, Duration::from_secs(5));
    let publisher = KafkaPublisher::new(&opts).unwrap();
    let raw: FutureProducer =
        rdkafka::ClientConfig::new().set("bootstrap.servers", cluster.bootstrap_servers()).create().unwrap();
    raw.send(FutureRecord::to("test.lagging").key("k").payload("{not an envelope"), Duration::from_secs(5))
        .await
        .unwrap();
    for e in events_contract::sample_events("lagging", 4) {
        publisher.publish(&e).await.unwrap();
    }
    let mut sub = KafkaConsumer::new(&opts).subscribe("laggards", &["lagging"]).await.unwrap();
    let first = loop {
        if let Some(r) = sub.next(Duration::from_millis(500)).await.unwrap() {
            break r;
        }
    };
    let Received::Undecodable(poison) = &first else { panic!("the poison message first: {first:?}") };
    assert_eq!((poison.position.topic.as_str(), poison.key.as_deref()), ("lagging", Some("k")));
    assert_eq!(poison.payload, "{not an envelope");
    sub.commit(first.position()).await.unwrap();
    assert_eq!(sub.lag().await, Some(4), "four events not yet committed");
    let rest = receive(sub.as_mut(), 4, Duration::from_secs(20)).await;
    sub.commit(&rest[3].position).await.unwrap();
    assert_eq!(sub.lag().await, Some(0));
}

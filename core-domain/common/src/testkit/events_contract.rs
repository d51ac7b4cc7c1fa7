//! The [`EventPublisher`] + [`EventConsumer`] contract.

use std::{collections::HashMap, time::Duration};

use crate::events::{Delivery, EventConsumer, EventEnvelope, EventPublisher, EventSubscription, Received};

/// Builds `count` events on `topic` spread over three aggregates.
pub fn sample_events(topic: &str, count: usize) -> Vec<EventEnvelope> {
    (0..count)
        .map(|i| {
            EventEnvelope::new(
                topic,
                "exam_schedule",
                format!("agg-{}", i % 3),
                "ExamScheduleImported",
                serde_json::json!({ "n": i }),
                chrono::Utc::now(),
            )
        })
        .collect()
}

/// Reads until `count` deliveries arrived or `deadline` passed.
pub async fn receive(sub: &mut dyn EventSubscription, count: usize, deadline: Duration) -> Vec<Delivery> {
    let until = tokio::time::Instant::now() + deadline;
    let mut got = Vec::new();
    while got.len() < count && tokio::time::Instant::now() < until {
        match sub.next(Duration::from_millis(500)).await.expect("next must not fail") {
            Some(Received::Event(delivery)) => got.push(delivery),
            Some(Received::Undecodable(u)) => panic!("only events were published, got {u:?}"),
            None => {}
        }
    }
    got
}

/// Two groups subscribe, events are published, each group receives every event exactly with
/// its key = aggregate id and per-aggregate order kept; then commits succeed.
pub async fn run_all(publisher: &dyn EventPublisher, consumer: &dyn EventConsumer, topic: &str) {
    let mut group_a = consumer.subscribe("contract-a", &[topic]).await.expect("subscribe a");
    let mut group_b = consumer.subscribe("contract-b", &[topic]).await.expect("subscribe b");
    let events = sample_events(topic, 30);
    for event in &events {
        publisher.publish(event).await.expect("publish must succeed once acknowledged");
    }
    for (name, sub) in [("a", &mut group_a), ("b", &mut group_b)] {
        let got = receive(sub.as_mut(), events.len(), Duration::from_secs(20)).await;
        assert_eq!(got.len(), events.len(), "group {name} must receive every event");
        let mut by_aggregate: HashMap<String, Vec<usize>> = HashMap::new();
        for delivery in &got {
            assert_eq!(
                delivery.key.as_deref(),
                Some(delivery.event.aggregate_id.as_str()),
                "key must be the aggregate id"
            );
            assert_eq!(delivery.position.topic, topic, "the position names the logical topic");
            let index = events.iter().position(|e| e.id == delivery.event.id).expect("a published event");
            assert_eq!(&events[index], &delivery.event, "the envelope must round-trip unchanged");
            by_aggregate.entry(delivery.event.aggregate_id.clone()).or_default().push(index);
        }
        for (aggregate, order) in by_aggregate {
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(order, sorted, "events of {aggregate} must arrive in publication order");
        }
        for delivery in &got {
            sub.commit(&delivery.position).await.expect("commit");
        }
    }
}

//! An in-process event bus with consumer groups: every group sees every event of its topics,
//! members of one group share them. Bounded: a full group queue refuses the publish, so the
//! outbox keeps the event and the relay retries.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    events::{Delivery, DeliveryPosition, EventConsumer, EventEnvelope, EventPublisher, EventSubscription, Received},
};
use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::Notify;

#[derive(Debug, Default)]
struct GroupQueue {
    items: Mutex<VecDeque<Delivery>>,
    ready: Notify,
}

#[derive(Debug, Default)]
struct Topic {
    next_offset: i64,
    groups: HashMap<String, Arc<GroupQueue>>,
}

/// The bus. Clone the `Arc` to share it between the publisher side (outbox relay) and consumers.
#[derive(Debug)]
pub struct InProcessBus {
    topics: Mutex<HashMap<String, Topic>>,
    capacity_per_group: usize,
}

impl InProcessBus {
    /// A bus whose group queues hold at most `capacity_per_group` undelivered events.
    pub fn new(capacity_per_group: usize) -> Self {
        Self { topics: Mutex::new(HashMap::new()), capacity_per_group: capacity_per_group.max(1) }
    }

    fn topics(&self) -> std::sync::MutexGuard<'_, HashMap<String, Topic>> {
        self.topics.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Default for InProcessBus {
    fn default() -> Self {
        Self::new(100_000)
    }
}

#[async_trait]
impl EventPublisher for InProcessBus {
    /// Accepted once queued for every group subscribed to the topic (a topic nobody
    /// subscribes to accepts and drops the event, like a topic with no consumers).
    async fn publish(&self, event: &EventEnvelope) -> Result<(), PortError> {
        let mut topics = self.topics();
        let topic = topics.entry(event.topic.clone()).or_default();
        if let Some((name, _)) = topic
            .groups
            .iter()
            .find(|(_, q)| q.items.lock().map_or(true, |items| items.len() >= self.capacity_per_group))
        {
            return Err(PortError::unavailable("event bus", format!("the queue of group `{name}` is full")));
        }
        let offset = topic.next_offset;
        topic.next_offset += 1;
        for queue in topic.groups.values() {
            let delivery = Delivery {
                event: event.clone(),
                key: Some(event.aggregate_id.clone()),
                position: DeliveryPosition { topic: event.topic.clone(), partition: 0, offset },
            };
            if let Ok(mut items) = queue.items.lock() {
                items.push_back(delivery);
            }
            queue.ready.notify_one();
        }
        Ok(())
    }
}

#[async_trait]
impl EventConsumer for InProcessBus {
    async fn subscribe(&self, group: &str, topics: &[&str]) -> Result<Box<dyn EventSubscription>, PortError> {
        let mut all = self.topics();
        let queues = topics
            .iter()
            .map(|t| Arc::clone(all.entry((*t).to_owned()).or_default().groups.entry(group.to_owned()).or_default()))
            .collect();
        Ok(Box::new(Subscription { queues, next_queue: 0 }))
    }
}

struct Subscription {
    queues: Vec<Arc<GroupQueue>>,
    next_queue: usize,
}

impl Subscription {
    fn poll(&mut self) -> Option<Delivery> {
        for i in 0..self.queues.len() {
            let index = (self.next_queue + i) % self.queues.len();
            let popped = self.queues[index].items.lock().ok().and_then(|mut items| items.pop_front());
            if popped.is_some() {
                self.next_queue = index + 1;
                return popped;
            }
        }
        None
    }
}

#[async_trait]
impl EventSubscription for Subscription {
    async fn next(&mut self, wait: Duration) -> Result<Option<Received>, PortError> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(delivery) = self.poll() {
                return Ok(Some(Received::Event(delivery)));
            }
            if self.queues.is_empty() {
                return Ok(None);
            }
            let queues = self.queues.clone();
            let any = futures::future::select_all(queues.iter().map(|q| Box::pin(q.ready.notified())));
            if tokio::time::timeout_at(deadline, any).await.is_err() {
                return Ok(self.poll().map(Received::Event));
            }
        }
    }

    /// In-process deliveries are removed when handed out; there is nothing to commit.
    async fn commit(&mut self, _position: &DeliveryPosition) -> Result<(), PortError> {
        Ok(())
    }

    /// Events queued for the group and not yet handed out.
    async fn lag(&mut self) -> Option<u64> {
        Some(self.queues.iter().map(|q| q.items.lock().map_or(0, |items| items.len() as u64)).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cercat_common::testkit::events_contract;

    #[tokio::test]
    async fn keeps_the_event_bus_contract() {
        let bus = InProcessBus::default();
        events_contract::run_all(&bus, &bus, "contract.topic").await;
    }

    #[tokio::test]
    async fn members_of_one_group_share_the_events() {
        let bus = InProcessBus::default();
        let mut a = bus.subscribe("g", &["t"]).await.unwrap();
        let mut b = bus.subscribe("g", &["t"]).await.unwrap();
        for e in events_contract::sample_events("t", 10) {
            bus.publish(&e).await.unwrap();
        }
        let got_a = events_contract::receive(a.as_mut(), 10, Duration::from_millis(300)).await.len();
        let got_b = events_contract::receive(b.as_mut(), 10, Duration::from_millis(300)).await.len();
        assert_eq!(got_a + got_b, 10, "each event goes to one member of the group");
    }

    #[tokio::test]
    async fn a_full_queue_refuses_so_the_outbox_keeps_the_event() {
        let bus = InProcessBus::new(2);
        let _sub = bus.subscribe("slow", &["t"]).await.unwrap();
        let events = events_contract::sample_events("t", 3);
        bus.publish(&events[0]).await.unwrap();
        bus.publish(&events[1]).await.unwrap();
        assert!(matches!(bus.publish(&events[2]).await, Err(PortError::Unavailable { .. })));
    }

    #[tokio::test]
    async fn a_waiting_member_wakes_when_an_event_arrives() {
        let bus = Arc::new(InProcessBus::default());
        let mut sub = bus.subscribe("g", &["t"]).await.unwrap();
        let publisher = Arc::clone(&bus);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let e = events_contract::sample_events("t", 1).remove(0);
            publisher.publish(&e).await.unwrap();
        });
        assert!(sub.next(Duration::from_secs(5)).await.unwrap().is_some());
    }
}

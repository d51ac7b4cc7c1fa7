//! Alarm use cases: storing alarms from events (once per event id) and announcing them, then
//! listing, counting and marking them read for their receiver.

use std::{
    collections::{HashMap, hash_map::Entry},
    sync::Arc,
};

use cercat_common::{
    PortError,
    broadcast::Broadcast,
    events::{EventConsumer, EventEnvelope, EventSource, EventSubscription},
};

use crate::{
    ALARM_CONSUMER, ALARM_TOPICS, AlarmError, MAX_READ_IDS,
    incoming::alarm_for,
    model::{Alarm, AlarmNotice, AlarmView},
    ports::{AlarmRepository, CertificateNames},
};

/// Alarm use cases.
pub struct AlarmService {
    alarms: Arc<dyn AlarmRepository>,
    notices: Arc<dyn Broadcast>,
    names: Arc<dyn CertificateNames>,
    clock: Arc<dyn cercat_common::clock::Clock>,
}

impl AlarmService {
    /// Wires the service; stored alarms are announced on `notices`, and shown with the names
    /// `names` gives their boards.
    pub fn new(
        alarms: Arc<dyn AlarmRepository>,
        notices: Arc<dyn Broadcast>,
        names: Arc<dyn CertificateNames>,
        clock: Arc<dyn cercat_common::clock::Clock>,
    ) -> Self {
        Self { alarms, notices, names, clock }
    }

    /// The board's name; empty when it is gone or cannot be read now (an alarm is still worth
    /// showing without it).
    async fn certificate_name(&self, certificate_id: i64) -> String {
        match self.names.name(certificate_id).await {
            Ok(name) => name.unwrap_or_default(),
            Err(err) => {
                tracing::warn!(%err, certificate_id, "cannot name an alarm's board; showing it without");
                String::new()
            }
        }
    }

    /// An alarm as shown, with its board's name.
    pub async fn view(&self, alarm: Alarm) -> AlarmView {
        let certificate_name = self.certificate_name(alarm.alarm.certificate_id).await;
        AlarmView { alarm, certificate_name }
    }

    /// The alarm an announced notice carries (what [`Self::handle`] published); `None`, logged,
    /// for a notice this instance cannot read.
    pub fn announced(text: &str) -> Option<Alarm> {
        match serde_json::from_str::<AlarmNotice>(text) {
            Ok(notice) => Some(notice.alarm()),
            Err(err) => {
                tracing::warn!(%err, "ignoring a malformed alarm notice");
                None
            }
        }
    }

    /// Stores the alarm `event` stands for, once per event id, then announces it to every API
    /// instance (best effort: the stored alarm is the truth, a missed notice is read on the
    /// client's next list call).
    pub async fn handle(&self, event: &EventEnvelope) -> Result<(), PortError> {
        let alarm = alarm_for(event)?;
        let stored = self.alarms.store_once(ALARM_CONSUMER, &event.id.to_string(), alarm.as_ref()).await?;
        if let (Some(id), Some(alarm)) = (stored, alarm) {
            let notice = AlarmNotice::of(&Alarm { id, alarm, read: false });
            let text = serde_json::to_string(&notice).unwrap_or_default();
            if let Err(err) = self.notices.publish(&text).await {
                tracing::warn!(%err, alarm = id, "cannot announce a stored alarm; the receiver sees it on the next list");
            }
        }
        Ok(())
    }

    /// Announced alarms: what [`Self::handle`] publishes, as every instance receives it.
    /// Ends when the channel's connection is lost; listen again to resume.
    pub async fn notices(&self) -> Result<tokio::sync::mpsc::Receiver<String>, PortError> {
        self.notices.listen().await
    }

    /// The caller's unread alarms, newest first, with their boards' names (each looked up once).
    pub async fn unread(&self, receiver_id: i64) -> Result<Vec<AlarmView>, AlarmError> {
        let alarms = self.alarms.unread(receiver_id, 100).await?;
        let mut names: HashMap<i64, String> = HashMap::new();
        let mut out = Vec::with_capacity(alarms.len());
        for alarm in alarms {
            let id = alarm.alarm.certificate_id;
            if let Entry::Vacant(slot) = names.entry(id) {
                slot.insert(self.certificate_name(id).await);
            }
            let certificate_name = names.get(&id).cloned().unwrap_or_default();
            out.push(AlarmView { alarm, certificate_name });
        }
        Ok(out)
    }

    /// How many unread alarms the caller has.
    pub async fn unread_count(&self, receiver_id: i64) -> Result<u64, AlarmError> {
        Ok(self.alarms.unread_count(receiver_id).await?)
    }

    /// Marks the caller's own alarms read.
    pub async fn mark_read(&self, receiver_id: i64, ids: &[i64]) -> Result<u64, AlarmError> {
        if ids.len() > MAX_READ_IDS {
            return Err(AlarmError::TooMany);
        }
        Ok(self.alarms.mark_read(receiver_id, ids, self.clock.now()).await?)
    }

    /// Joins the alarm consumer group (before the outbox relay starts).
    pub async fn subscribe(consumer: &dyn EventConsumer) -> Result<Box<dyn EventSubscription>, PortError> {
        consumer.subscribe(ALARM_CONSUMER, ALARM_TOPICS).await
    }

    /// Stores alarms from events until `stop` resolves.
    pub async fn run_consumer(
        self: Arc<Self>,
        source: EventSource,
        subscription: Option<Box<dyn EventSubscription>>,
        stop: impl std::future::Future<Output = ()> + Send,
    ) {
        let handle = move |event: EventEnvelope| {
            let this = self.clone();
            async move { this.handle(&event).await }
        };
        cercat_common::events::run_consumer(source, ALARM_CONSUMER, ALARM_TOPICS, subscription, handle, stop).await;
    }
}

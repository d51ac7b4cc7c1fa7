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
    paging::{CursorPage, Keyset, KeysetRequest},
};

use crate::{
    ALARM_CONSUMER, ALARM_TOPICS, AlarmError, MAX_READ_IDS, MAX_REPLAY,
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
        Ok(self.views(alarms).await)
    }

    /// The name the caller's alarm list puts in its cursors: `alarms:unread` when only unread
    /// alarms are listed, `alarms:all` otherwise (one list's cursor is refused on the other).
    pub fn list_name(unread_only: bool) -> &'static str {
        if unread_only { "alarms:unread" } else { "alarms:all" }
    }

    /// The caller's alarms (read or not, unless `unread_only`), newest first by when they
    /// happened, a keyset page at a time; `page` must be parsed for
    /// [`AlarmService::list_name`]`(unread_only)`, whose name the next cursor carries.
    pub async fn page(
        &self,
        receiver_id: i64,
        unread_only: bool,
        page: &KeysetRequest,
    ) -> Result<CursorPage<AlarmView>, AlarmError> {
        let rows = self.alarms.list(receiver_id, unread_only, page.after, page.fetch_limit()).await?;
        let page = CursorPage::from_fetched(rows, page, |a| Keyset { at: a.alarm.occurred_at, id: a.id });
        Ok(CursorPage {
            content: self.views(page.content).await,
            next_cursor: page.next_cursor,
            has_next: page.has_next,
        })
    }

    /// Alarms as shown, with their boards' names (each board looked up once).
    async fn views(&self, alarms: Vec<Alarm>) -> Vec<AlarmView> {
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
        out
    }

    /// The alarms stored for the caller after alarm `last_seen` (a stream's `Last-Event-ID`),
    /// oldest first, at most [`MAX_REPLAY`]: a stream that reconnects sends them before new ones.
    pub async fn missed(&self, receiver_id: i64, last_seen: i64) -> Result<Vec<AlarmView>, AlarmError> {
        let alarms = self.alarms.after_id(receiver_id, last_seen, MAX_REPLAY).await?;
        Ok(self.views(alarms).await)
    }

    /// Where a new stream starts: the id of the caller's newest alarm, 0 when none. A stream
    /// opened without `Last-Event-ID` announces it, so the client has an id to reconnect with
    /// even before its first alarm, and one stored while it reconnects is not missed.
    pub async fn stream_start(&self, receiver_id: i64) -> Result<i64, AlarmError> {
        Ok(self.alarms.latest_id(receiver_id).await?.unwrap_or(0))
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use cercat_common::clock::ManualClock;
    use cercat_community::events::{Activity, POST_COMMENTED_TOPIC};
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::{AlarmType, NewAlarm};

    /// Alarms in memory, stored once per (consumer, event id) like the SQL adapter.
    #[derive(Default)]
    struct MemoryAlarms {
        seen: Mutex<Vec<(String, String)>>,
        alarms: Mutex<Vec<Alarm>>,
        marked_at: Mutex<Option<DateTime<Utc>>>,
    }

    #[async_trait]
    impl AlarmRepository for MemoryAlarms {
        async fn store_once(
            &self,
            consumer: &str,
            event_id: &str,
            alarm: Option<&NewAlarm>,
        ) -> Result<Option<i64>, PortError> {
            let mut seen = self.seen.lock().unwrap();
            let key = (consumer.to_owned(), event_id.to_owned());
            if seen.contains(&key) {
                return Ok(None);
            }
            seen.push(key);
            let Some(alarm) = alarm else { return Ok(None) };
            let mut alarms = self.alarms.lock().unwrap();
            let id = alarms.len() as i64 + 1;
            alarms.push(Alarm { id, alarm: alarm.clone(), read: false });
            Ok(Some(id))
        }
        async fn unread(&self, receiver_id: i64, limit: u64) -> Result<Vec<Alarm>, PortError> {
            let alarms = self.alarms.lock().unwrap();
            let mine = alarms.iter().rev().filter(|a| a.alarm.receiver_id == receiver_id && !a.read);
            Ok(mine.take(limit as usize).cloned().collect())
        }
        async fn list(
            &self,
            receiver_id: i64,
            unread_only: bool,
            after: Option<Keyset>,
            limit: u64,
        ) -> Result<Vec<Alarm>, PortError> {
            let mut mine: Vec<Alarm> = self
                .alarms
                .lock()
                .unwrap()
                .iter()
                .filter(|a| a.alarm.receiver_id == receiver_id && !(unread_only && a.read))
                .filter(|a| after.is_none_or(|k| (a.alarm.occurred_at, a.id) < (k.at, k.id)))
                .cloned()
                .collect();
            mine.sort_by_key(|a| std::cmp::Reverse((a.alarm.occurred_at, a.id)));
            Ok(mine.into_iter().take(limit as usize).collect())
        }
        async fn after_id(&self, receiver_id: i64, after_id: i64, limit: u64) -> Result<Vec<Alarm>, PortError> {
            let alarms = self.alarms.lock().unwrap();
            let mine = alarms.iter().filter(|a| a.alarm.receiver_id == receiver_id && a.id > after_id);
            Ok(mine.take(limit as usize).cloned().collect())
        }
        async fn latest_id(&self, receiver_id: i64) -> Result<Option<i64>, PortError> {
            let alarms = self.alarms.lock().unwrap();
            Ok(alarms.iter().filter(|a| a.alarm.receiver_id == receiver_id).map(|a| a.id).max())
        }
        async fn unread_count(&self, receiver_id: i64) -> Result<u64, PortError> {
            Ok(self.unread(receiver_id, u64::MAX).await?.len() as u64)
        }
        async fn mark_read(&self, receiver_id: i64, ids: &[i64], at: DateTime<Utc>) -> Result<u64, PortError> {
            *self.marked_at.lock().unwrap() = Some(at);
            let mut alarms = self.alarms.lock().unwrap();
            let mine =
                alarms.iter_mut().filter(|a| a.alarm.receiver_id == receiver_id && !a.read && ids.contains(&a.id));
            Ok(mine.map(|a| a.read = true).count() as u64)
        }
    }

    /// Records what is published; fails every publish when `down`.
    #[derive(Default)]
    struct Recorded {
        sent: Mutex<Vec<String>>,
        down: bool,
    }

    #[async_trait]
    impl Broadcast for Recorded {
        async fn publish(&self, message: &str) -> Result<(), PortError> {
            if self.down {
                return Err(PortError::unavailable("redis", "broadcast down"));
            }
            self.sent.lock().unwrap().push(message.to_owned());
            Ok(())
        }
        async fn listen(&self) -> Result<tokio::sync::mpsc::Receiver<String>, PortError> {
            let (tx, rx) = tokio::sync::mpsc::channel(8);
            for text in self.sent.lock().unwrap().iter() {
                tx.try_send(text.clone()).map_err(|e| PortError::unavailable("redis", e))?;
            }
            Ok(rx)
        }
    }

    /// Board 1 is 정보처리기사, board 2 cannot be read now, others are gone; counts lookups.
    #[derive(Default)]
    struct Boards {
        lookups: Mutex<Vec<i64>>,
    }

    #[async_trait]
    impl CertificateNames for Boards {
        async fn name(&self, certificate_id: i64) -> Result<Option<String>, PortError> {
            self.lookups.lock().unwrap().push(certificate_id);
            match certificate_id {
                1 => Ok(Some("정보처리기사".into())),
                2 => Err(PortError::unavailable("database", "certificates down")),
                _ => Ok(None),
            }
        }
    }

    struct Setup {
        service: AlarmService,
        alarms: Arc<MemoryAlarms>,
        notices: Arc<Recorded>,
        boards: Arc<Boards>,
        clock: ManualClock,
    }

    fn setup(broadcast_down: bool) -> Setup {
        let alarms = Arc::new(MemoryAlarms::default());
        let notices = Arc::new(Recorded { down: broadcast_down, ..Recorded::default() });
        let boards = Arc::new(Boards::default());
        let clock = ManualClock::new(Utc::now());
        let service = AlarmService::new(alarms.clone(), notices.clone(), boards.clone(), Arc::new(clock.clone()));
        Setup { service, alarms, notices, boards, clock }
    }

    fn commented(receiver: i64, certificate_id: i64) -> EventEnvelope {
        let activity = Activity {
            receiver_id: receiver,
            actor_id: 8,
            actor_nickname: "홍길동".into(),
            post_id: 9,
            comment_id: Some(3),
            certificate_id,
        };
        let payload = serde_json::to_value(activity).unwrap();
        EventEnvelope::new(POST_COMMENTED_TOPIC, "post", "9", "PostCommented", payload, Utc::now())
    }

    #[tokio::test]
    async fn an_event_is_stored_and_announced_once_however_often_it_is_delivered() {
        let s = setup(false);
        let event = commented(7, 1);
        s.service.handle(&event).await.unwrap();
        s.service.handle(&event).await.unwrap();
        assert_eq!(s.alarms.alarms.lock().unwrap().len(), 1, "a redelivery stores nothing");
        let sent = s.notices.sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 1, "announced once");
        // Every instance reads the notice back as the stored alarm.
        let announced = AlarmService::announced(&sent[0]).expect("a readable notice");
        assert_eq!(announced, s.alarms.alarms.lock().unwrap()[0]);
        assert_eq!((announced.alarm.receiver_id, announced.alarm.alarm_type), (7, AlarmType::NewCommentOnPost));
        let mut rx = s.service.notices().await.unwrap();
        assert_eq!(rx.recv().await.as_deref(), Some(sent[0].as_str()));
        assert_eq!(AlarmService::announced("{not a notice"), None);
    }

    #[tokio::test]
    async fn a_lost_announcement_still_stores_the_alarm_and_a_bad_event_is_an_error() {
        let s = setup(true);
        s.service.handle(&commented(7, 1)).await.expect("the stored alarm is the truth");
        assert_eq!(s.service.unread_count(7).await.unwrap(), 1);
        let mut unknown = commented(7, 1);
        unknown.event_type = "SomethingElse".into();
        assert!(matches!(s.service.handle(&unknown).await, Err(PortError::Corrupt(_))), "dead-lettered, not dropped");
        assert_eq!(s.service.unread_count(7).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn unread_alarms_show_their_boards_names_looked_up_once_per_board() {
        let s = setup(false);
        for board in [1, 1, 2, 3] {
            s.service.handle(&commented(7, board)).await.unwrap();
        }
        s.service.handle(&commented(99, 1)).await.unwrap();
        let unread = s.service.unread(7).await.unwrap();
        let shown: Vec<(i64, &str)> =
            unread.iter().map(|v| (v.alarm.alarm.certificate_id, v.certificate_name.as_str())).collect();
        // Newest first; a board that cannot be read now, or is gone, shows without a name.
        assert_eq!(shown, vec![(3, ""), (2, ""), (1, "정보처리기사"), (1, "정보처리기사")]);
        let mut looked_up = s.boards.lookups.lock().unwrap().clone();
        looked_up.sort_unstable();
        assert_eq!(looked_up, vec![1, 2, 3]);
        let view = s.service.view(unread[2].alarm.clone()).await;
        assert_eq!(view.certificate_name, "정보처리기사");
    }

    #[tokio::test]
    async fn all_alarms_page_by_cursor_newest_first_read_or_not() {
        let s = setup(false);
        for board in [1, 2, 3] {
            s.service.handle(&commented(7, board)).await.unwrap();
        }
        let first = s.service.unread(7).await.unwrap();
        s.service.mark_read(7, &[first[0].alarm.id]).await.unwrap();
        let all = AlarmService::list_name(false);
        let one = s.service.page(7, false, &KeysetRequest::first(all, 2)).await.unwrap();
        assert_eq!((one.content.len(), one.has_next), (2, true));
        let cursor = one.next_cursor.clone().unwrap();
        let two = s.service.page(7, false, &KeysetRequest::parse(all, Some(&cursor), Some(2)).unwrap()).await.unwrap();
        assert_eq!((two.content.len(), two.has_next, two.next_cursor), (1, false, None));
        let ids: Vec<i64> = one.content.iter().chain(&two.content).map(|v| v.alarm.id).collect();
        assert_eq!(ids, first.iter().map(|v| v.alarm.id).collect::<Vec<_>>(), "the read one too, in order");
        let unread = s.service.page(7, true, &KeysetRequest::first(AlarmService::list_name(true), 10)).await.unwrap();
        assert_eq!(unread.content.len(), 2);
        let foreign = KeysetRequest::parse(AlarmService::list_name(true), Some(&cursor), Some(2));
        assert_eq!(foreign.map_err(|e| e.field), Err("cursor"), "an all-alarms cursor on the unread list");
    }

    #[tokio::test]
    async fn marking_read_touches_only_the_callers_alarms_at_the_clocks_time_and_is_bounded() {
        let s = setup(false);
        s.service.handle(&commented(7, 1)).await.unwrap();
        s.service.handle(&commented(8, 1)).await.unwrap();
        s.clock.advance(chrono::Duration::minutes(5));
        assert_eq!(s.service.mark_read(7, &[1, 2, 999]).await.unwrap(), 1);
        assert_eq!(*s.alarms.marked_at.lock().unwrap(), Some(cercat_common::clock::Clock::now(&s.clock)));
        assert_eq!((s.service.unread_count(7).await.unwrap(), s.service.unread_count(8).await.unwrap()), (0, 1));
        let too_many: Vec<i64> = (1..=MAX_READ_IDS as i64 + 1).collect();
        assert!(matches!(s.service.mark_read(7, &too_many).await, Err(AlarmError::TooMany)));
    }
}

//! The `alarm` context: alarms stored from domain events by a consumer group that dedupes by
//! event id (an inbox), then listed (unread, newest first), counted and marked read by their
//! receiver.

pub mod exam;

use std::sync::Arc;

use async_trait::async_trait;
use cercat_common::{
    PortError,
    broadcast::Broadcast,
    domain_errors,
    events::{DomainEvent, EventConsumer, EventEnvelope, EventSource, EventSubscription},
};
use cercat_community::events::{COMMENT_LIKED_TOPIC, CommunityEvent, POST_COMMENTED_TOPIC, POST_LIKED_TOPIC};
use cercat_course::events::EnrollmentEvent;
use chrono::{DateTime, Utc};
use exam::ExamAlarmEvent;
use serde::{Deserialize, Serialize};

/// The consumer group (and inbox name) that stores alarms.
pub const ALARM_CONSUMER: &str = "alarm.store";
/// The topics alarms come from.
pub const ALARM_TOPICS: &[&str] = &[
    POST_LIKED_TOPIC,
    COMMENT_LIKED_TOPIC,
    POST_COMMENTED_TOPIC,
    exam::EXAM_ALARM_TOPIC,
    cercat_course::events::ENROLLMENT_TOPIC,
];
/// Most ids one mark-read call takes.
pub const MAX_READ_IDS: usize = 500;

/// What an alarm is about (the names Cercat's client switches on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlarmType {
    /// Someone liked my post.
    NewLikeOnPost,
    /// Someone commented on my post.
    NewCommentOnPost,
    /// Someone liked my comment.
    NewLikeOnComment,
    /// An interest certificate's application opens tomorrow.
    BeforeApplication,
    /// … opens today.
    StartApplication,
    /// … closes tomorrow.
    DefaultDeadline,
    /// A seat in a prep course is held for me; pay by the deadline.
    CourseSeatHeld,
    /// My payment went through; I am enrolled.
    CourseEnrolled,
    /// My hold ran out unpaid; the seat went back.
    CourseHoldExpired,
    /// I cancelled before paying.
    CourseCancelled,
    /// I cancelled after paying; the payment was refunded.
    CourseRefunded,
}

impl AlarmType {
    /// The stored/wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewLikeOnPost => "NEW_LIKE_ON_POST",
            Self::NewCommentOnPost => "NEW_COMMENT_ON_POST",
            Self::NewLikeOnComment => "NEW_LIKE_ON_COMMENT",
            Self::BeforeApplication => "BEFORE_APPLICATION",
            Self::StartApplication => "START_APPLICATION",
            Self::DefaultDeadline => "DEFAULT_DEADLINE",
            Self::CourseSeatHeld => "COURSE_SEAT_HELD",
            Self::CourseEnrolled => "COURSE_ENROLLED",
            Self::CourseHoldExpired => "COURSE_HOLD_EXPIRED",
            Self::CourseCancelled => "COURSE_CANCELLED",
            Self::CourseRefunded => "COURSE_REFUNDED",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::NewLikeOnPost,
            Self::NewCommentOnPost,
            Self::NewLikeOnComment,
            Self::BeforeApplication,
            Self::StartApplication,
            Self::DefaultDeadline,
            Self::CourseSeatHeld,
            Self::CourseEnrolled,
            Self::CourseHoldExpired,
            Self::CourseCancelled,
            Self::CourseRefunded,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// An alarm to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlarm {
    /// Who sees it.
    pub receiver_id: i64,
    /// Kind.
    pub alarm_type: AlarmType,
    /// What it points at (the post id for community alarms).
    pub origin_id: i64,
    /// The board / certificate.
    pub certificate_id: i64,
    /// Who acted (likes and comments).
    pub actor_nickname: Option<String>,
    /// `POST` or `COMMENT` for likes.
    pub like_target_type: Option<&'static str>,
    /// When the event happened.
    pub occurred_at: DateTime<Utc>,
    /// When set, at most one alarm with this key is ever stored: a like alarm exists once per
    /// (actor, liked post or comment), so liking, unliking and liking again tells the author once.
    pub once_key: Option<String>,
}

/// The key that makes a like alarm unique per (kind, actor, target).
pub fn like_alarm_key(alarm_type: AlarmType, actor_id: i64, target_id: i64) -> String {
    format!("{}:{actor_id}:{target_id}", alarm_type.as_str())
}

/// A stored alarm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alarm {
    /// Id.
    pub id: i64,
    /// Fields.
    pub alarm: NewAlarm,
    /// Whether the receiver read it.
    pub read: bool,
}

/// The alarm an event stands for, decoded into the owning context's event type: `Ok(None)` for
/// one's own actions, [`PortError::Corrupt`] for an event alarms do not understand (an unknown
/// topic or type, a malformed payload: retrying cannot fix it, so it goes to the dead-letter queue).
pub fn alarm_for(event: &EventEnvelope) -> Result<Option<NewAlarm>, PortError> {
    let at = event.occurred_at;
    if ExamAlarmEvent::carries(event) {
        let ExamAlarmEvent::ExamAlarmDue(due) = event.decode()?;
        return Ok(Some(NewAlarm {
            receiver_id: due.receiver_id,
            alarm_type: due.alarm_type,
            origin_id: due.schedule_id,
            certificate_id: due.certificate_id,
            actor_nickname: None,
            like_target_type: None,
            occurred_at: at,
            once_key: None,
        }));
    }
    if EnrollmentEvent::carries(event) {
        return Ok(Some(course_alarm(&event.decode()?, at)));
    }
    if CommunityEvent::carries(event) {
        return community_alarm(event.decode()?, at);
    }
    Err(PortError::Corrupt(format!("event {} on topic {} is not one alarms subscribe to", event.id, event.topic)))
}

/// The author's alarm for someone's like or comment.
fn community_alarm(event: CommunityEvent, at: DateTime<Utc>) -> Result<Option<NewAlarm>, PortError> {
    let (alarm_type, like_target_type, once_key) = match &event {
        CommunityEvent::PostLiked(a) => (
            AlarmType::NewLikeOnPost,
            Some("POST"),
            Some(like_alarm_key(AlarmType::NewLikeOnPost, a.actor_id, a.post_id)),
        ),
        CommunityEvent::CommentLiked(a) => {
            let comment =
                a.comment_id.ok_or_else(|| PortError::Corrupt("a CommentLiked event without a commentId".into()))?;
            (
                AlarmType::NewLikeOnComment,
                Some("COMMENT"),
                Some(like_alarm_key(AlarmType::NewLikeOnComment, a.actor_id, comment)),
            )
        }
        // Every comment is news of its own.
        CommunityEvent::PostCommented(_) => (AlarmType::NewCommentOnPost, None, None),
    };
    let a = event.activity();
    Ok((a.receiver_id != a.actor_id).then(|| NewAlarm {
        receiver_id: a.receiver_id,
        alarm_type,
        origin_id: a.post_id,
        certificate_id: a.certificate_id,
        actor_nickname: Some(a.actor_nickname.clone()),
        like_target_type,
        occurred_at: at,
        once_key,
    }))
}

/// The student's alarm for an enrollment transition (origin = the course).
fn course_alarm(event: &EnrollmentEvent, at: DateTime<Utc>) -> NewAlarm {
    let alarm_type = match event {
        EnrollmentEvent::EnrollmentHeld(_) => AlarmType::CourseSeatHeld,
        EnrollmentEvent::EnrollmentCompleted(_) => AlarmType::CourseEnrolled,
        EnrollmentEvent::EnrollmentExpired(_) => AlarmType::CourseHoldExpired,
        EnrollmentEvent::EnrollmentCancelled(_) => AlarmType::CourseCancelled,
        EnrollmentEvent::EnrollmentRefunded(_) => AlarmType::CourseRefunded,
    };
    let change = event.change();
    NewAlarm {
        receiver_id: change.user_id,
        alarm_type,
        origin_id: change.course_id,
        certificate_id: change.certificate_id,
        actor_nickname: None,
        like_target_type: None,
        occurred_at: at,
        once_key: None,
    }
}

/// The notice an instance publishes when it stored an alarm, so that the instance holding
/// the receiver's SSE connection pushes it (the JSON on the broadcast channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlarmNotice {
    /// Alarm id.
    pub id: i64,
    /// Receiver.
    pub receiver_id: i64,
    /// Kind.
    pub alarm_type: AlarmType,
    /// What it points at.
    pub origin_id: i64,
    /// The board.
    pub certificate_id: i64,
    /// Who acted.
    pub actor_nickname: Option<String>,
    /// `POST` or `COMMENT` for likes.
    pub like_target_type: Option<String>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The alarm's uniqueness key, if any (absent in notices from older instances).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub once_key: Option<String>,
}

impl AlarmNotice {
    /// The notice for a stored alarm.
    pub fn of(alarm: &Alarm) -> Self {
        Self {
            id: alarm.id,
            receiver_id: alarm.alarm.receiver_id,
            alarm_type: alarm.alarm.alarm_type,
            origin_id: alarm.alarm.origin_id,
            certificate_id: alarm.alarm.certificate_id,
            actor_nickname: alarm.alarm.actor_nickname.clone(),
            like_target_type: alarm.alarm.like_target_type.map(str::to_owned),
            occurred_at: alarm.alarm.occurred_at,
            once_key: alarm.alarm.once_key.clone(),
        }
    }

    /// The alarm it announces (unread: it was just stored).
    pub fn alarm(&self) -> Alarm {
        Alarm {
            id: self.id,
            read: false,
            alarm: NewAlarm {
                receiver_id: self.receiver_id,
                alarm_type: self.alarm_type,
                origin_id: self.origin_id,
                certificate_id: self.certificate_id,
                actor_nickname: self.actor_nickname.clone(),
                like_target_type: match self.like_target_type.as_deref() {
                    Some("POST") => Some("POST"),
                    Some("COMMENT") => Some("COMMENT"),
                    _ => None,
                },
                occurred_at: self.occurred_at,
                once_key: self.once_key.clone(),
            },
        }
    }
}

/// Alarm storage.
#[async_trait]
pub trait AlarmRepository: Send + Sync {
    /// Stores `alarm` unless `consumer` already handled `event_id` (both in one transaction);
    /// `None` for an alarm-less event still records the id. An alarm whose `once_key` is
    /// already stored is not stored again (the event id is still recorded). Returns the new
    /// alarm's id when one was stored now (`None` for a redelivery, an alarm-less event, a
    /// repeated `once_key` or a purged receiver).
    async fn store_once(
        &self,
        consumer: &str,
        event_id: &str,
        alarm: Option<&NewAlarm>,
    ) -> Result<Option<i64>, PortError>;
    /// The receiver's unread alarms, newest first (at most `limit`).
    async fn unread(&self, receiver_id: i64, limit: u64) -> Result<Vec<Alarm>, PortError>;
    /// How many unread alarms the receiver has.
    async fn unread_count(&self, receiver_id: i64) -> Result<u64, PortError>;
    /// Marks the receiver's alarms among `ids` read (others' ids are ignored); returns how many changed.
    async fn mark_read(&self, receiver_id: i64, ids: &[i64], at: DateTime<Utc>) -> Result<u64, PortError>;
}

domain_errors! {
    /// Failures of alarm use cases.
    pub enum AlarmError {
        /// Too many alarm ids in one mark-read call
        #[code("ALM_001", Invalid)]
        #[error("mark at most {MAX_READ_IDS} alarms read at once")]
        TooMany,
        #[transparent]
        /// A dependency failed.
        Store(PortError),
    }
}

/// Alarm use cases.
pub struct AlarmService {
    alarms: Arc<dyn AlarmRepository>,
    notices: Arc<dyn Broadcast>,
    clock: Arc<dyn cercat_common::clock::Clock>,
}

impl AlarmService {
    /// Wires the service; stored alarms are announced on `notices`.
    pub fn new(
        alarms: Arc<dyn AlarmRepository>,
        notices: Arc<dyn Broadcast>,
        clock: Arc<dyn cercat_common::clock::Clock>,
    ) -> Self {
        Self { alarms, notices, clock }
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

    /// The caller's unread alarms, newest first.
    pub async fn unread(&self, receiver_id: i64) -> Result<Vec<Alarm>, AlarmError> {
        Ok(self.alarms.unread(receiver_id, 100).await?)
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
    use super::*;
    use cercat_community::events::Activity;

    fn event(kind: &str, receiver: i64, actor: i64) -> EventEnvelope {
        let a = Activity {
            receiver_id: receiver,
            actor_id: actor,
            actor_nickname: "홍길동".into(),
            post_id: 9,
            comment_id: Some(3),
            certificate_id: 1,
        };
        EventEnvelope::new(POST_LIKED_TOPIC, "post", "9", kind, serde_json::to_value(a).unwrap_or_default(), Utc::now())
    }

    #[test]
    fn community_events_become_alarms_for_the_author_only() {
        let alarm = alarm_for(&event("CommentLiked", 7, 8)).ok().flatten().unwrap_or_else(|| panic!("an alarm"));
        assert_eq!((alarm.receiver_id, alarm.alarm_type, alarm.origin_id), (7, AlarmType::NewLikeOnComment, 9));
        assert_eq!((alarm.actor_nickname.as_deref(), alarm.like_target_type), (Some("홍길동"), Some("COMMENT")));
        assert_eq!(
            alarm_for(&event("PostCommented", 7, 8)).ok().flatten().map(|a| a.alarm_type),
            Some(AlarmType::NewCommentOnPost)
        );
        assert_eq!(alarm_for(&event("PostLiked", 7, 7)), Ok(None), "not for one's own actions");
        // A like alarm exists once per (kind, actor, target); comments are each their own.
        let key = |kind: &str| alarm_for(&event(kind, 7, 8)).ok().flatten().and_then(|a| a.once_key);
        assert_eq!(key("PostLiked").as_deref(), Some("NEW_LIKE_ON_POST:8:9"));
        assert_eq!(key("CommentLiked").as_deref(), Some("NEW_LIKE_ON_COMMENT:8:3"));
        assert_eq!(key("PostCommented"), None);
        assert!(
            matches!(alarm_for(&event("SomethingElse", 7, 8)), Err(PortError::Corrupt(_))),
            "an event type alarms do not know is dead-lettered, not dropped"
        );
        let mut broken = event("PostLiked", 7, 8);
        broken.payload = serde_json::json!({ "receiverId": "x" });
        assert!(matches!(alarm_for(&broken), Err(PortError::Corrupt(_))), "a malformed alarm event is poison");
        assert_eq!(AlarmType::parse("DEFAULT_DEADLINE"), Some(AlarmType::DefaultDeadline));
    }

    #[test]
    fn exam_reminders_become_alarms_pointing_at_the_schedule() {
        use chrono::TimeZone;
        let at = Utc.with_ymd_and_hms(2026, 5, 2, 0, 0, 0).single().unwrap_or_default();
        let s = exam::ScheduleDates {
            schedule_id: 4,
            certificate_id: 2,
            application_start: at + chrono::Duration::days(1),
            application_deadline: at + chrono::Duration::days(8),
        };
        let today = cercat_common::calendar::seoul_date(at);
        let events = exam::events(&s, &[11], today, at).unwrap();
        assert_eq!(events.len(), 1);
        let alarm = alarm_for(&events[0]).ok().flatten().unwrap_or_else(|| panic!("an alarm"));
        assert_eq!(
            (alarm.receiver_id, alarm.alarm_type, alarm.origin_id, alarm.certificate_id),
            (11, AlarmType::BeforeApplication, 4, 2)
        );
        assert_eq!(alarm.actor_nickname, None);
    }

    #[test]
    fn a_notice_carries_the_whole_alarm() {
        let stored = Alarm {
            id: 5,
            read: false,
            alarm: alarm_for(&event("PostLiked", 7, 8)).ok().flatten().unwrap_or_else(|| panic!("an alarm")),
        };
        let text = serde_json::to_string(&AlarmNotice::of(&stored)).unwrap_or_default();
        let back: AlarmNotice = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(back.alarm(), stored);
    }

    #[test]
    fn every_event_type_on_every_subscribed_topic_becomes_an_alarm() {
        use cercat_course::{Enrollment, EnrollmentStatus, events::transition};
        for topic in ALARM_TOPICS {
            let known = [CommunityEvent::TOPICS, EnrollmentEvent::TOPICS, ExamAlarmEvent::TOPICS];
            assert!(known.iter().any(|t| t.contains(topic)), "{topic} has an event type alarms decode");
        }
        let at = Utc::now();
        let activity = |comment_id| Activity {
            receiver_id: 7,
            actor_id: 8,
            actor_nickname: "홍길동".into(),
            post_id: 9,
            comment_id,
            certificate_id: 1,
        };
        let mut envelopes: Vec<EventEnvelope> = [
            CommunityEvent::PostLiked(activity(None)),
            CommunityEvent::CommentLiked(activity(Some(3))),
            CommunityEvent::PostCommented(activity(Some(4))),
        ]
        .iter()
        .map(|e| EventEnvelope::of(e, at).unwrap())
        .collect();
        for status in [
            EnrollmentStatus::PendingPayment,
            EnrollmentStatus::Completed,
            EnrollmentStatus::Expired,
            EnrollmentStatus::Cancelled,
            EnrollmentStatus::Refunded,
        ] {
            let enrollment = Enrollment {
                id: 5,
                course_id: 6,
                user_id: 7,
                status,
                amount: 1000,
                order_id: "o".into(),
                hold_deadline: at,
                payment_key: None,
                created_at: at,
                updated_at: at,
            };
            envelopes.push(EventEnvelope::of(&transition(&enrollment, 1), at).unwrap());
        }
        let due = exam::ExamAlarmDue {
            receiver_id: 7,
            alarm_type: AlarmType::StartApplication,
            certificate_id: 1,
            schedule_id: 2,
        };
        envelopes.push(EventEnvelope::of(&ExamAlarmEvent::ExamAlarmDue(due), at).unwrap());
        let kinds: Vec<AlarmType> = envelopes
            .iter()
            .map(|e| alarm_for(e).ok().flatten().unwrap_or_else(|| panic!("no alarm for {e:?}")))
            .inspect(|a| assert_eq!(a.receiver_id, 7))
            .map(|a| a.alarm_type)
            .collect();
        let mut distinct = kinds.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), 9, "each event type has its own alarm type: {kinds:?}");
    }
}

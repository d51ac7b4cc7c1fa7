//! The alarm each subscribed event stands for, decoded into the owning context's event type.
//! Alarms store what they are told: whether an activity is news to anyone (not one's own
//! likes and comments) is the publishing context's decision, made once, before the event exists.

use cercat_common::{
    PortError,
    events::{DomainEvent, EventEnvelope},
};
use cercat_community::events::CommunityEvent;
use cercat_course::events::EnrollmentEvent;
use cercat_market::events::OrderEvent;
use chrono::{DateTime, Utc};

use crate::{
    exam::ExamAlarmEvent,
    model::{AlarmType, NewAlarm, like_alarm_key},
};

/// The alarm an event stands for, decoded into the owning context's event type (`Ok(None)` is
/// kept for event types that announce nothing), [`PortError::Corrupt`] for an event alarms do not
/// understand (an unknown topic or type, a malformed payload: retrying cannot fix it, so it goes
/// to the dead-letter queue).
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
    if OrderEvent::carries(event) {
        return Ok(Some(market_alarm(&event.decode()?, at)));
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
    Ok(Some(NewAlarm {
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

/// The alarm of the trade's side the market tells of an order transition (the seller of a
/// new or paid order, the buyer of a released one; origin = the product).
fn market_alarm(event: &OrderEvent, at: DateTime<Utc>) -> NewAlarm {
    let alarm_type = match event {
        OrderEvent::OrderPlaced(_) => AlarmType::MarketOrderPlaced,
        OrderEvent::OrderPaid(_) => AlarmType::MarketOrderPaid,
        OrderEvent::OrderExpired(_) | OrderEvent::OrderCancelled(_) => AlarmType::MarketOrderReleased,
        OrderEvent::OrderRefunded(_) => AlarmType::MarketOrderRefunded,
    };
    let change = event.change();
    NewAlarm {
        receiver_id: event.receiver(),
        alarm_type,
        origin_id: change.product_id,
        certificate_id: change.certificate_id,
        actor_nickname: None,
        like_target_type: None,
        occurred_at: at,
        once_key: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ALARM_TOPICS, exam, model::Alarm, model::AlarmNotice};
    use cercat_community::events::{Activity, POST_LIKED_TOPIC};

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
        // Whether an activity is news is the community context's decision (it publishes no
        // event for one's own content); what it publishes is stored as told.
        assert_eq!(alarm_for(&event("PostLiked", 7, 7)).ok().flatten().map(|a| a.receiver_id), Some(7));
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
    fn market_orders_tell_the_seller_of_sales_and_the_buyer_of_releases() {
        use cercat_market::{
            Order, OrderStatus,
            events::{ORDER_TOPIC, transition},
        };
        let at = Utc::now();
        let (buyer, seller) = (3, 2);
        let cases = [
            (OrderStatus::PendingPayment, seller, AlarmType::MarketOrderPlaced),
            (OrderStatus::Paid, seller, AlarmType::MarketOrderPaid),
            (OrderStatus::Expired, buyer, AlarmType::MarketOrderReleased),
            (OrderStatus::Cancelled, buyer, AlarmType::MarketOrderReleased),
            (OrderStatus::Refunded, buyer, AlarmType::MarketOrderRefunded),
        ];
        for (status, receiver, alarm_type) in cases {
            let order = Order {
                id: 7,
                product_id: 4,
                product_title: "기본서".into(),
                certificate_id: 1,
                buyer_id: buyer,
                seller_id: seller,
                price: 10_000,
                discount: 1_000,
                amount: 9_000,
                coupon_ids: vec![5],
                status,
                gateway_order_id: "market-7".into(),
                pay_by: at,
                payment_key: None,
                created_at: at,
                updated_at: at,
            };
            let envelope = EventEnvelope::of(&transition(&order), at).unwrap();
            assert_eq!(envelope.topic, ORDER_TOPIC);
            let alarm = alarm_for(&envelope).unwrap().unwrap_or_else(|| panic!("no alarm for {status:?}"));
            let expected = NewAlarm {
                receiver_id: receiver,
                alarm_type,
                origin_id: 4,
                certificate_id: 1,
                actor_nickname: None,
                like_target_type: None,
                occurred_at: at,
                once_key: None,
            };
            assert_eq!(alarm, expected, "the alarm for an order entering {status:?}");
            let mut broken = envelope.clone();
            broken.payload = serde_json::json!({ "orderId": "x" });
            assert!(matches!(alarm_for(&broken), Err(PortError::Corrupt(_))), "a malformed order event is poison");
        }
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
            let known = [CommunityEvent::TOPICS, EnrollmentEvent::TOPICS, ExamAlarmEvent::TOPICS, OrderEvent::TOPICS];
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

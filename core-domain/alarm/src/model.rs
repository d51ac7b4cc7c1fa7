//! Alarms as stored and announced: what they are about, who sees them, and the notice an
//! instance broadcasts when it stored one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
    /// A buyer reserved my market product; it waits for their payment.
    MarketOrderPlaced,
    /// The buyer paid for my market product; it is sold.
    MarketOrderPaid,
    /// My market order fell through unpaid (it expired or was cancelled); my coupons are back.
    MarketOrderReleased,
    /// My paid market order was cancelled and the payment refunded.
    MarketOrderRefunded,
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
            Self::MarketOrderPlaced => "MARKET_ORDER_PLACED",
            Self::MarketOrderPaid => "MARKET_ORDER_PAID",
            Self::MarketOrderReleased => "MARKET_ORDER_RELEASED",
            Self::MarketOrderRefunded => "MARKET_ORDER_REFUNDED",
        }
    }

    /// Every alarm type, in declaration order (what [`AlarmType::parse`] recognises).
    pub const ALL: [Self; 15] = [
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
        Self::MarketOrderPlaced,
        Self::MarketOrderPaid,
        Self::MarketOrderReleased,
        Self::MarketOrderRefunded,
    ];

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// An alarm to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlarm {
    /// Who sees it.
    pub receiver_id: i64,
    /// What happened; decides the alarm's text and what `origin_id` names.
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
    /// The alarm's id, as `POST /alarms/read` takes it.
    pub id: i64,
    /// What the alarm says and who it is for.
    pub alarm: NewAlarm,
    /// Whether the receiver read it.
    pub read: bool,
}

/// The notice an instance publishes when it stored an alarm, so that the instance holding
/// the receiver's SSE connection pushes it (the JSON on the broadcast channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlarmNotice {
    /// Alarm id.
    pub id: i64,
    /// The user whose SSE connection gets the alarm.
    pub receiver_id: i64,
    /// What happened, carried so that the pushing instance rebuilds the alarm without a read.
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

/// An alarm as listed: with its board's name (empty when the board is gone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmView {
    /// The alarm.
    pub alarm: Alarm,
    /// Its board's (certificate's) name.
    pub certificate_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alarm_type_round_trips_by_its_stored_and_wire_name() {
        for t in AlarmType::ALL {
            assert_eq!(AlarmType::parse(t.as_str()), Some(t), "{t:?}");
            let wire = serde_json::to_value(t).unwrap();
            assert_eq!(wire.as_str(), Some(t.as_str()), "the JSON name is the stored name");
            assert!(t.as_str().len() <= 30, "{t:?} fits the alarms.alarm_type column");
        }
        assert_eq!(AlarmType::parse("MARKET_ORDER_RELEASED"), Some(AlarmType::MarketOrderReleased));
        assert_eq!(AlarmType::parse("NO_SUCH_ALARM"), None);
    }
}

//! Events the community context publishes through the outbox (written in the transaction of
//! the change): someone liked my post or comment, someone commented on my post. Never for the
//! actor's own content — `service::activity` decides that, and builds them; the repository only
//! records what it is handed. Topics are per event type; the key is the post id.

use cercat_common::events::DomainEvent;
use serde::{Deserialize, Serialize};

/// `PostLiked` events.
pub const POST_LIKED_TOPIC: &str = "community.post-liked";
/// `CommentLiked` events.
pub const COMMENT_LIKED_TOPIC: &str = "community.comment-liked";
/// `PostCommented` events.
pub const POST_COMMENTED_TOPIC: &str = "community.post-commented";

/// The payload of every community activity event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    /// Who is told (the content's author).
    pub receiver_id: i64,
    /// Who acted.
    pub actor_id: i64,
    /// The actor's nickname at the time.
    pub actor_nickname: String,
    /// The post (what the client opens).
    pub post_id: i64,
    /// The liked comment, or the new comment.
    pub comment_id: Option<i64>,
    /// The post's board.
    pub certificate_id: i64,
}

/// Every event the community context publishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum CommunityEvent {
    /// Someone liked the receiver's post.
    PostLiked(Activity),
    /// Someone liked the receiver's comment (`comment_id` is set).
    CommentLiked(Activity),
    /// Someone commented on the receiver's post (`comment_id` is the new comment).
    PostCommented(Activity),
}

impl CommunityEvent {
    /// What happened, whichever kind.
    pub fn activity(&self) -> &Activity {
        match self {
            Self::PostLiked(a) | Self::CommentLiked(a) | Self::PostCommented(a) => a,
        }
    }
}

/// A `PostCommented` event decided before its comment exists: the repository stamps the new
/// comment's id into it with [`Self::event`] and records it in the insert's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentNotice(Activity);

impl CommentNotice {
    /// The notice for a comment on a post (`activity.comment_id` is replaced by the new id).
    pub fn new(activity: Activity) -> Self {
        Self(activity)
    }

    /// The event for the stored comment `comment_id`.
    pub fn event(&self, comment_id: i64) -> CommunityEvent {
        CommunityEvent::PostCommented(Activity { comment_id: Some(comment_id), ..self.0.clone() })
    }
}

impl DomainEvent for CommunityEvent {
    const TOPICS: &'static [&'static str] = &[POST_LIKED_TOPIC, COMMENT_LIKED_TOPIC, POST_COMMENTED_TOPIC];

    fn topic(&self) -> &'static str {
        match self {
            Self::PostLiked(_) => POST_LIKED_TOPIC,
            Self::CommentLiked(_) => COMMENT_LIKED_TOPIC,
            Self::PostCommented(_) => POST_COMMENTED_TOPIC,
        }
    }

    fn aggregate(&self) -> (&'static str, String) {
        ("post", self.activity().post_id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cercat_common::events::EventEnvelope;
    use chrono::Utc;

    fn activity(comment_id: Option<i64>) -> Activity {
        Activity {
            receiver_id: 1,
            actor_id: 2,
            actor_nickname: "매일공부".into(),
            post_id: 3,
            comment_id,
            certificate_id: 4,
        }
    }

    #[test]
    fn every_event_round_trips_in_the_wire_format_alarms_read() {
        for event in [
            CommunityEvent::PostLiked(activity(None)),
            CommunityEvent::CommentLiked(activity(Some(5))),
            CommunityEvent::PostCommented(activity(Some(6))),
        ] {
            let envelope = EventEnvelope::of(&event, Utc::now()).unwrap();
            assert_eq!((envelope.aggregate_type.as_str(), envelope.aggregate_id.as_str()), ("post", "3"));
            assert!(CommunityEvent::carries(&envelope));
            assert_eq!(envelope.payload["receiverId"], 1);
            assert_eq!(envelope.payload["actorNickname"], "매일공부");
            assert_eq!(envelope.decode::<CommunityEvent>().unwrap(), event);
        }
        let liked = EventEnvelope::of(&CommunityEvent::PostLiked(activity(None)), Utc::now()).unwrap();
        assert_eq!((liked.topic.as_str(), liked.event_type.as_str()), (POST_LIKED_TOPIC, "PostLiked"));
    }

    #[test]
    fn an_unknown_type_or_a_bad_payload_is_corrupt() {
        let mut envelope = EventEnvelope::of(&CommunityEvent::PostLiked(activity(None)), Utc::now()).unwrap();
        envelope.event_type = "PostShared".into();
        assert!(matches!(envelope.decode::<CommunityEvent>(), Err(cercat_common::PortError::Corrupt(_))));
        envelope.event_type = "PostLiked".into();
        envelope.payload = serde_json::json!({ "receiverId": "one" });
        assert!(matches!(envelope.decode::<CommunityEvent>(), Err(cercat_common::PortError::Corrupt(_))));
    }
}

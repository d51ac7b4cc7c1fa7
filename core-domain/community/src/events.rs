//! Events the community context publishes through the outbox (written in the transaction of
//! the change): someone liked my post or comment, someone commented on my post. Never for the
//! actor's own content. Topics are per event type; the key is the post id.

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

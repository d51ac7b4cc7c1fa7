//! Posts, comments and likes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The kind of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PostKind {
    /// Free talk.
    Normal,
    /// A study tip with lecture/book tags.
    Tip,
    /// Commentary on one mock-exam question.
    Commentary,
}

impl PostKind {
    /// The stored/wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "NORMAL",
            Self::Tip => "TIP",
            Self::Commentary => "COMMENTARY",
        }
    }

    /// Parses a stored/wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "NORMAL" => Self::Normal,
            "TIP" => Self::Tip,
            "COMMENTARY" => Self::Commentary,
            _ => return None,
        })
    }
}

/// A tip's tag kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TagType {
    /// A lecture.
    Lecture,
    /// A book.
    Book,
}

/// A tip's tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    /// Whether the tag names a lecture or a book.
    pub tag_type: TagType,
    /// The lecture's or book's name, trimmed, 1 to 50 characters.
    pub tag_name: String,
}

/// The mock-exam question a commentary is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuestionRef {
    /// The exam.
    pub mock_exam_id: i64,
    /// The mock exam's year (shown with the post).
    pub exam_year: i32,
    /// The mock exam's round within that year.
    pub round: i32,
    /// The question's number in the exam.
    pub number: i32,
}

/// A post's fields as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostDraft {
    /// What kind of post it is; decides whether `tags` and `question` are kept.
    pub kind: PostKind,
    /// The title, trimmed, 1 to 100 characters.
    pub title: String,
    /// The body, trimmed, 1 to 5,000 characters; searched with the title.
    pub content: String,
    /// TIP only.
    pub tags: Vec<Tag>,
    /// COMMENTARY only (resolved by the caller).
    pub question: Option<QuestionRef>,
}

/// Who wrote something, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// User id.
    pub user_id: i64,
    /// Nickname (a placeholder once the account is withdrawn).
    pub nickname: String,
    /// Profile image key.
    pub image_key: Option<String>,
    /// Whether the account was suspended when this was read: the content stays, marked.
    pub suspended: bool,
}

/// Shown instead of the nickname of an author whose account was withdrawn (or purged).
pub const WITHDRAWN_NICKNAME: &str = "탈퇴한 회원";

/// What storage knows of an account: the facts an [`Author`] is shown from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Nickname as stored.
    pub nickname: String,
    /// Profile image key as stored.
    pub image_key: Option<String>,
    /// Whether the account was withdrawn (it is purged later).
    pub withdrawn: bool,
    /// The suspension recorded on the account, if any: until when (`None` inside: until an
    /// operator lifts it).
    pub suspended_until: Option<Option<DateTime<Utc>>>,
}

impl Author {
    /// How `user_id` is shown at `at`, given its account (`None` once purged): a withdrawn or
    /// purged account shows as [`WITHDRAWN_NICKNAME`] without an image; an account suspended at
    /// `at` keeps its name and is marked — the one place those rules live.
    pub fn shown(user_id: i64, account: Option<Account>, at: DateTime<Utc>) -> Self {
        match account {
            Some(a) if !a.withdrawn => {
                let suspended = a.suspended_until.is_some_and(|until| until.is_none_or(|u| u > at));
                Self { user_id, nickname: a.nickname, image_key: a.image_key, suspended }
            }
            _ => Self { user_id, nickname: WITHDRAWN_NICKNAME.into(), image_key: None, suspended: false },
        }
    }
}

/// A stored image of a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostImage {
    /// Id (for `removeImageIds`).
    pub id: i64,
    /// Storage key.
    pub key: String,
}

/// A post as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// The post's id, as in `/posts/{id}`; its images, comments and likes refer to it.
    pub id: i64,
    /// Board (certificate).
    pub certificate_id: i64,
    /// What the author wrote.
    pub draft: PostDraft,
    /// Who wrote it, as shown to the viewer.
    pub author: Author,
    /// Images in upload order.
    pub images: Vec<PostImage>,
    /// How many users like it.
    pub like_count: i64,
    /// Whether the viewer liked it.
    pub liked: bool,
    /// Comments and replies.
    pub comment_count: i64,
    /// Written at.
    pub created_at: DateTime<Utc>,
    /// Last edited at.
    pub modified_at: DateTime<Utc>,
}

/// A comment (or reply) as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The comment's id (a reply's `parent_id` names it).
    pub id: i64,
    /// The post it is on.
    pub post_id: i64,
    /// The comment it replies to.
    pub parent_id: Option<i64>,
    /// Who wrote it, as shown to the viewer.
    pub author: Author,
    /// The comment, trimmed, 1 to 1,000 characters.
    pub content: String,
    /// How many users like it.
    pub like_count: i64,
    /// Whether the viewer liked it.
    pub liked: bool,
    /// Written at.
    pub created_at: DateTime<Utc>,
    /// Last edited at.
    pub modified_at: DateTime<Utc>,
}

/// A top-level comment with its replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentThread {
    /// The comment.
    pub comment: Comment,
    /// Replies, oldest first.
    pub replies: Vec<Comment>,
}

/// What a like points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LikeTarget {
    /// A post.
    Post,
    /// A comment.
    Comment,
}

impl LikeTarget {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Post => "POST",
            Self::Comment => "COMMENT",
        }
    }
}

//! Errors of the community context, with their stable codes.

use cercat_common::{DomainError, ErrorKind, PortError};

/// Failures of community use cases.
#[derive(Debug, thiserror::Error)]
pub enum CommunityError {
    /// COM_001.
    #[error("post {0} does not exist")]
    PostNotFound(i64),
    /// COM_002: a post field is invalid.
    #[error("{field} {reason}")]
    InvalidPost {
        /// Field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// COM_003: only the author (or an admin, for deletion) may do this.
    #[error("only the author may {0}")]
    NotOwner(&'static str),
    /// COM_004.
    #[error("comment {0} does not exist")]
    CommentNotFound(i64),
    /// COM_005: an invalid comment (empty, too long, or a reply to a reply / another post's comment).
    #[error("{0}")]
    InvalidComment(String),
    /// COM_006: the liked post or comment does not exist.
    #[error("{0} {1} does not exist")]
    LikeTargetNotFound(&'static str, i64),
    /// COM_007: an image is too large, not an image, or one too many.
    #[error("{0}")]
    InvalidImage(String),
    /// COM_008: a commentary names a question that does not exist.
    #[error("{0}")]
    QuestionNotFound(String),
    /// COM_009: a search keyword or list filter is invalid.
    #[error("{field} {reason}")]
    InvalidQuery {
        /// Parameter.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// CRT_003: not within the two weeks after the certificate's latest exam.
    #[error("exam reviews are open only during the two weeks after an exam")]
    ReviewClosed,
    /// CRT_004: only users who had the certificate as a goal or an interest may review it.
    #[error("only users who studied for this certificate (as a goal or an interest) may review its exam")]
    NotAReviewer,
    /// CRT_012: one review per exam.
    #[error("you already reviewed this exam")]
    AlreadyReviewed,
    /// CRT_013: a review field is invalid.
    #[error("{field} {reason}")]
    InvalidReview {
        /// Field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// CRT_001: the board (certificate) does not exist — the certificate context's code, as
    /// the board check answered before the community context asked through a port.
    #[error("certificate {0} does not exist")]
    BoardNotFound(i64),
    /// A dependency failed.
    #[error(transparent)]
    Store(#[from] PortError),
}

impl DomainError for CommunityError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::PostNotFound(_)
            | Self::CommentNotFound(_)
            | Self::LikeTargetNotFound(..)
            | Self::QuestionNotFound(_)
            | Self::BoardNotFound(_) => ErrorKind::NotFound,
            Self::InvalidPost { .. } | Self::InvalidComment(_) | Self::InvalidImage(_) | Self::InvalidQuery { .. } => {
                ErrorKind::Invalid
            }
            Self::NotOwner(_) => ErrorKind::Forbidden,
            Self::ReviewClosed | Self::NotAReviewer | Self::InvalidReview { .. } => ErrorKind::Invalid,
            Self::AlreadyReviewed => ErrorKind::Conflict,
            Self::Store(e) => e.kind(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::PostNotFound(_) => "COM_001",
            Self::InvalidPost { .. } => "COM_002",
            Self::NotOwner(_) => "COM_003",
            Self::CommentNotFound(_) => "COM_004",
            Self::InvalidComment(_) => "COM_005",
            Self::LikeTargetNotFound(..) => "COM_006",
            Self::InvalidImage(_) => "COM_007",
            Self::QuestionNotFound(_) => "COM_008",
            Self::InvalidQuery { .. } => "COM_009",
            Self::ReviewClosed => "CRT_003",
            Self::NotAReviewer => "CRT_004",
            Self::AlreadyReviewed => "CRT_012",
            Self::InvalidReview { .. } => "CRT_013",
            Self::BoardNotFound(_) => "CRT_001",
            Self::Store(e) => e.code(),
        }
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            Self::InvalidPost { field, .. } | Self::InvalidQuery { field, .. } | Self::InvalidReview { field, .. } => {
                Some(field)
            }
            Self::InvalidComment(_) => Some("content"),
            Self::InvalidImage(_) => Some("files"),
            _ => None,
        }
    }
}

/// The community context's codes and meanings, for the OpenAPI document.
pub const CODES: &[(&str, u16, &str)] = &[
    ("COM_001", 404, "The post does not exist"),
    ("COM_002", 400, "A post field is invalid"),
    ("COM_003", 403, "Only the author (or an admin, for deletion) may do this"),
    ("COM_004", 404, "The comment does not exist"),
    ("COM_005", 400, "The comment is empty, too long, or replies to a reply or to another post's comment"),
    ("COM_006", 404, "The liked post or comment does not exist"),
    ("COM_007", 400, "An image is too large, not PNG/JPEG/GIF/WebP, or one too many"),
    ("COM_008", 404, "The commentary names a mock-exam question that does not exist"),
    ("COM_009", 400, "The search keyword or a list filter is invalid"),
];

//! Errors of the community context, with their stable codes.

use cercat_common::{PortError, domain_errors};

domain_errors! {
    /// Failures of community use cases.
    pub enum CommunityError {
        /// The post does not exist
        #[code("COM_001", NotFound)]
        #[error("post {0} does not exist")]
        PostNotFound(i64),
        /// A post field is invalid
        #[code("COM_002", Invalid)]
        #[error("{field} {reason}")]
        InvalidPost {
            /// The wire field at fault, e.g. `title`; also the envelope's `field`.
            field: &'static str,
            /// What is wrong with it, e.g. `must be 1 to 100 characters`.
            reason: String,
        },
        /// Only the author (or an admin, for deletion) may do this
        #[code("COM_003", Forbidden)]
        #[error("only the author may {0}")]
        NotOwner(&'static str),
        /// The comment does not exist
        #[code("COM_004", NotFound)]
        #[error("comment {0} does not exist")]
        CommentNotFound(i64),
        /// The comment is empty, too long, or replies to a reply or to another post's comment
        #[code("COM_005", Invalid)]
        #[error("{0}")]
        InvalidComment(String),
        /// The liked post or comment does not exist
        #[code("COM_006", NotFound)]
        #[error("{0} {1} does not exist")]
        LikeTargetNotFound(&'static str, i64),
        /// An image is too large, not PNG/JPEG/GIF/WebP, or one too many
        #[code("COM_007", Invalid)]
        #[error("{0}")]
        InvalidImage(String),
        /// The commentary names a mock-exam question that does not exist
        #[code("COM_008", NotFound)]
        #[error("{0}")]
        QuestionNotFound(String),
        /// The search keyword, a list filter or a cursor (with its page and sort) is invalid
        #[code("COM_009", Invalid)]
        #[error("{field} {reason}")]
        InvalidQuery {
            /// The query parameter at fault (`postType`, `keyword`, `cursor`, `page` or `sortFields`);
            /// also the envelope's `field`.
            field: &'static str,
            /// What is wrong with it, e.g. `must be NORMAL, TIP, COMMENTARY or REVIEW`.
            reason: String,
        },
        /// Exam reviews are open only during the two weeks after the certificate's latest exam
        #[code("CRT_003", Invalid)]
        #[error("exam reviews are open only during the two weeks after an exam")]
        ReviewClosed,
        /// Only users who had the certificate as a goal or an interest may review its exam
        #[code("CRT_004", Invalid)]
        #[error("only users who studied for this certificate (as a goal or an interest) may review its exam")]
        NotAReviewer,
        /// The user already reviewed this exam
        #[code("CRT_012", Conflict)]
        #[error("you already reviewed this exam")]
        AlreadyReviewed,
        /// An exam review field is invalid (difficulty, content)
        #[code("CRT_013", Invalid)]
        #[error("{field} {reason}")]
        InvalidReview {
            /// The wire field at fault, e.g. `content`; also the envelope's `field`.
            field: &'static str,
            /// What is wrong with it, e.g. `must be 1 to 1000 characters`.
            reason: String,
        },
        /// The board (certificate) does not exist: the certificate context's code, as the board
        /// check answered before the community context asked through a port
        #[code("CRT_001", NotFound)]
        #[error("certificate {0} does not exist")]
        BoardNotFound(i64),
        #[transparent]
        /// A dependency failed.
        Store(PortError),
    }
    impl DomainError {
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
}

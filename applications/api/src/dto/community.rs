//! Community wire types, shaped as Cercat's web client reads them (`PostType` and friends).

use cercat_common::id::{CommentId, PostImageId};
use cercat_community::{
    LikeTarget, Post, PostKind, Tag, TagType,
    model::{Author, Comment, CommentThread},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use cercat_http::dto::mockexam::QuestionResponse;

/// `{title, content}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostContent {
    /// The title, 1 to 100 characters.
    pub title: String,
    /// The body, 1 to 5,000 characters.
    pub content: String,
}

/// An author.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserRef {
    /// Id (the client shows edit/delete when it is the caller's).
    pub user_id: i64,
    /// Nickname (`탈퇴한 회원` for withdrawn accounts).
    pub nickname: String,
    /// Profile image URL or null.
    pub profile_image: Option<String>,
    /// Whether an operator has suspended the account: its content stays, marked as such.
    pub suspended: bool,
}

/// A post image.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostImageResponse {
    /// Id (for `removeImageIds`).
    pub id: i64,
    /// URL.
    pub image_url: String,
}

/// `{createdAt, modifiedAt}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DateTimes {
    /// Written at.
    pub created_at: DateTime<Utc>,
    /// Last edited at.
    pub modified_at: DateTime<Utc>,
}

/// A tip's tag.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagDto {
    /// `LECTURE` or `BOOK`.
    #[schema(value_type = String, example = "BOOK", pattern = "^(LECTURE|BOOK)$")]
    pub tag_type: TagType,
    /// The lecture's or book's name, 1 to 50 characters, not blank.
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub tag_name: String,
}

/// A post in lists and in the detail view.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostResponse {
    /// The post's id, for `GET /posts/{postId}`, likes and comments.
    pub post_id: i64,
    /// `NORMAL`, `TIP` or `COMMENTARY`.
    pub post_type: &'static str,
    /// Title and body.
    pub post_content: PostContent,
    /// Who wrote it (`탈퇴한 회원` once the account is withdrawn).
    pub user: UserRef,
    /// Its images in upload order, each with the id `removeImageIds` takes.
    pub post_images: Vec<PostImageResponse>,
    /// When it was written and last edited.
    pub date_time: DateTimes,
    /// How many users like it.
    pub like_count: i64,
    /// Whether the caller liked it.
    pub like_status: bool,
    /// Comments and replies.
    pub comment_count: i64,
    /// COMMENTARY: the question it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<QuestionResponse>,
    /// TIP: lecture/book tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommend_tags: Option<Vec<TagDto>>,
}

/// Builds author references with image URLs.
pub fn user_ref(author: Author, url: impl Fn(&str) -> String) -> UserRef {
    UserRef {
        user_id: author.user_id,
        nickname: author.nickname,
        profile_image: author.image_key.as_deref().map(url),
        suspended: author.suspended,
    }
}

impl PostResponse {
    /// Builds the response; `question` is the COMMENTARY's resolved question.
    pub fn new(post: Post, question: Option<QuestionResponse>, url: &impl Fn(&str) -> String) -> Self {
        let kind = post.draft.kind;
        Self {
            post_id: post.id,
            post_type: kind.as_str(),
            post_content: PostContent { title: post.draft.title, content: post.draft.content },
            user: user_ref(post.author, url),
            post_images: post
                .images
                .into_iter()
                .map(|i| PostImageResponse { id: i.id, image_url: url(&i.key) })
                .collect(),
            date_time: DateTimes { created_at: post.created_at, modified_at: post.modified_at },
            like_count: post.like_count,
            like_status: post.liked,
            comment_count: post.comment_count,
            question,
            recommend_tags: (kind == PostKind::Tip).then(|| {
                post.draft
                    .tags
                    .into_iter()
                    .map(|t: Tag| TagDto { tag_type: t.tag_type, tag_name: t.tag_name })
                    .collect()
            }),
        }
    }
}

/// A page of posts.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostSlice {
    /// Items (empty past the end).
    pub content: Vec<PostResponse>,
    /// Whether another page has items.
    pub has_next: bool,
    /// Pass as `cursor` for the next page, newest first by (createdAt, id); set when
    /// `hasNext` and the list is in that default order (`null` otherwise).
    pub next_cursor: Option<String>,
}

/// A comment with its replies.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentResponse {
    /// The comment's id: a reply's `parentCommentId`, a like's `targetId`.
    pub post_comment_id: i64,
    /// The comment it replies to.
    pub parent_comment_id: Option<i64>,
    /// Who wrote it (`탈퇴한 회원` once the account is withdrawn).
    pub user: UserRef,
    /// The comment, 1 to 1,000 characters.
    pub content: String,
    /// How many users like it.
    pub like_count: i64,
    /// Whether the caller liked it.
    pub like_status: bool,
    /// When it was written and last edited.
    pub date_time: DateTimes,
    /// Replies, oldest first (always empty on replies).
    #[schema(no_recursion)]
    pub child_post_comments: Vec<CommentResponse>,
}

fn comment(c: Comment, children: Vec<CommentResponse>, url: &impl Fn(&str) -> String) -> CommentResponse {
    CommentResponse {
        post_comment_id: c.id,
        parent_comment_id: c.parent_id,
        user: user_ref(c.author, url),
        content: c.content,
        like_count: c.like_count,
        like_status: c.liked,
        date_time: DateTimes { created_at: c.created_at, modified_at: c.modified_at },
        child_post_comments: children,
    }
}

impl CommentResponse {
    /// A thread as the client nests it.
    pub fn thread(t: CommentThread, url: &impl Fn(&str) -> String) -> Self {
        let children = t.replies.into_iter().map(|r| comment(r, Vec::new(), url)).collect();
        comment(t.comment, children, url)
    }
}

/// `GET /posts/{id}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostDetailResponse {
    /// The post.
    pub post_response: PostResponse,
    /// Comments, oldest first, with their replies.
    pub post_comments: Vec<CommentResponse>,
}

/// The `request` part of post create/edit. Unknown fields are ignored; the client sends
/// `tags: [], examYear: 0, round: 0, questionSequence: 0` on every kind.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct PostRequest {
    /// Edit only: the post.
    pub post_id: Option<i64>,
    /// Title (1–100 characters, not blank).
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]",
        required = true
    )]
    pub title: String,
    /// Body (1–5000 characters, not blank).
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]",
        required = true
    )]
    pub content: String,
    /// TIP: up to 5 tags (checked on every kind, kept on tips).
    #[schema(max_items = 5)]
    pub tags: Vec<TagDto>,
    /// COMMENTARY: the exam year.
    pub exam_year: Option<i32>,
    /// COMMENTARY: the round.
    pub round: Option<i32>,
    /// COMMENTARY: the question's number in the exam.
    pub question_sequence: Option<i32>,
    /// Edit only: image ids to remove.
    #[schema(schema_with = cercat_http::openapi::positive_ids)]
    pub remove_image_ids: Vec<PostImageId>,
}

/// The multipart form of post create/edit (documentation only).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct PostForm {
    /// The JSON fields ([`PostRequest`]).
    request: PostRequest,
    /// 0 to 5 images (PNG/JPEG/GIF/WebP ≤ 5 MiB each).
    #[schema(value_type = Option<Vec<String>>, format = Binary, max_items = 5)]
    files: Option<Vec<Vec<u8>>>,
}

/// `POST /posts/{id}/post-comments`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentRequest {
    /// Text (1–1000 characters, not blank).
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub content: String,
    /// Reply to this top-level comment.
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub parent_comment_id: Option<CommentId>,
}

/// `POST/DELETE /likes`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LikeRequest {
    /// `POST` or `COMMENT`.
    #[schema(value_type = String, example = "POST", pattern = "^(POST|COMMENT)$")]
    pub like_target_type: LikeTarget,
    /// Its id.
    #[schema(minimum = 1)]
    pub target_id: i64,
}

/// The like state after a like/unlike.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LikeResponse {
    /// Whether the caller likes the target now.
    pub like_status: bool,
    /// Whether this call changed anything.
    pub changed: bool,
}

/// List filters (`postType`, `keyword`).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct PostListQuery {
    /// `NORMAL`, `TIP`, `COMMENTARY` (or `REVIEW`, which has no posts: exam reviews live at
    /// `/exam-reviews`); absent for every kind.
    #[param(pattern = "^(NORMAL|TIP|COMMENTARY|REVIEW)?$")]
    pub post_type: Option<String>,
    /// Search title and content: at most 50 characters, blank for none, else with a word of
    /// at least two characters (Korean substrings match).
    #[param(
        max_length = 50,
        pattern = "^[\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$|[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]{2}"
    )]
    pub keyword: Option<String>,
}

/// Commentary filters; blank values (the client sends stray spaces) are ignored.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct CommentaryQuery {
    /// The mock exam's year; blank or `전체` for every year.
    #[param(pattern = "^[ \\t\\n\\r]*(전체|[0-9]{1,9})?[ \\t\\n\\r]*$")]
    pub exam_year: Option<String>,
    /// The mock exam's round within the year; blank or `전체` for every round.
    #[param(pattern = "^[ \\t\\n\\r]*(전체|[0-9]{1,9})?[ \\t\\n\\r]*$")]
    pub round: Option<String>,
    /// The question's number in the exam; blank or `전체` for every question.
    #[param(pattern = "^[ \\t\\n\\r]*(전체|[0-9]{1,9})?[ \\t\\n\\r]*$")]
    pub question_sequence: Option<String>,
}

/// `GET /posts/{postId}/comments` paging: where the previous page ended, and how many
/// top-level comments (with their replies) a page holds.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct CommentPageQuery {
    /// `nextCursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
    /// Top-level comments per page, 1–100 (default 10).
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<i64>,
}

/// A page of a post's comments, oldest first, each top-level comment with its replies.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentPage {
    /// The comments and their replies.
    pub content: Vec<CommentResponse>,
    /// Pass as `cursor` for the next page (`null` on the last).
    pub next_cursor: Option<String>,
    /// Whether another page exists.
    pub has_next: bool,
}

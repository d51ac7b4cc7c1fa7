//! Community boards: posts (multipart with images), the post detail with its comment tree,
//! comments, likes, lists, search, best tips, my posts — the paths Cercat's web client calls.

use actix_web::{delete, get, post, put, web};
use cercat_community::{
    CommunityError, PostDraft, PostKind, PostView, Tag,
    commentary::QuestionChoice,
    ports::PostFilter,
    service::{MAX_IMAGE_BYTES, MAX_IMAGES, PostPaging},
};
use cercat_error::ApiResponse;
use cercat_user::Role;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    AppState,
    dto::{
        community::{
            CommentPage, CommentPageQuery, CommentRequest, CommentResponse, CommentaryQuery, LikeRequest, LikeResponse,
            PostDetailResponse, PostForm, PostListQuery, PostRequest, PostResponse, PostSlice,
        },
        paging::{CursorQuery, PageQuery, PostSorting},
    },
    multipart::{UploadForm, bad_form, unknown_part},
};
use cercat_common::id::{CertificateId, CommentId, Id, PostId};
use cercat_http::dto::mockexam::QuestionResponse;
use cercat_http::{
    AppError, IdPath,
    auth::{Authenticated, Member},
    extract::optional_number,
};

/// Registers the endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(commentary)
        .service(best_tips)
        .service(detail)
        .service(comment_page)
        .service(create)
        .service(update)
        .service(remove)
        .service(add_comment)
        .service(remove_comment)
        .service(like)
        .service(unlike)
        .service(my_posts)
        .service(my_comment_posts);
}

fn url(state: &AppState) -> impl Fn(&str) -> String + '_ {
    |key| state.community.image_url(key)
}

/// Renders a post with the question a COMMENTARY is about.
fn render(state: &AppState, view: PostView) -> PostResponse {
    let question = view.question.map(|q| QuestionResponse::new(q.question, &q.exam, &q.subjects));
    PostResponse::new(view.post, question, &url(state))
}

fn render_all(state: &AppState, views: Vec<PostView>) -> Vec<PostResponse> {
    views.into_iter().map(|v| render(state, v)).collect()
}

fn slice(state: &AppState, s: cercat_common::paging::CursorPage<PostView>) -> PostSlice {
    PostSlice { has_next: s.has_next, next_cursor: s.next_cursor, content: render_all(state, s.content) }
}

/// The page numbers and the cursor, checked against the posts' sortable fields.
/// A like's target id: positive, as every id (0 or below names nothing and is refused).
fn liked_target(id: i64) -> Result<i64, AppError> {
    if id >= 1 { Ok(id) } else { Err(AppError::invalid_body_field("targetId", "must be a positive integer")) }
}

fn paging(page: &PageQuery<PostSorting>, cursor: CursorQuery) -> Result<PostPaging, AppError> {
    Ok(PostPaging { page: page.request()?, cursor: cursor.cursor })
}

fn kind_from_path(raw: &str) -> Result<PostKind, AppError> {
    PostKind::parse(raw).ok_or_else(|| AppError::invalid_path("postType", "must be NORMAL, TIP or COMMENTARY"))
}

/// The board's posts: by kind (`postType`), sorted (`sortFields=count, id` for the most liked),
/// or matching a keyword in title or content. Paged by `page` (what Cercat's client sends) or,
/// in the default newest-first order, by `cursor` (`nextCursor` of the previous page), which
/// skips and repeats nothing while others post. An unknown board is 404 `CRT_001`.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificateId" = i64, Path), PostListQuery, PageQuery<PostSorting>, CursorQuery), extensions(("x-errors" = json!(["COM_009", "GLB_003", "CRT_001"]))), responses(
    (status = 200, description = "Posts", body = ApiResponse<PostSlice>),
))]
#[get("/certificates/{certificateId}/posts")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
    filter: web::Query<PostListQuery>,
    page: web::Query<PageQuery<PostSorting>>,
    cursor: web::Query<CursorQuery>,
) -> Result<ApiResponse<PostSlice>, AppError> {
    let certificate_id = path.0.get();
    let page = paging(&page, cursor.into_inner())?;
    let posts = state
        .community
        .board_posts(certificate_id, filter.post_type.as_deref(), filter.keyword.as_deref(), &page, caller.user_id())
        .await?;
    Ok(ApiResponse::ok(slice(&state, posts)))
}

/// COMMENTARY posts, optionally of one exam year, round and question; blank filters are ignored.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificateId" = i64, Path), CommentaryQuery, PageQuery<PostSorting>), extensions(("x-errors" = json!(["GLB_003"]))), responses(
    (status = 200, description = "Posts", body = ApiResponse<PostSlice>),
))]
#[get("/certificates/{certificateId}/commentary-posts")]
pub async fn commentary(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
    query: web::Query<CommentaryQuery>,
    page: web::Query<PageQuery<PostSorting>>,
) -> Result<ApiResponse<PostSlice>, AppError> {
    let certificate_id = path.0.get();
    let page = PostPaging::from(page.request()?);
    let filter = PostFilter {
        certificate_id: Some(certificate_id),
        kind: Some(PostKind::Commentary),
        exam_year: optional_number(query.exam_year.as_deref(), "examYear")?,
        round: optional_number(query.round.as_deref(), "round")?,
        question_number: optional_number(query.question_sequence.as_deref(), "questionSequence")?,
        ..PostFilter::default()
    };
    let posts = state.community.list(filter, &page, caller.user_id()).await?;
    Ok(ApiResponse::ok(slice(&state, posts)))
}

/// The board's three most-liked tips (cached).
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificateId" = i64, Path)), responses(
    (status = 200, description = "Best tips", body = ApiResponse<Vec<PostResponse>>),
))]
#[get("/certificates/{certificateId}/tip-posts/best")]
pub async fn best_tips(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<Vec<PostResponse>>, AppError> {
    let certificate_id = path.0.get();
    let posts = state.community.best_tips(certificate_id, caller.user_id()).await?;
    Ok(ApiResponse::ok(render_all(&state, posts)))
}

/// A post with its comments and their replies.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("postId" = i64, Path)), extensions(("x-errors" = json!(["COM_001"]))), responses(
    (status = 200, description = "The post", body = ApiResponse<PostDetailResponse>),
))]
#[get("/posts/{postId}")]
pub async fn detail(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<PostId>,
) -> Result<ApiResponse<PostDetailResponse>, AppError> {
    let id = path.0.get();
    let (post, threads) = state.community.post(id, caller.user_id()).await?;
    let post_response = render(&state, post);
    let post_comments = threads.into_iter().map(|t| CommentResponse::thread(t, &url(&state))).collect();
    Ok(ApiResponse::ok(PostDetailResponse { post_response, post_comments }))
}

/// A post's comments a page at a time, oldest first, each top-level comment with its replies —
/// for posts with many comments (`GET /posts/{postId}` carries them all). Pass `nextCursor`
/// back as `cursor`; comments written meanwhile never shift a page.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("postId" = i64, Path), CommentPageQuery), extensions(("x-errors" = json!(["COM_001", "GLB_003"]))), responses(
    (status = 200, description = "A page of comments", body = ApiResponse<CommentPage>),
))]
#[get("/posts/{postId}/comments")]
pub async fn comment_page(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<PostId>,
    query: web::Query<CommentPageQuery>,
) -> Result<ApiResponse<CommentPage>, AppError> {
    let id = path.0.get();
    let comments = cercat_community::CommunityService::comments_list(id);
    let page = cercat_common::paging::KeysetRequest::parse(&comments, query.cursor.as_deref(), query.size)
        .map_err(|e| AppError::invalid_query(e.field, &e.reason))?;
    let found = state.community.comment_threads(id, caller.user_id(), &page).await?;
    let content = found.content.into_iter().map(|t| CommentResponse::thread(t, &url(&state))).collect();
    Ok(ApiResponse::ok(CommentPage { content, next_cursor: found.next_cursor, has_next: found.has_next }))
}

/// Reads the `request` JSON part and the `files` parts (images counted against `user_id`'s
/// daily quota); stops at the first part that is too large or unknown.
async fn read_form(form: &mut UploadForm, user_id: i64) -> Result<(PostRequest, Vec<Vec<u8>>), AppError> {
    let mut request = None;
    let mut files = Vec::new();
    while let Some((name, mut field)) = form.next_part().await? {
        match name.as_str() {
            "request" if request.is_none() => request = Some(form.read_request::<PostRequest>(&mut field).await?),
            "files" | "file" => {
                if files.len() == MAX_IMAGES {
                    return Err(CommunityError::InvalidImage(format!("at most {MAX_IMAGES} images per post")).into());
                }
                let too_big = || {
                    AppError::from(CommunityError::InvalidImage(format!(
                        "an image is larger than {MAX_IMAGE_BYTES} bytes"
                    )))
                };
                if let Some(bytes) = form.read_file(&mut field, user_id, MAX_IMAGE_BYTES, too_big).await? {
                    files.push(bytes);
                }
            }
            other => return Err(unknown_part(other, "one `request` part and up to five `files` parts")),
        }
    }
    let request = request.ok_or_else(|| bad_form("the `request` part (JSON) is missing"))?;
    Ok((request, files))
}

/// The request's fields as a draft, and the question a COMMENTARY names (resolved by the service).
fn draft(kind: PostKind, r: &PostRequest) -> (PostDraft, QuestionChoice) {
    let draft = PostDraft {
        kind,
        title: r.title.clone(),
        content: r.content.clone(),
        tags: r.tags.iter().map(|t| Tag { tag_type: t.tag_type, tag_name: t.tag_name.clone() }).collect(),
        question: None,
    };
    (draft, QuestionChoice { exam_year: r.exam_year, round: r.round, number: r.question_sequence })
}

/// Writes a post. Multipart: `request` = JSON ([`PostRequest`]; unknown fields ignored) and 0–5
/// `files` (PNG/JPEG/GIF/WebP ≤ 5 MiB, checked by content). COMMENTARY posts name an existing
/// question of the board's mock exams (`examYear`, `round`, `questionSequence`).
#[utoipa::path(tag = "community", security(("access_token" = ["USER"])),
    params(("certificateId" = i64, Path), ("postType" = inline(crate::dto::path::PostTypeSegment), Path)),
    request_body(content = PostForm, content_type = "multipart/form-data"), extensions(("x-errors" = json!(["GLB_014", "COM_002", "COM_007", "USR_009", "CRT_001", "COM_008", "GLB_009", "UPL_001", "GLB_008"]))), responses(
    (status = 201, description = "Created", body = ApiResponse<PostResponse>),
))]
#[post("/certificates/{certificateId}/{postType}/posts")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<(CertificateId, String)>,
    mut form: UploadForm,
) -> Result<ApiResponse<PostResponse>, AppError> {
    let (certificate_id, kind) = path.into_inner();
    let certificate_id = certificate_id.get();
    let kind = kind_from_path(&kind)?;
    state.community.ensure_board(certificate_id).await?;
    let (request, files) = read_form(&mut form, caller.user_id()).await?;
    let (draft, question) = draft(kind, &request);
    let post = state.community.create_post(certificate_id, caller.user_id(), draft, question, files).await?;
    Ok(ApiResponse::created(render(&state, post)))
}

/// Edits the caller's post (`request.postId`): fields, `removeImageIds`, new `files`.
#[utoipa::path(tag = "community", security(("access_token" = ["USER"])),
    params(("certificateId" = i64, Path), ("postType" = inline(crate::dto::path::PostTypeSegment), Path)),
    request_body(content = PostForm, content_type = "multipart/form-data"), extensions(("x-errors" = json!(["GLB_014", "COM_002", "COM_007", "COM_003", "COM_001", "COM_008", "GLB_009", "UPL_001", "GLB_008"]))), responses(
    (status = 200, description = "Updated", body = ApiResponse<PostResponse>),
))]
#[put("/certificates/{certificateId}/{postType}/posts")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Member,
    path: web::Path<(i64, String)>,
    mut form: UploadForm,
) -> Result<ApiResponse<PostResponse>, AppError> {
    let (_, kind) = path.into_inner();
    let kind = kind_from_path(&kind)?;
    let (request, files) = read_form(&mut form, caller.user_id()).await?;
    let post_id =
        request.post_id.ok_or(CommunityError::InvalidPost { field: "postId", reason: "is required".into() })?;
    // The client hard-codes board 1 in this path; the post's own board is what counts.
    let (draft, question) = draft(kind, &request);
    let image_ids: Vec<i64> = request.remove_image_ids.iter().map(|id| id.get()).collect();
    let post = state.community.update_post(post_id, caller.user_id(), draft, question, &image_ids, files).await?;
    Ok(ApiResponse::ok(render(&state, post)))
}

/// Deletes a post (its author, or an admin) with its comments, likes and images.
#[utoipa::path(tag = "community", security(("access_token" = ["USER"])), params(("postId" = i64, Path)), extensions(("x-errors" = json!(["COM_003", "COM_001"]))), responses(
    (status = 200, description = "Deleted", body = ApiResponse<bool>),
))]
#[delete("/posts/{postId}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<PostId>,
) -> Result<ApiResponse<bool>, AppError> {
    let id = path.0.get();
    state.community.delete_post(id, caller.user_id(), caller.0.role == Role::Admin).await?;
    Ok(ApiResponse::ok(true))
}

/// Comments on a post, or replies (`parentCommentId`) to one of its top-level comments.
#[utoipa::path(tag = "community", security(("access_token" = ["USER"])), params(("postId" = i64, Path)), request_body = CommentRequest, extensions(("x-errors" = json!(["COM_005", "COM_001", "COM_004"]))), responses(
    (status = 201, description = "The comment id", body = ApiResponse<i64>),
))]
#[post("/posts/{postId}/post-comments")]
pub async fn add_comment(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<PostId>,
    body: web::Json<cercat_error::Strict<CommentRequest>>,
) -> Result<ApiResponse<i64>, AppError> {
    let id = path.0.get();
    let body = body.into_inner().0;
    let comment =
        state.community.add_comment(id, caller.user_id(), body.parent_comment_id.map(Id::get), &body.content).await?;
    Ok(ApiResponse::created(comment))
}

/// Deletes a comment with its replies (its author, or an admin); the post's count drops exactly.
#[utoipa::path(tag = "community", security(("access_token" = ["USER"])), params(("commentId" = i64, Path)), extensions(("x-errors" = json!(["COM_003", "COM_004"]))), responses(
    (status = 200, description = "Deleted", body = ApiResponse<bool>),
))]
#[delete("/post-comments/{commentId}")]
pub async fn remove_comment(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<CommentId>,
) -> Result<ApiResponse<bool>, AppError> {
    let id = path.0.get();
    state.community.delete_comment(id, caller.user_id(), caller.0.role == Role::Admin).await?;
    Ok(ApiResponse::ok(true))
}

/// Likes a post or comment; liking twice changes nothing.
#[utoipa::path(tag = "community", security(("access_token" = ["USER"])), request_body = LikeRequest, extensions(("x-errors" = json!(["COM_006"]))), responses(
    (status = 200, description = "Liked", body = ApiResponse<LikeResponse>),
))]
#[post("/likes")]
pub async fn like(
    state: web::Data<AppState>,
    caller: Member,
    body: web::Json<cercat_error::Strict<LikeRequest>>,
) -> Result<ApiResponse<LikeResponse>, AppError> {
    let target = liked_target(body.target_id)?;
    let changed = state.community.like(caller.user_id(), body.like_target_type, target).await?;
    Ok(ApiResponse::ok(LikeResponse { like_status: true, changed }))
}

/// Removes a like (the body names it, as Cercat's client sends it); removing none changes nothing.
#[utoipa::path(tag = "community", security(("access_token" = ["USER"])), request_body = LikeRequest, responses(
    (status = 200, description = "Unliked", body = ApiResponse<LikeResponse>),
))]
#[delete("/likes")]
pub async fn unlike(
    state: web::Data<AppState>,
    caller: Member,
    body: web::Json<cercat_error::Strict<LikeRequest>>,
) -> Result<ApiResponse<LikeResponse>, AppError> {
    let target = liked_target(body.target_id)?;
    let changed = state.community.unlike(caller.user_id(), body.like_target_type, target).await?;
    Ok(ApiResponse::ok(LikeResponse { like_status: false, changed }))
}

/// The caller's posts of one kind, by `page` or (newest first) by `cursor`.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("postType" = inline(crate::dto::path::PostTypeSegment), Path), PageQuery<PostSorting>, CursorQuery), extensions(("x-errors" = json!(["COM_009", "GLB_003"]))), responses(
    (status = 200, description = "Posts", body = ApiResponse<PostSlice>),
))]
#[get("/{postType}/posts/my-posts")]
pub async fn my_posts(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    page: web::Query<PageQuery<PostSorting>>,
    cursor: web::Query<CursorQuery>,
) -> Result<ApiResponse<PostSlice>, AppError> {
    let kind = kind_from_path(&path.into_inner())?;
    let page = paging(&page, cursor.into_inner())?;
    let filter = PostFilter { kind: Some(kind), author_id: Some(caller.user_id()), ..PostFilter::default() };
    let posts = state.community.list(filter, &page, caller.user_id()).await?;
    Ok(ApiResponse::ok(slice(&state, posts)))
}

/// Posts the caller commented on, by `page` or (newest first) by `cursor`.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(PageQuery<PostSorting>, CursorQuery), extensions(("x-errors" = json!(["COM_009", "GLB_003"]))), responses(
    (status = 200, description = "Posts", body = ApiResponse<PostSlice>),
))]
#[get("/comment-posts/my-comment-posts")]
pub async fn my_comment_posts(
    state: web::Data<AppState>,
    caller: Authenticated,
    page: web::Query<PageQuery<PostSorting>>,
    cursor: web::Query<CursorQuery>,
) -> Result<ApiResponse<PostSlice>, AppError> {
    let page = paging(&page, cursor.into_inner())?;
    let filter = PostFilter { commented_by: Some(caller.user_id()), ..PostFilter::default() };
    let posts = state.community.list(filter, &page, caller.user_id()).await?;
    Ok(ApiResponse::ok(slice(&state, posts)))
}

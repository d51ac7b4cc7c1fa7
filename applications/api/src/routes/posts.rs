//! Community boards: posts (multipart with images), the post detail with its comment tree,
//! comments, likes, lists, search, best tips, my posts — the paths Cercat's web client calls.

use std::collections::HashMap;

use actix_web::{delete, get, post, put, web};
use cercat_community::{
    CommunityError, Post, PostDraft, PostKind, Tag,
    model::QuestionRef,
    ports::PostFilter,
    service::{CommunityService, MAX_IMAGE_BYTES, MAX_IMAGES, POST_SORT_FIELDS},
};
use cercat_error::ApiResponse;
use cercat_user::Role;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    AppState,
    dto::{
        community::{
            CommentRequest, CommentResponse, CommentaryQuery, LikeRequest, LikeResponse, PostDetailResponse, PostForm,
            PostListQuery, PostRequest, PostResponse, PostSlice,
        },
        paging::PageQuery,
    },
    multipart::{UploadForm, bad_form, unknown_part},
};
use cercat_common::id::{CertificateId, CommentId, PostId};
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

/// Renders posts, resolving each COMMENTARY's question through the (cached) question sets.
async fn render(state: &AppState, posts: Vec<Post>) -> Result<Vec<PostResponse>, AppError> {
    let mut sets = HashMap::new();
    let mut out = Vec::with_capacity(posts.len());
    for post in posts {
        let question = match post.draft.question {
            Some(q) => {
                if let std::collections::hash_map::Entry::Vacant(slot) = sets.entry(q.mock_exam_id) {
                    let found = match state.mockexams.question_set(q.mock_exam_id).await {
                        Ok(set) => {
                            let subjects = state.mockexams.subjects_of(&set.exam).await?;
                            Some((set, subjects))
                        }
                        // The exam was deleted after the post was written: show the post without it.
                        Err(cercat_mockexam::MockExamError::NotFound(_)) => None,
                        Err(err) => return Err(err.into()),
                    };
                    slot.insert(found);
                }
                sets.get(&q.mock_exam_id).and_then(Option::as_ref).and_then(|(set, subjects)| {
                    let question = set.questions.iter().find(|x| x.number == q.number)?.clone();
                    Some(QuestionResponse::new(question, &set.exam, subjects))
                })
            }
            None => None,
        };
        out.push(PostResponse::new(post, question, &url(state)));
    }
    Ok(out)
}

async fn slice(state: &AppState, s: cercat_common::paging::Slice<Post>) -> Result<PostSlice, AppError> {
    Ok(PostSlice { has_next: s.has_next, content: render(state, s.content).await? })
}

fn kind_from_path(raw: &str) -> Result<PostKind, AppError> {
    PostKind::parse(raw).ok_or_else(|| AppError::invalid_path("postType", "must be NORMAL, TIP or COMMENTARY"))
}

/// The board's posts: by kind (`postType`), sorted (`sortFields=count, id` for the most liked),
/// or matching a keyword in title or content.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificate_id" = i64, Path), PostListQuery, PageQuery), extensions(("x-errors" = json!(["COM_009", "GLB_003"]))), responses(
    (status = 200, description = "Posts", body = ApiResponse<PostSlice>),
))]
#[get("/certificates/{certificate_id}/posts")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
    filter: web::Query<PostListQuery>,
    page: web::Query<PageQuery>,
) -> Result<ApiResponse<PostSlice>, AppError> {
    let certificate_id = path.0.get();
    let page = page.request(POST_SORT_FIELDS)?;
    let kind = match filter.post_type.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        // Exam reviews are not posts; the review board is served by `/exam-reviews`.
        Some("REVIEW") => return Ok(ApiResponse::ok(PostSlice { content: Vec::new(), has_next: false })),
        Some(t) => Some(PostKind::parse(t).ok_or_else(|| CommunityError::InvalidQuery {
            field: "postType",
            reason: "must be NORMAL, TIP, COMMENTARY or REVIEW".into(),
        })?),
    };
    let keyword = match filter.keyword.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => {
            // Searches are recorded per board: only for boards that exist.
            state.certificates.get(certificate_id).await?;
            Some(CommunityService::keyword_filter(k)?)
        }
    };
    let searched = keyword.as_ref().map(|(k, _)| k.clone());
    let filter = PostFilter { certificate_id: Some(certificate_id), kind, keyword, ..PostFilter::default() };
    let posts = state.community.list(filter, &page, caller.user_id()).await?;
    // A search's first page counts as one search (scrolling for more does not).
    if let Some(keyword) = searched.filter(|_| page.page() == 0) {
        state.community.record_search(caller.user_id(), certificate_id, &keyword).await;
    }
    Ok(ApiResponse::ok(slice(&state, posts).await?))
}

/// COMMENTARY posts, optionally of one exam year, round and question; blank filters are ignored.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificate_id" = i64, Path), CommentaryQuery, PageQuery), extensions(("x-errors" = json!(["GLB_003"]))), responses(
    (status = 200, description = "Posts", body = ApiResponse<PostSlice>),
))]
#[get("/certificates/{certificate_id}/commentary-posts")]
pub async fn commentary(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
    query: web::Query<CommentaryQuery>,
    page: web::Query<PageQuery>,
) -> Result<ApiResponse<PostSlice>, AppError> {
    let certificate_id = path.0.get();
    let page = page.request(POST_SORT_FIELDS)?;
    let filter = PostFilter {
        certificate_id: Some(certificate_id),
        kind: Some(PostKind::Commentary),
        exam_year: optional_number(query.exam_year.as_deref(), "examYear")?,
        round: optional_number(query.round.as_deref(), "round")?,
        question_number: optional_number(query.question_sequence.as_deref(), "questionSequence")?,
        ..PostFilter::default()
    };
    let posts = state.community.list(filter, &page, caller.user_id()).await?;
    Ok(ApiResponse::ok(slice(&state, posts).await?))
}

/// The board's three most-liked tips (cached).
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("certificate_id" = i64, Path)), responses(
    (status = 200, description = "Best tips", body = ApiResponse<Vec<PostResponse>>),
))]
#[get("/certificates/{certificate_id}/tip-posts/best")]
pub async fn best_tips(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<CertificateId>,
) -> Result<ApiResponse<Vec<PostResponse>>, AppError> {
    let certificate_id = path.0.get();
    let posts = state.community.best_tips(certificate_id, caller.user_id()).await?;
    Ok(ApiResponse::ok(render(&state, posts).await?))
}

/// A post with its comments and their replies.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("post_id" = i64, Path)), extensions(("x-errors" = json!(["COM_001"]))), responses(
    (status = 200, description = "The post", body = ApiResponse<PostDetailResponse>),
))]
#[get("/posts/{post_id}")]
pub async fn detail(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: IdPath<PostId>,
) -> Result<ApiResponse<PostDetailResponse>, AppError> {
    let id = path.0.get();
    let (post, threads) = state.community.post(id, caller.user_id()).await?;
    let post_response = render(&state, vec![post]).await?.pop().ok_or(CommunityError::PostNotFound(id))?;
    let post_comments = threads.into_iter().map(|t| CommentResponse::thread(t, &url(&state))).collect();
    Ok(ApiResponse::ok(PostDetailResponse { post_response, post_comments }))
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

/// Resolves a COMMENTARY's (year, round, question) to a question of the board's mock exams.
async fn resolve_question(state: &AppState, certificate_id: i64, r: &PostRequest) -> Result<QuestionRef, AppError> {
    let missing = |what: String| AppError::from(CommunityError::QuestionNotFound(what));
    let (Some(year), Some(round), Some(number)) = (r.exam_year, r.round, r.question_sequence) else {
        return Err(CommunityError::InvalidPost {
            field: "questionSequence",
            reason: "a commentary needs examYear, round and questionSequence".into(),
        }
        .into());
    };
    let exam = state
        .mockexams
        .mock_exams(certificate_id, Some(year))
        .await?
        .into_iter()
        .find(|e| e.round == round)
        .ok_or_else(|| missing(format!("certificate {certificate_id} has no mock exam for {year} round {round}")))?;
    let set = state.mockexams.question_set(exam.id).await?;
    if !set.questions.iter().any(|q| q.number == number) {
        return Err(missing(format!("the {year} round {round} mock exam has no question {number}")));
    }
    Ok(QuestionRef { mock_exam_id: exam.id, exam_year: year, round, number })
}

async fn draft(state: &AppState, certificate_id: i64, kind: PostKind, r: &PostRequest) -> Result<PostDraft, AppError> {
    let question =
        if kind == PostKind::Commentary { Some(resolve_question(state, certificate_id, r).await?) } else { None };
    Ok(PostDraft {
        kind,
        title: r.title.clone(),
        content: r.content.clone(),
        tags: r.tags.iter().map(|t| Tag { tag_type: t.tag_type, tag_name: t.tag_name.clone() }).collect(),
        question,
    })
}

/// Writes a post. Multipart: `request` = JSON ([`PostRequest`]; unknown fields ignored) and 0–5
/// `files` (PNG/JPEG/GIF/WebP ≤ 5 MiB, checked by content). COMMENTARY posts name an existing
/// question of the board's mock exams (`examYear`, `round`, `questionSequence`).
#[utoipa::path(tag = "community", security(("access_token" = [])),
    params(("certificate_id" = i64, Path), ("post_type" = String, Path, description = "NORMAL, TIP or COMMENTARY")),
    request_body(content = PostForm, content_type = "multipart/form-data"), extensions(("x-errors" = json!(["GLB_014", "COM_002", "COM_007", "USR_009", "CRT_001", "COM_008", "GLB_009", "UPL_001", "GLB_008"]))), responses(
    (status = 201, description = "Created", body = ApiResponse<PostResponse>),
))]
#[post("/certificates/{certificate_id}/{post_type}/posts")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<(CertificateId, String)>,
    mut form: UploadForm,
) -> Result<ApiResponse<PostResponse>, AppError> {
    let (certificate_id, kind) = path.into_inner();
    let certificate_id = certificate_id.get();
    let kind = kind_from_path(&kind)?;
    state.certificates.get(certificate_id).await?;
    let (request, files) = read_form(&mut form, caller.user_id()).await?;
    let draft = draft(&state, certificate_id, kind, &request).await?;
    let post = state.community.create_post(certificate_id, caller.user_id(), draft, files).await?;
    Ok(ApiResponse::created(render(&state, vec![post]).await?.pop().ok_or(CommunityError::PostNotFound(0))?))
}

/// Edits the caller's post (`request.postId`): fields, `removeImageIds`, new `files`.
#[utoipa::path(tag = "community", security(("access_token" = [])),
    params(("certificate_id" = i64, Path), ("post_type" = String, Path, description = "NORMAL, TIP or COMMENTARY")),
    request_body(content = PostForm, content_type = "multipart/form-data"), extensions(("x-errors" = json!(["GLB_014", "COM_002", "COM_007", "COM_003", "COM_001", "COM_008", "GLB_009", "UPL_001", "GLB_008"]))), responses(
    (status = 200, description = "Updated", body = ApiResponse<PostResponse>),
))]
#[put("/certificates/{certificate_id}/{post_type}/posts")]
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
    let existing = state.community.post(post_id, caller.user_id()).await?.0;
    let draft = draft(&state, existing.certificate_id, kind, &request).await?;
    let post = state.community.update_post(post_id, caller.user_id(), draft, &request.remove_image_ids, files).await?;
    Ok(ApiResponse::ok(render(&state, vec![post]).await?.pop().ok_or(CommunityError::PostNotFound(post_id))?))
}

/// Deletes a post (its author, or an admin) with its comments, likes and images.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("post_id" = i64, Path)), extensions(("x-errors" = json!(["COM_003", "COM_001"]))), responses(
    (status = 200, description = "Deleted", body = ApiResponse<bool>),
))]
#[delete("/posts/{post_id}")]
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
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("post_id" = i64, Path)), request_body = CommentRequest, extensions(("x-errors" = json!(["COM_005", "COM_001", "COM_004"]))), responses(
    (status = 201, description = "The comment id", body = ApiResponse<i64>),
))]
#[post("/posts/{post_id}/post-comments")]
pub async fn add_comment(
    state: web::Data<AppState>,
    caller: Member,
    path: IdPath<PostId>,
    body: web::Json<CommentRequest>,
) -> Result<ApiResponse<i64>, AppError> {
    let id = path.0.get();
    let body = body.into_inner();
    let comment = state.community.add_comment(id, caller.user_id(), body.parent_comment_id, &body.content).await?;
    Ok(ApiResponse::created(comment))
}

/// Deletes a comment with its replies (its author, or an admin); the post's count drops exactly.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("comment_id" = i64, Path)), extensions(("x-errors" = json!(["COM_003", "COM_004"]))), responses(
    (status = 200, description = "Deleted", body = ApiResponse<bool>),
))]
#[delete("/post-comments/{comment_id}")]
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
#[utoipa::path(tag = "community", security(("access_token" = [])), request_body = LikeRequest, extensions(("x-errors" = json!(["COM_006"]))), responses(
    (status = 200, description = "Liked", body = ApiResponse<LikeResponse>),
))]
#[post("/likes")]
pub async fn like(
    state: web::Data<AppState>,
    caller: Member,
    body: web::Json<LikeRequest>,
) -> Result<ApiResponse<LikeResponse>, AppError> {
    let changed = state.community.like(caller.user_id(), body.like_target_type, body.target_id).await?;
    Ok(ApiResponse::ok(LikeResponse { like_status: true, changed }))
}

/// Removes a like (the body names it, as Cercat's client sends it); removing none changes nothing.
#[utoipa::path(tag = "community", security(("access_token" = [])), request_body = LikeRequest, responses(
    (status = 200, description = "Unliked", body = ApiResponse<LikeResponse>),
))]
#[delete("/likes")]
pub async fn unlike(
    state: web::Data<AppState>,
    caller: Member,
    body: web::Json<LikeRequest>,
) -> Result<ApiResponse<LikeResponse>, AppError> {
    let changed = state.community.unlike(caller.user_id(), body.like_target_type, body.target_id).await?;
    Ok(ApiResponse::ok(LikeResponse { like_status: false, changed }))
}

/// The caller's posts of one kind.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(("post_type" = String, Path), PageQuery), responses(
    (status = 200, description = "Posts", body = ApiResponse<PostSlice>),
))]
#[get("/{post_type}/posts/my-posts")]
pub async fn my_posts(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    page: web::Query<PageQuery>,
) -> Result<ApiResponse<PostSlice>, AppError> {
    let kind = kind_from_path(&path.into_inner())?;
    let page = page.request(POST_SORT_FIELDS)?;
    let filter = PostFilter { kind: Some(kind), author_id: Some(caller.user_id()), ..PostFilter::default() };
    let posts = state.community.list(filter, &page, caller.user_id()).await?;
    Ok(ApiResponse::ok(slice(&state, posts).await?))
}

/// Posts the caller commented on.
#[utoipa::path(tag = "community", security(("access_token" = [])), params(PageQuery), responses(
    (status = 200, description = "Posts", body = ApiResponse<PostSlice>),
))]
#[get("/comment-posts/my-comment-posts")]
pub async fn my_comment_posts(
    state: web::Data<AppState>,
    caller: Authenticated,
    page: web::Query<PageQuery>,
) -> Result<ApiResponse<PostSlice>, AppError> {
    let page = page.request(POST_SORT_FIELDS)?;
    let filter = PostFilter { commented_by: Some(caller.user_id()), ..PostFilter::default() };
    let posts = state.community.list(filter, &page, caller.user_id()).await?;
    Ok(ApiResponse::ok(slice(&state, posts).await?))
}

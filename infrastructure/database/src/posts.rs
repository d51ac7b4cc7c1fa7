//! [`PostRepository`] over `posts`, `post_images`, `post_tokens`, `post_comments` and `likes`.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use cercat_common::{
    PortError,
    paging::{Direction, SortOrder},
};
use cercat_community::{
    LikeTarget, Post, PostDraft, PostKind, Tag,
    events::{Activity, CommunityEvent},
    model::{Author, Comment, PostImage, QuestionRef},
    ports::{LikeOutcome, PostFilter, PostRepository},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect, SqlErr,
    sea_query::{Expr, ExprTrait, LikeExpr, Query},
};

use crate::{
    db::Db,
    entity::{like, post, post_comment, post_image, post_token, user},
    outbox::append_event,
};

/// Posts, comments and likes.
#[derive(Clone, Debug)]
pub struct SqlPostRepository {
    db: Db,
}

impl SqlPostRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

/// (id, nickname, profile image key, withdrawn at).
type AuthorRow = (i64, String, Option<String>, Option<DateTime<Utc>>);

/// Shown for authors whose account was withdrawn.
const WITHDRAWN: &str = "탈퇴한 회원";

pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

async fn insert_tokens<C: ConnectionTrait>(conn: &C, post_id: i64, tokens: &[String]) -> Result<(), DbErr> {
    for chunk in tokens.chunks(400) {
        let rows = chunk.iter().map(|t| post_token::ActiveModel { token: Set(t.clone()), post_id: Set(post_id) });
        post_token::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(())
}

async fn insert_images<C: ConnectionTrait>(conn: &C, post_id: i64, keys: &[String]) -> Result<(), DbErr> {
    if keys.is_empty() {
        return Ok(());
    }
    let rows = keys.iter().map(|k| post_image::ActiveModel {
        post_id: Set(post_id),
        object_key: Set(k.clone()),
        ..Default::default()
    });
    post_image::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(())
}

/// Locks a post or comment row first, on MySQL/MariaDB (SQLite's `BEGIN IMMEDIATE` already
/// serializes writers). Every write transaction here takes the row it counts on before touching
/// `likes` or `post_comments`, so concurrent likes, unlikes, comments and deletions queue in one
/// order instead of deadlocking.
async fn lock_row<C: ConnectionTrait>(conn: &C, target: LikeTarget, id: i64) -> Result<bool, DbErr> {
    if conn.get_database_backend() != sea_orm::DatabaseBackend::MySql {
        return Ok(true);
    }
    let found = match target {
        LikeTarget::Post => {
            post::Entity::find_by_id(id)
                .select_only()
                .column(post::Column::Id)
                .lock_exclusive()
                .into_tuple::<i64>()
                .one(conn)
                .await?
        }
        LikeTarget::Comment => {
            post_comment::Entity::find_by_id(id)
                .select_only()
                .column(post_comment::Column::Id)
                .lock_exclusive()
                .into_tuple::<i64>()
                .one(conn)
                .await?
        }
    };
    Ok(found.is_some())
}

/// The activity event for `receiver` about `post_id`, or `None` for one's own content.
async fn activity<C: ConnectionTrait>(
    conn: &C,
    kind: fn(Activity) -> CommunityEvent,
    receiver_id: i64,
    actor_id: i64,
    post_id: i64,
    comment_id: Option<i64>,
) -> Result<Option<CommunityEvent>, DbErr> {
    if receiver_id == actor_id {
        return Ok(None);
    }
    let nickname: Option<String> =
        user::Entity::find_by_id(actor_id).select_only().column(user::Column::Nickname).into_tuple().one(conn).await?;
    let certificate_id: Option<i64> = post::Entity::find_by_id(post_id)
        .select_only()
        .column(post::Column::CertificateId)
        .into_tuple()
        .one(conn)
        .await?;
    let payload = Activity {
        receiver_id,
        actor_id,
        actor_nickname: nickname.unwrap_or_default(),
        post_id,
        comment_id,
        certificate_id: certificate_id.unwrap_or_default(),
    };
    Ok(Some(kind(payload)))
}

/// Authors by user id (a placeholder for withdrawn accounts); missing ids are absent.
pub(crate) async fn authors(db: &Db, ids: impl IntoIterator<Item = i64>) -> Result<HashMap<i64, Author>, PortError> {
    let ids: Vec<i64> = ids.into_iter().collect::<HashSet<_>>().into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<AuthorRow> = db
        .run(
            user::Entity::find()
                .select_only()
                .columns([
                    user::Column::Id,
                    user::Column::Nickname,
                    user::Column::ProfileImageKey,
                    user::Column::WithdrawnAt,
                ])
                .filter(user::Column::Id.is_in(ids))
                .into_tuple()
                .all(db.conn()),
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, nickname, image, withdrawn)| {
            let author = match withdrawn {
                Some(_) => Author { user_id: id, nickname: WITHDRAWN.into(), image_key: None },
                None => Author { user_id: id, nickname, image_key: image },
            };
            (id, author)
        })
        .collect())
}

/// `authors[id]`, or the withdrawn placeholder when the account is gone.
pub(crate) fn author_of(authors: &HashMap<i64, Author>, user_id: i64) -> Author {
    authors.get(&user_id).cloned().unwrap_or(Author { user_id, nickname: WITHDRAWN.into(), image_key: None })
}

fn tags_json(draft: &PostDraft) -> String {
    serde_json::to_string(&draft.tags).unwrap_or_else(|_| "[]".into())
}

impl SqlPostRepository {
    async fn liked(&self, viewer: i64, target: LikeTarget, ids: &[i64]) -> Result<HashSet<i64>, PortError> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let rows: Vec<i64> = self
            .db
            .run(
                like::Entity::find()
                    .select_only()
                    .column(like::Column::TargetId)
                    .filter(like::Column::UserId.eq(viewer))
                    .filter(like::Column::TargetType.eq(target.as_str()))
                    .filter(like::Column::TargetId.is_in(ids.to_vec()))
                    .into_tuple()
                    .all(self.db.conn()),
            )
            .await?;
        Ok(rows.into_iter().collect())
    }

    async fn hydrate(&self, rows: Vec<post::Model>, viewer: i64) -> Result<Vec<Post>, PortError> {
        let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
        let authors = authors(&self.db, rows.iter().map(|p| p.user_id)).await?;
        let liked = self.liked(viewer, LikeTarget::Post, &ids).await?;
        let images = if ids.is_empty() {
            Vec::new()
        } else {
            self.db
                .run(
                    post_image::Entity::find()
                        .filter(post_image::Column::PostId.is_in(ids))
                        .order_by_asc(post_image::Column::Id)
                        .all(self.db.conn()),
                )
                .await?
        };
        rows.into_iter()
            .map(|p| {
                let kind = PostKind::parse(&p.post_type)
                    .ok_or_else(|| PortError::Corrupt(format!("post {} has type {}", p.id, p.post_type)))?;
                let tags: Vec<Tag> = serde_json::from_str(&p.tags).unwrap_or_default();
                let question = match (p.mock_exam_id, p.exam_year, p.round, p.question_number) {
                    (Some(mock_exam_id), Some(exam_year), Some(round), Some(number)) => {
                        Some(QuestionRef { mock_exam_id, exam_year, round, number })
                    }
                    _ => None,
                };
                Ok(Post {
                    id: p.id,
                    certificate_id: p.certificate_id,
                    draft: PostDraft { kind, title: p.title, content: p.content, tags, question },
                    author: author_of(&authors, p.user_id),
                    images: images
                        .iter()
                        .filter(|i| i.post_id == p.id)
                        .map(|i| PostImage { id: i.id, key: i.object_key.clone() })
                        .collect(),
                    like_count: p.like_count,
                    liked: liked.contains(&p.id),
                    comment_count: p.comment_count,
                    created_at: p.created_at,
                    modified_at: p.updated_at,
                })
            })
            .collect()
    }

    async fn comment_models(&self, rows: Vec<post_comment::Model>, viewer: i64) -> Result<Vec<Comment>, PortError> {
        let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
        let authors = authors(&self.db, rows.iter().map(|c| c.user_id)).await?;
        let liked = self.liked(viewer, LikeTarget::Comment, &ids).await?;
        Ok(rows
            .into_iter()
            .map(|c| Comment {
                id: c.id,
                post_id: c.post_id,
                parent_id: c.parent_id,
                author: author_of(&authors, c.user_id),
                content: c.content,
                like_count: c.like_count,
                liked: liked.contains(&c.id),
                created_at: c.created_at,
                modified_at: c.updated_at,
            })
            .collect())
    }
}

fn question_columns(draft: &PostDraft) -> (Option<i64>, Option<i32>, Option<i32>, Option<i32>) {
    match draft.question {
        Some(q) => (Some(q.mock_exam_id), Some(q.exam_year), Some(q.round), Some(q.number)),
        None => (None, None, None, None),
    }
}

#[async_trait]
impl PostRepository for SqlPostRepository {
    async fn create(
        &self,
        certificate_id: i64,
        user_id: i64,
        draft: &PostDraft,
        tokens: &[String],
        image_keys: &[String],
        at: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        let (mock_exam_id, exam_year, round, number) = question_columns(draft);
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                let row = post::ActiveModel {
                    certificate_id: Set(certificate_id),
                    user_id: Set(user_id),
                    post_type: Set(draft.kind.as_str().to_owned()),
                    title: Set(draft.title.clone()),
                    content: Set(draft.content.clone()),
                    tags: Set(tags_json(draft)),
                    mock_exam_id: Set(mock_exam_id),
                    exam_year: Set(exam_year),
                    round: Set(round),
                    question_number: Set(number),
                    like_count: Set(0),
                    comment_count: Set(0),
                    created_at: Set(at),
                    updated_at: Set(at),
                    ..Default::default()
                };
                let id = post::Entity::insert(row).exec(&txn).await?.last_insert_id;
                insert_images(&txn, id, image_keys).await?;
                insert_tokens(&txn, id, tokens).await?;
                txn.commit().await?;
                Ok(id)
            })
            .await
    }

    async fn update(
        &self,
        post_id: i64,
        draft: &PostDraft,
        tokens: &[String],
        remove_image_ids: &[i64],
        new_image_keys: &[String],
        at: DateTime<Utc>,
    ) -> Result<Vec<String>, PortError> {
        let (mock_exam_id, exam_year, round, number) = question_columns(draft);
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                post::Entity::update_many()
                    .col_expr(post::Column::Title, Expr::value(draft.title.clone()))
                    .col_expr(post::Column::Content, Expr::value(draft.content.clone()))
                    .col_expr(post::Column::Tags, Expr::value(tags_json(draft)))
                    .col_expr(post::Column::MockExamId, Expr::value(mock_exam_id))
                    .col_expr(post::Column::ExamYear, Expr::value(exam_year))
                    .col_expr(post::Column::Round, Expr::value(round))
                    .col_expr(post::Column::QuestionNumber, Expr::value(number))
                    .col_expr(post::Column::UpdatedAt, Expr::value(at))
                    .filter(post::Column::Id.eq(post_id))
                    .exec(&txn)
                    .await?;
                post_token::Entity::delete_many().filter(post_token::Column::PostId.eq(post_id)).exec(&txn).await?;
                insert_tokens(&txn, post_id, tokens).await?;
                let mut removed = Vec::new();
                if !remove_image_ids.is_empty() {
                    let doomed = post_image::Entity::find()
                        .filter(post_image::Column::PostId.eq(post_id))
                        .filter(post_image::Column::Id.is_in(remove_image_ids.to_vec()))
                        .all(&txn)
                        .await?;
                    let ids: Vec<i64> = doomed.iter().map(|i| i.id).collect();
                    if !ids.is_empty() {
                        post_image::Entity::delete_many().filter(post_image::Column::Id.is_in(ids)).exec(&txn).await?;
                    }
                    removed = doomed.into_iter().map(|i| i.object_key).collect();
                }
                insert_images(&txn, post_id, new_image_keys).await?;
                txn.commit().await?;
                Ok(removed)
            })
            .await
    }

    async fn delete(&self, post_id: i64) -> Result<Vec<String>, PortError> {
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                lock_row(&txn, LikeTarget::Post, post_id).await?;
                let keys: Vec<String> = post_image::Entity::find()
                    .select_only()
                    .column(post_image::Column::ObjectKey)
                    .filter(post_image::Column::PostId.eq(post_id))
                    .into_tuple()
                    .all(&txn)
                    .await?;
                // Likes point at posts and comments by id without a foreign key: delete them here.
                like::Entity::delete_many()
                    .filter(like::Column::TargetType.eq(LikeTarget::Comment.as_str()))
                    .filter(
                        like::Column::TargetId.in_subquery(
                            Query::select()
                                .column(post_comment::Column::Id)
                                .from(post_comment::Entity)
                                .and_where(post_comment::Column::PostId.eq(post_id))
                                .to_owned(),
                        ),
                    )
                    .exec(&txn)
                    .await?;
                like::Entity::delete_many()
                    .filter(like::Column::TargetType.eq(LikeTarget::Post.as_str()))
                    .filter(like::Column::TargetId.eq(post_id))
                    .exec(&txn)
                    .await?;
                post_comment::Entity::delete_many().filter(post_comment::Column::PostId.eq(post_id)).exec(&txn).await?;
                post_token::Entity::delete_many().filter(post_token::Column::PostId.eq(post_id)).exec(&txn).await?;
                post_image::Entity::delete_many().filter(post_image::Column::PostId.eq(post_id)).exec(&txn).await?;
                post::Entity::delete_by_id(post_id).exec(&txn).await?;
                txn.commit().await?;
                Ok(keys)
            })
            .await
    }

    async fn find(&self, post_id: i64, viewer: i64) -> Result<Option<Post>, PortError> {
        let row = self.db.run(post::Entity::find_by_id(post_id).one(self.db.conn())).await?;
        Ok(self.hydrate(row.into_iter().collect(), viewer).await?.pop())
    }

    async fn list(
        &self,
        filter: &PostFilter,
        sort: &[SortOrder],
        offset: u64,
        limit: u64,
        viewer: i64,
    ) -> Result<Vec<Post>, PortError> {
        let mut query = post::Entity::find();
        if let Some(id) = filter.certificate_id {
            query = query.filter(post::Column::CertificateId.eq(id));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(post::Column::PostType.eq(kind.as_str()));
        }
        if let Some(id) = filter.author_id {
            query = query.filter(post::Column::UserId.eq(id));
        }
        if let Some(id) = filter.commented_by {
            query = query.filter(
                post::Column::Id.in_subquery(
                    Query::select()
                        .column(post_comment::Column::PostId)
                        .from(post_comment::Entity)
                        .and_where(post_comment::Column::UserId.eq(id))
                        .to_owned(),
                ),
            );
        }
        if let Some(year) = filter.exam_year {
            query = query.filter(post::Column::ExamYear.eq(year));
        }
        if let Some(round) = filter.round {
            query = query.filter(post::Column::Round.eq(round));
        }
        if let Some(number) = filter.question_number {
            query = query.filter(post::Column::QuestionNumber.eq(number));
        }
        if let Some((keyword, tokens)) = &filter.keyword {
            // Candidates from the token index (every bigram present), then the substring check.
            let n = i64::try_from(tokens.len()).unwrap_or(i64::MAX);
            query = query
                .filter(
                    post::Column::Id.in_subquery(
                        Query::select()
                            .column(post_token::Column::PostId)
                            .from(post_token::Entity)
                            .and_where(post_token::Column::Token.is_in(tokens.clone()))
                            .group_by_col(post_token::Column::PostId)
                            .and_having(Expr::col(post_token::Column::Token).count_distinct().eq(n))
                            .to_owned(),
                    ),
                )
                .filter(
                    Condition::any()
                        .add(Expr::col(post::Column::Title).like(LikeExpr::new(escape_like(keyword)).escape('\\')))
                        .add(Expr::col(post::Column::Content).like(LikeExpr::new(escape_like(keyword)).escape('\\'))),
                );
        }
        let sort: Vec<SortOrder> = if sort.is_empty() {
            vec![SortOrder { field: "createdAt".into(), direction: Direction::Desc }]
        } else {
            sort.to_vec()
        };
        for s in &sort {
            let column = match s.field.as_str() {
                "count" => post::Column::LikeCount,
                "id" => post::Column::Id,
                _ => post::Column::CreatedAt,
            };
            let order = if s.direction == Direction::Asc { Order::Asc } else { Order::Desc };
            query = query.order_by(column, order);
        }
        let rows =
            self.db.run(query.order_by_desc(post::Column::Id).offset(offset).limit(limit).all(self.db.conn())).await?;
        self.hydrate(rows, viewer).await
    }

    async fn comments(&self, post_id: i64, viewer: i64) -> Result<Vec<Comment>, PortError> {
        let rows = self
            .db
            .run(
                post_comment::Entity::find()
                    .filter(post_comment::Column::PostId.eq(post_id))
                    .order_by_asc(post_comment::Column::Id)
                    .all(self.db.conn()),
            )
            .await?;
        self.comment_models(rows, viewer).await
    }

    async fn find_comment(&self, comment_id: i64) -> Result<Option<Comment>, PortError> {
        let row = self.db.run(post_comment::Entity::find_by_id(comment_id).one(self.db.conn())).await?;
        Ok(self.comment_models(row.into_iter().collect(), 0).await?.pop())
    }

    async fn add_comment(
        &self,
        post_id: i64,
        user_id: i64,
        parent_id: Option<i64>,
        content: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        self.db
            .write_with_events(|| async move {
                let txn = self.db.begin_write().await?;
                let bumped = post::Entity::update_many()
                    .col_expr(post::Column::CommentCount, Expr::col(post::Column::CommentCount).add(1))
                    .filter(post::Column::Id.eq(post_id))
                    .exec(&txn)
                    .await?;
                if bumped.rows_affected == 0 {
                    return Err(DbErr::Custom("FOREIGN KEY constraint failed: the post is gone".into()));
                }
                // The post row is locked now; the parent must still be a top-level comment of it
                // (a concurrent delete would otherwise leave an invisible reply counted).
                if let Some(parent) = parent_id {
                    let ok = post_comment::Entity::find_by_id(parent)
                        .one(&txn)
                        .await?
                        .is_some_and(|p| p.post_id == post_id && p.parent_id.is_none());
                    if !ok {
                        return Err(DbErr::Custom("FOREIGN KEY constraint failed: the parent comment is gone".into()));
                    }
                }
                let row = post_comment::ActiveModel {
                    post_id: Set(post_id),
                    user_id: Set(user_id),
                    parent_id: Set(parent_id),
                    content: Set(content.to_owned()),
                    like_count: Set(0),
                    created_at: Set(at),
                    updated_at: Set(at),
                    ..Default::default()
                };
                let id = post_comment::Entity::insert(row).exec(&txn).await?.last_insert_id;
                let author: Option<i64> = post::Entity::find_by_id(post_id)
                    .select_only()
                    .column(post::Column::UserId)
                    .into_tuple()
                    .one(&txn)
                    .await?;
                if let Some(author) = author
                    && let Some(event) =
                        activity(&txn, CommunityEvent::PostCommented, author, user_id, post_id, Some(id)).await?
                {
                    append_event(&txn, &event, at).await?;
                }
                txn.commit().await?;
                Ok(id)
            })
            .await
    }

    async fn delete_comment(&self, comment_id: i64) -> Result<u64, PortError> {
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                let Some(comment) = post_comment::Entity::find_by_id(comment_id).one(&txn).await? else {
                    return Ok(0);
                };
                lock_row(&txn, LikeTarget::Post, comment.post_id).await?;
                let family = Condition::any()
                    .add(post_comment::Column::Id.eq(comment_id))
                    .add(post_comment::Column::ParentId.eq(comment_id));
                let ids: Vec<i64> = post_comment::Entity::find()
                    .select_only()
                    .column(post_comment::Column::Id)
                    .filter(family.clone())
                    .into_tuple()
                    .all(&txn)
                    .await?;
                like::Entity::delete_many()
                    .filter(like::Column::TargetType.eq(LikeTarget::Comment.as_str()))
                    .filter(like::Column::TargetId.is_in(ids))
                    .exec(&txn)
                    .await?;
                let gone = post_comment::Entity::delete_many().filter(family).exec(&txn).await?.rows_affected;
                if gone > 0 {
                    let n = i64::try_from(gone).unwrap_or(i64::MAX);
                    post::Entity::update_many()
                        .col_expr(post::Column::CommentCount, Expr::col(post::Column::CommentCount).sub(n))
                        .filter(post::Column::Id.eq(comment.post_id))
                        .exec(&txn)
                        .await?;
                }
                txn.commit().await?;
                Ok(gone)
            })
            .await
    }

    async fn like(
        &self,
        user_id: i64,
        target: LikeTarget,
        target_id: i64,
        at: DateTime<Utc>,
    ) -> Result<LikeOutcome, PortError> {
        self.db
            .write_with_events(|| async move {
                let txn = self.db.begin_write().await?;
                let bumped = match target {
                    LikeTarget::Post => {
                        post::Entity::update_many()
                            .col_expr(post::Column::LikeCount, Expr::col(post::Column::LikeCount).add(1))
                            .filter(post::Column::Id.eq(target_id))
                            .exec(&txn)
                            .await?
                    }
                    LikeTarget::Comment => {
                        post_comment::Entity::update_many()
                            .col_expr(
                                post_comment::Column::LikeCount,
                                Expr::col(post_comment::Column::LikeCount).add(1),
                            )
                            .filter(post_comment::Column::Id.eq(target_id))
                            .exec(&txn)
                            .await?
                    }
                };
                if bumped.rows_affected == 0 {
                    return Ok(LikeOutcome::TargetMissing);
                }
                let row = like::ActiveModel {
                    user_id: Set(user_id),
                    target_type: Set(target.as_str().to_owned()),
                    target_id: Set(target_id),
                    created_at: Set(at),
                    ..Default::default()
                };
                match like::Entity::insert(row).exec_without_returning(&txn).await {
                    Ok(_) => {}
                    // Already liked: dropping the transaction rolls the counter back.
                    Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                        return Ok(LikeOutcome::AlreadyLiked);
                    }
                    Err(err) => return Err(err),
                }
                let event = match target {
                    LikeTarget::Post => {
                        let author: Option<i64> = post::Entity::find_by_id(target_id)
                            .select_only()
                            .column(post::Column::UserId)
                            .into_tuple()
                            .one(&txn)
                            .await?;
                        match author {
                            Some(a) => activity(&txn, CommunityEvent::PostLiked, a, user_id, target_id, None).await?,
                            None => None,
                        }
                    }
                    LikeTarget::Comment => {
                        let row: Option<(i64, i64)> = post_comment::Entity::find_by_id(target_id)
                            .select_only()
                            .columns([post_comment::Column::UserId, post_comment::Column::PostId])
                            .into_tuple()
                            .one(&txn)
                            .await?;
                        match row {
                            Some((a, post_id)) => {
                                activity(&txn, CommunityEvent::CommentLiked, a, user_id, post_id, Some(target_id))
                                    .await?
                            }
                            None => None,
                        }
                    }
                };
                if let Some(event) = event {
                    append_event(&txn, &event, at).await?;
                }
                txn.commit().await?;
                Ok(LikeOutcome::Added)
            })
            .await
    }

    async fn unlike(&self, user_id: i64, target: LikeTarget, target_id: i64) -> Result<bool, PortError> {
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                if !lock_row(&txn, target, target_id).await? {
                    return Ok(false);
                }
                let gone = like::Entity::delete_many()
                    .filter(like::Column::UserId.eq(user_id))
                    .filter(like::Column::TargetType.eq(target.as_str()))
                    .filter(like::Column::TargetId.eq(target_id))
                    .exec(&txn)
                    .await?
                    .rows_affected;
                if gone == 0 {
                    return Ok(false);
                }
                match target {
                    LikeTarget::Post => {
                        post::Entity::update_many()
                            .col_expr(post::Column::LikeCount, Expr::col(post::Column::LikeCount).sub(1))
                            .filter(post::Column::Id.eq(target_id))
                            .filter(post::Column::LikeCount.gt(0))
                            .exec(&txn)
                            .await?;
                    }
                    LikeTarget::Comment => {
                        post_comment::Entity::update_many()
                            .col_expr(
                                post_comment::Column::LikeCount,
                                Expr::col(post_comment::Column::LikeCount).sub(1),
                            )
                            .filter(post_comment::Column::Id.eq(target_id))
                            .filter(post_comment::Column::LikeCount.gt(0))
                            .exec(&txn)
                            .await?;
                    }
                }
                txn.commit().await?;
                Ok(true)
            })
            .await
    }
}

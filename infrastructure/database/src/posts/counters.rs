//! The like and comment counters on `posts` and `post_comments`, and the `likes` rows they
//! count: changed only here, by relative `± n` updates in the transaction that inserts or
//! deletes the counted rows, so they stay exact under any concurrency. Posts, comments, likes
//! and the purge of a withdrawn account all go through these helpers.

use std::collections::BTreeMap;

use cercat_community::LikeTarget;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{DynIden, Expr, ExprTrait, IntoIden, Query, SelectStatement},
};

use crate::entity::{like, post, post_comment};

/// Where a like target's rows and like counter live: the one mapping from [`LikeTarget`] to
/// table and columns.
struct Counted {
    table: DynIden,
    id: DynIden,
    likes: DynIden,
}

fn counted(target: LikeTarget) -> Counted {
    match target {
        LikeTarget::Post => Counted {
            table: post::Entity.into_iden(),
            id: post::Column::Id.into_iden(),
            likes: post::Column::LikeCount.into_iden(),
        },
        LikeTarget::Comment => Counted {
            table: post_comment::Entity.into_iden(),
            id: post_comment::Column::Id.into_iden(),
            likes: post_comment::Column::LikeCount.into_iden(),
        },
    }
}

/// Which rows of a target's table a counter change is about.
pub(crate) enum Rows {
    /// One post or comment.
    One(i64),
    /// Every post (or comment) this user liked.
    LikedBy(i64),
}

fn liked_by(target: LikeTarget, user_id: i64) -> SelectStatement {
    Query::select()
        .column(like::Column::TargetId)
        .from(like::Entity)
        .and_where(like::Column::UserId.eq(user_id))
        .and_where(like::Column::TargetType.eq(target.as_str()))
        .to_owned()
}

/// Adds `delta` to the like counter of `rows` (never below zero); returns the rows changed,
/// so `0` on a `+1` means the target does not exist.
pub(crate) async fn change_likes<C: ConnectionTrait>(
    conn: &C,
    target: LikeTarget,
    rows: Rows,
    delta: i64,
) -> Result<u64, DbErr> {
    let c = counted(target);
    let mut update = Query::update();
    update.table(c.table).value(c.likes.clone(), Expr::col(c.likes.clone()).add(delta));
    match rows {
        Rows::One(id) => update.and_where(Expr::col(c.id).eq(id)),
        Rows::LikedBy(user_id) => update.and_where(Expr::col(c.id).in_subquery(liked_by(target, user_id))),
    };
    if delta < 0 {
        update.and_where(Expr::col(c.likes).gt(0));
    }
    Ok(conn.execute(&update).await?.rows_affected())
}

/// Adds `delta` to the post's comment counter.
pub(crate) async fn change_comments<C: ConnectionTrait>(conn: &C, post_id: i64, delta: i64) -> Result<u64, DbErr> {
    let bumped = post::Entity::update_many()
        .col_expr(post::Column::CommentCount, Expr::col(post::Column::CommentCount).add(delta))
        .filter(post::Column::Id.eq(post_id))
        .exec(conn)
        .await?;
    Ok(bumped.rows_affected)
}

/// Which posts or comments lose their likes.
pub(crate) enum Targets {
    /// One post or comment.
    One(i64),
    /// These ids.
    Listed(Vec<i64>),
    /// The ids this query selects.
    Selected(Box<SelectStatement>),
}

/// Deletes every like on `ids` (likes point at posts and comments by id without a foreign key,
/// so whatever deletes a post or comment deletes its likes here).
pub(crate) async fn forget_likes_on<C: ConnectionTrait>(
    conn: &C,
    target: LikeTarget,
    ids: Targets,
) -> Result<(), DbErr> {
    let on = match ids {
        Targets::One(id) => like::Column::TargetId.eq(id),
        Targets::Listed(ids) => like::Column::TargetId.is_in(ids),
        Targets::Selected(query) => like::Column::TargetId.in_subquery(*query),
    };
    like::Entity::delete_many().filter(like::Column::TargetType.eq(target.as_str())).filter(on).exec(conn).await?;
    Ok(())
}

/// The ids of the post's comments and replies.
pub(crate) fn comments_of(post_id: i64) -> SelectStatement {
    Query::select()
        .column(post_comment::Column::Id)
        .from(post_comment::Entity)
        .and_where(post_comment::Column::PostId.eq(post_id))
        .to_owned()
}

/// Locks a post or comment row first, on MySQL/MariaDB (SQLite's `BEGIN IMMEDIATE` already
/// serializes writers). Every write transaction here takes the row it counts on before touching
/// `likes` or `post_comments`, so concurrent likes, unlikes, comments and deletions queue in one
/// order instead of deadlocking. Returns whether the row exists (always `true` on SQLite).
pub(crate) async fn lock_row<C: ConnectionTrait>(conn: &C, target: LikeTarget, id: i64) -> Result<bool, DbErr> {
    if conn.get_database_backend() != DatabaseBackend::MySql {
        return Ok(true);
    }
    let c = counted(target);
    let select = Query::select()
        .column(c.id.clone())
        .from(c.table)
        .and_where(Expr::col(c.id).eq(id))
        .lock_exclusive()
        .to_owned();
    Ok(conn.query_one(&select).await?.is_some())
}

/// Removes a user's likes, comments (with the replies to them) and the likes on their posts
/// and comments, adjusting the counters of the posts and comments that remain (the user's
/// posts themselves cascade with the account).
pub(crate) async fn forget_member<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<(), DbErr> {
    // Their likes on others' posts and comments.
    change_likes(conn, LikeTarget::Post, Rows::LikedBy(user_id), -1).await?;
    change_likes(conn, LikeTarget::Comment, Rows::LikedBy(user_id), -1).await?;
    like::Entity::delete_many().filter(like::Column::UserId.eq(user_id)).exec(conn).await?;
    // Their comments (and the replies to them) on every post; counts drop per post.
    let theirs = Query::select()
        .column(post_comment::Column::Id)
        .from(post_comment::Entity)
        .and_where(post_comment::Column::UserId.eq(user_id))
        .to_owned();
    let rows: Vec<(i64, i64)> = post_comment::Entity::find()
        .select_only()
        .columns([post_comment::Column::Id, post_comment::Column::PostId])
        .filter(
            Condition::any()
                .add(post_comment::Column::UserId.eq(user_id))
                .add(post_comment::Column::ParentId.in_subquery(theirs)),
        )
        .into_tuple()
        .all(conn)
        .await?;
    let mut per_post: BTreeMap<i64, i64> = BTreeMap::new();
    for (_, post_id) in &rows {
        *per_post.entry(*post_id).or_default() += 1;
    }
    let ids: Vec<i64> = rows.into_iter().map(|(id, _)| id).collect();
    for chunk in ids.chunks(500) {
        forget_likes_on(conn, LikeTarget::Comment, Targets::Listed(chunk.to_vec())).await?;
        post_comment::Entity::delete_many().filter(post_comment::Column::Id.is_in(chunk.to_vec())).exec(conn).await?;
    }
    for (post_id, n) in per_post {
        change_comments(conn, post_id, -n).await?;
    }
    // Likes on their own posts and on the comments under them.
    let their_posts = Query::select()
        .column(post::Column::Id)
        .from(post::Entity)
        .and_where(post::Column::UserId.eq(user_id))
        .to_owned();
    let comments_on_them = Query::select()
        .column(post_comment::Column::Id)
        .from(post_comment::Entity)
        .and_where(post_comment::Column::PostId.in_subquery(their_posts.clone()))
        .to_owned();
    forget_likes_on(conn, LikeTarget::Comment, Targets::Selected(Box::new(comments_on_them))).await?;
    forget_likes_on(conn, LikeTarget::Post, Targets::Selected(Box::new(their_posts))).await
}

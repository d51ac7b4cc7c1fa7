//! Writing posts: a post with its images and search tokens in one transaction; deleting one
//! takes its images, comments, likes and tokens with it.

use cercat_common::PortError;
use cercat_community::{LikeTarget, PostDraft};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr,
};

use super::{
    SqlPostRepository,
    counters::{Targets, comments_of, forget_likes_on, lock_row},
};
use crate::entity::{post, post_comment, post_image, post_token};

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

fn tags_json(draft: &PostDraft) -> String {
    serde_json::to_string(&draft.tags).unwrap_or_else(|_| "[]".into())
}

fn question_columns(draft: &PostDraft) -> (Option<i64>, Option<i32>, Option<i32>, Option<i32>) {
    match draft.question {
        Some(q) => (Some(q.mock_exam_id), Some(q.exam_year), Some(q.round), Some(q.number)),
        None => (None, None, None, None),
    }
}

impl SqlPostRepository {
    pub(super) async fn create_post(
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

    pub(super) async fn update_post(
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

    pub(super) async fn delete_post(&self, post_id: i64) -> Result<Vec<String>, PortError> {
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
                forget_likes_on(&txn, LikeTarget::Comment, Targets::Selected(Box::new(comments_of(post_id)))).await?;
                forget_likes_on(&txn, LikeTarget::Post, Targets::One(post_id)).await?;
                post_comment::Entity::delete_many().filter(post_comment::Column::PostId.eq(post_id)).exec(&txn).await?;
                post_token::Entity::delete_many().filter(post_token::Column::PostId.eq(post_id)).exec(&txn).await?;
                post_image::Entity::delete_many().filter(post_image::Column::PostId.eq(post_id)).exec(&txn).await?;
                post::Entity::delete_by_id(post_id).exec(&txn).await?;
                txn.commit().await?;
                Ok(keys)
            })
            .await
    }
}

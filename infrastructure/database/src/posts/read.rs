//! Finding and listing posts, with their authors, images and the viewer's likes.

use cercat_common::{
    PortError,
    paging::{Direction, Keyset, SortOrder},
};
use cercat_community::{
    LikeTarget, Post, PostDraft, PostKind, Tag,
    model::{PostImage, QuestionRef},
    ports::PostFilter,
};
use sea_orm::{ColumnTrait, Condition, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect, sea_query::Query};

use super::{SqlPostRepository, authors, search};
use crate::entity::{post, post_comment, post_image};

impl SqlPostRepository {
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
                    author: authors.of(p.user_id),
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

    pub(super) async fn find_post(&self, post_id: i64, viewer: i64) -> Result<Option<Post>, PortError> {
        let row = self.db.run(post::Entity::find_by_id(post_id).one(self.db.conn())).await?;
        Ok(self.hydrate(row.into_iter().collect(), viewer).await?.pop())
    }

    pub(super) async fn list_posts(
        &self,
        filter: &PostFilter,
        sort: &[SortOrder],
        offset: u64,
        after: Option<Keyset>,
        limit: u64,
        viewer: i64,
    ) -> Result<Vec<Post>, PortError> {
        let mut query = post::Entity::find();
        if let Some(after) = after {
            // Strictly older in (created_at DESC, id DESC), without row-value comparison so every
            // backend runs it. The time is the one read back from the row, compared as stored.
            query =
                query.filter(Condition::any().add(post::Column::CreatedAt.lt(after.at)).add(
                    Condition::all().add(post::Column::CreatedAt.eq(after.at)).add(post::Column::Id.lt(after.id)),
                ));
        }
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
            query = search::matching(query, keyword, tokens);
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
}

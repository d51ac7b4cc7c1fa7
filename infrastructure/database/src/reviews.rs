//! [`ReviewRepository`] over `exam_reviews`.

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_community::{
    ports::{NewReview, ReviewRepository},
    reviews::{Difficulty, ExamReview, ReviewFilter},
};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{db::Db, entity::exam_review, posts::authors};

/// Exam reviews.
#[derive(Clone, Debug)]
pub struct SqlReviewRepository {
    db: Db,
}

impl SqlReviewRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl ReviewRepository for SqlReviewRepository {
    async fn exists(&self, user_id: i64, schedule_id: i64) -> Result<bool, PortError> {
        let n = self
            .db
            .run(
                exam_review::Entity::find()
                    .filter(exam_review::Column::UserId.eq(user_id))
                    .filter(exam_review::Column::ExamScheduleId.eq(schedule_id))
                    .count(self.db.conn()),
            )
            .await?;
        Ok(n > 0)
    }

    async fn create(&self, r: &NewReview, at: DateTime<Utc>) -> Result<i64, PortError> {
        let row = exam_review::ActiveModel {
            user_id: Set(r.user_id),
            certificate_id: Set(r.certificate_id),
            exam_schedule_id: Set(r.schedule_id),
            difficulty: Set(r.difficulty.as_str().to_owned()),
            prepare_months: Set(r.prepare_months),
            content: Set(r.content.clone()),
            created_at: Set(at),
            ..Default::default()
        };
        Ok(self.db.run(exam_review::Entity::insert(row).exec(self.db.conn())).await?.last_insert_id)
    }

    async fn list(
        &self,
        certificate_id: i64,
        filter: &ReviewFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<ExamReview>, PortError> {
        let mut query = exam_review::Entity::find().filter(exam_review::Column::CertificateId.eq(certificate_id));
        if let Some(min) = filter.min_months {
            query = query.filter(exam_review::Column::PrepareMonths.gte(min));
        }
        if let Some(max) = filter.max_months {
            query = query.filter(exam_review::Column::PrepareMonths.lte(max));
        }
        if let Some(d) = filter.difficulty {
            query = query.filter(exam_review::Column::Difficulty.eq(d.as_str()));
        }
        let rows = self
            .db
            .run(
                query
                    .order_by_desc(exam_review::Column::CreatedAt)
                    .order_by_desc(exam_review::Column::Id)
                    .offset(offset)
                    .limit(limit)
                    .all(self.db.conn()),
            )
            .await?;
        let authors = authors(&self.db, rows.iter().map(|r| r.user_id)).await?;
        rows.into_iter()
            .map(|r| {
                let nickname = authors.of(r.user_id).nickname;
                Ok(ExamReview {
                    id: r.id,
                    certificate_id: r.certificate_id,
                    nickname,
                    difficulty: Difficulty::parse(&r.difficulty)
                        .ok_or_else(|| PortError::Corrupt(format!("review {} difficulty {}", r.id, r.difficulty)))?,
                    prepare_months: r.prepare_months,
                    content: r.content,
                    created_at: r.created_at,
                })
            })
            .collect()
    }
}

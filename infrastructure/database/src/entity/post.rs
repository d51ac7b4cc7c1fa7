//! `posts`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub certificate_id: i64,
    pub user_id: i64,
    pub post_type: String,
    pub title: String,
    pub content: String,
    pub tags: String,
    pub mock_exam_id: Option<i64>,
    pub exam_year: Option<i32>,
    pub round: Option<i32>,
    pub question_number: Option<i32>,
    pub like_count: i64,
    pub comment_count: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

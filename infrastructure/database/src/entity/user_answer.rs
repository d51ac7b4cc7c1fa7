//! `user_answers`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_answers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub result_id: i64,
    pub user_id: i64,
    pub mock_exam_id: i64,
    pub question_id: i64,
    pub number: i32,
    pub selected: i32,
    pub taken_ms: i64,
    pub correct: bool,
    pub reviewed: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

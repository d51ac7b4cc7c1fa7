//! `goals`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "goals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub certificate_id: i64,
    pub goal_score: i32,
    pub prepare_start: DateTimeUtc,
    pub prepare_finish: DateTimeUtc,
    pub goal_prepare_days: i32,
    pub mock_exams_per_day: i32,
    pub goal_mock_exams: i32,
    pub mock_exam_repeat_days: String,
    pub study_time_per_day: i64,
    pub goal_study_time: i64,
    pub study_repeat_days: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

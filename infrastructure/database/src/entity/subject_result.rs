//! `subject_results`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "subject_results")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub result_id: i64,
    pub subject_id: i64,
    pub position: i32,
    pub score: i32,
    pub max_score: i32,
    pub number_of_questions: i32,
    pub number_of_correct: i32,
    pub total_taken_time: i64,
    pub correct_rate: f64,
    pub time_limit_ms: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

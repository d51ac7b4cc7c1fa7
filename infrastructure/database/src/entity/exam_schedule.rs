//! `exam_schedules`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exam_schedules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub certificate_id: i64,
    pub exam_year: i32,
    pub round: i32,
    pub application_start_at: DateTimeUtc,
    pub application_deadline_at: DateTimeUtc,
    pub exam_at: DateTimeUtc,
    pub result_announced_at: DateTimeUtc,
    pub written_fee: Option<i64>,
    pub practical_fee: Option<i64>,
    pub written_time_limit_minutes: Option<i32>,
    pub practical_time_limit_minutes: Option<i32>,
    pub eligibility: Option<String>,
    pub description: Option<String>,
    pub exam_format: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub exam_end_at: Option<DateTimeUtc>,
    pub practical_application_start_at: Option<DateTimeUtc>,
    pub practical_application_deadline_at: Option<DateTimeUtc>,
    pub practical_exam_start_at: Option<DateTimeUtc>,
    pub practical_exam_end_at: Option<DateTimeUtc>,
    pub practical_result_announced_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

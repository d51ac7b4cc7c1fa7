//! `courses`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "courses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub instructor_id: i64,
    pub certificate_id: i64,
    pub title: String,
    pub description: String,
    pub capacity: i32,
    pub price: i64,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    pub waiting_room: bool,
    pub admission_rate: Option<i32>,
    pub seats_taken: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

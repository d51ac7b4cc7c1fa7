//! `products`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub seller_id: i64,
    pub certificate_id: i64,
    pub title: String,
    pub description: String,
    pub price: i64,
    pub condition: String,
    pub category: String,
    pub location: String,
    pub status: String,
    pub hidden: bool,
    pub deleted_at: Option<DateTimeUtc>,
    pub view_count: i64,
    pub like_count: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

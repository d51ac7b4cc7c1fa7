//! `coupons`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coupons")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub amount: Option<i64>,
    pub percent: Option<i32>,
    pub max_discount: Option<i64>,
    pub exclusive: bool,
    pub min_order_amount: i64,
    pub valid_from: DateTimeUtc,
    pub valid_until: DateTimeUtc,
    pub scope: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

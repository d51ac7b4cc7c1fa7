//! `market_orders`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "market_orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub product_id: i64,
    pub buyer_id: i64,
    pub seller_id: i64,
    pub product_title: String,
    pub certificate_id: i64,
    pub price: i64,
    pub discount: i64,
    pub amount: i64,
    pub coupon_ids: String,
    pub status: String,
    pub gateway_order_id: String,
    pub pay_by: DateTimeUtc,
    pub payment_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

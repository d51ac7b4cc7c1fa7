//! `alarms`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alarms")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub receiver_id: i64,
    pub alarm_type: String,
    pub origin_id: i64,
    pub certificate_id: i64,
    pub actor_nickname: Option<String>,
    pub like_target_type: Option<String>,
    pub occurred_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
    /// Set for alarms that exist once per (actor, target, kind); unique.
    pub dedupe_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

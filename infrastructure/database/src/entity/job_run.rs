//! `job_runs`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub job: String,
    pub params: String,
    pub node: String,
    pub started_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
    pub status: String,
    pub read_count: i64,
    pub write_count: i64,
    pub skip_count: i64,
    pub error: Option<String>,
    pub instance_key: Option<String>,
    pub claim: Option<String>,
    pub heartbeat_at: Option<DateTimeUtc>,
    pub checkpoint: Option<String>,
    pub resumed_from: Option<i64>,
    pub summary: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! [`AuditLog`] over `admin_audit`: entries are inserted (inside the caller's transaction when
//! the change is one SQL write, see [`append_in`]) and listed newest first; nothing here
//! updates or deletes one.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    audit::{Actor, AuditEntry, AuditFilter, AuditLog, AuditRecord, AuditTarget},
    paging::{Keyset, KeysetRequest},
};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::{db::Db, entity::admin_audit};

/// Appends `entry` on `conn` — a transaction of the change it records, so both commit or
/// neither does.
pub(crate) async fn append_in<C: ConnectionTrait>(conn: &C, entry: &AuditEntry) -> Result<(), DbErr> {
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(serde_json::Value::to_string);
    admin_audit::Entity::insert(admin_audit::ActiveModel {
        actor: Set(entry.actor.as_stored()),
        action: Set(entry.action.clone()),
        target_kind: Set(entry.target.kind.clone()),
        target_id: Set(entry.target.id.clone()),
        before_json: Set(json(&entry.before)),
        after_json: Set(json(&entry.after)),
        // Stored to the microsecond (MySQL keeps no more), so a cursor made from it finds the row.
        at: Set(entry.at.trunc_subsecs(6)),
        client_address: Set(entry.client.clone()),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Rows strictly after `after` in the newest-first order `(at DESC, id DESC)`.
fn older_than(after: Keyset) -> Condition {
    let at: DateTime<Utc> = after.at.trunc_subsecs(6);
    Condition::any()
        .add(admin_audit::Column::At.lt(at))
        .add(Condition::all().add(admin_audit::Column::At.eq(at)).add(admin_audit::Column::Id.lt(after.id)))
}

fn to_record(m: admin_audit::Model) -> Result<AuditRecord, PortError> {
    let corrupt = |what: &str| PortError::Corrupt(format!("admin_audit {}: {what}", m.id));
    let json = |raw: &Option<String>| -> Result<Option<serde_json::Value>, PortError> {
        raw.as_deref().map(serde_json::from_str).transpose().map_err(|_| corrupt("unreadable JSON"))
    };
    Ok(AuditRecord {
        id: m.id,
        entry: AuditEntry {
            actor: Actor::parse(&m.actor).ok_or_else(|| corrupt("actor"))?,
            action: m.action.clone(),
            target: AuditTarget { kind: m.target_kind.clone(), id: m.target_id.clone() },
            before: json(&m.before_json)?,
            after: json(&m.after_json)?,
            at: m.at,
            client: m.client_address.clone(),
        },
    })
}

/// The audit log in the database.
#[derive(Clone, Debug)]
pub struct SqlAuditLog {
    db: Db,
}

impl SqlAuditLog {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl AuditLog for SqlAuditLog {
    async fn append(&self, entry: &AuditEntry) -> Result<(), PortError> {
        self.db.write(|| append_in(self.db.conn(), entry)).await
    }

    async fn list(&self, filter: &AuditFilter, page: &KeysetRequest) -> Result<Vec<AuditRecord>, PortError> {
        let mut query = admin_audit::Entity::find();
        if let Some(actor) = &filter.actor {
            query = query.filter(admin_audit::Column::Actor.eq(actor.as_stored()));
        }
        if let Some(target) = &filter.target {
            query = query
                .filter(admin_audit::Column::TargetKind.eq(target.kind.as_str()))
                .filter(admin_audit::Column::TargetId.eq(target.id.as_str()));
        }
        if let Some(after) = page.after {
            query = query.filter(older_than(after));
        }
        let rows = self
            .db
            .run(
                query
                    .order_by_desc(admin_audit::Column::At)
                    .order_by_desc(admin_audit::Column::Id)
                    .limit(page.fetch_limit())
                    .all(self.db.conn()),
            )
            .await?;
        rows.into_iter().map(to_record).collect()
    }
}

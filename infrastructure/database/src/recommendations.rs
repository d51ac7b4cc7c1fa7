//! The recommendation context's storage: the facts it reads from the other contexts' tables
//! ([`SqlRecommendationSource`]), onboarding preferences ([`SqlPreferenceStore`]) and the models
//! the rebuild stores ([`SqlModelStore`]). Plain SQL shared by both backends (`?` placeholders).

mod facts;

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_recommendation::{
    model::{ItemKey, ItemKind},
    service::ports::{ModelItem, ModelSnapshot, ModelStamp, ModelStore, PreferenceStore, Preferences},
};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Statement, Value};

pub use facts::SqlRecommendationSource;

use crate::db::Db;

/// Rows per multi-row insert of a model's items.
const INSERT_CHUNK: usize = 200;

pub(crate) fn statement(db: &Db, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(db.backend(), sql, values)
}

fn parse_kind(name: &str) -> Result<ItemKind, DbErr> {
    ItemKind::parse(name).ok_or_else(|| DbErr::Custom(format!("unknown recommendation item kind {name:?}")))
}

fn json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, DbErr> {
    serde_json::from_str(text).map_err(|err| DbErr::Custom(format!("stored {what} is not valid JSON: {err}")))
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

/// Onboarding preferences in `user_preferences`, one JSON object per user.
#[derive(Clone, Debug)]
pub struct SqlPreferenceStore {
    db: Db,
}

impl SqlPreferenceStore {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl PreferenceStore for SqlPreferenceStore {
    async fn get(&self, user: i64) -> Result<Preferences, PortError> {
        let select = statement(
            &self.db,
            "SELECT keywords, updated_at FROM user_preferences WHERE user_id = ?",
            vec![user.into()],
        );
        let row = self.db.run(self.db.conn().query_one_raw(select)).await?;
        let Some(row) = row else { return Ok(Preferences::default()) };
        let read = || -> Result<Preferences, DbErr> {
            let keywords: String = row.try_get("", "keywords")?;
            let map: std::collections::BTreeMap<String, f32> = json(&keywords, "preferences")?;
            Ok(Preferences { keywords: map.into_iter().collect(), updated_at: Some(row.try_get("", "updated_at")?) })
        };
        read().map_err(crate::db::map_err)
    }

    async fn replace(&self, user: i64, keywords: &[(String, f32)], at: DateTime<Utc>) -> Result<(), PortError> {
        let map: std::collections::BTreeMap<&str, f32> = keywords.iter().map(|(k, w)| (k.as_str(), *w)).collect();
        let body = to_json(&map);
        self.db
            .write(|| {
                let body = body.clone();
                async move {
                    let txn = self.db.begin_write().await?;
                    let delete =
                        statement(&self.db, "DELETE FROM user_preferences WHERE user_id = ?", vec![user.into()]);
                    txn.execute_raw(delete).await?;
                    let insert = statement(
                        &self.db,
                        "INSERT INTO user_preferences (user_id, keywords, updated_at) VALUES (?, ?, ?)",
                        vec![user.into(), body.into(), at.into()],
                    );
                    txn.execute_raw(insert).await?;
                    txn.commit().await
                }
            })
            .await
    }
}

/// Models in `recommendation_models` and `recommendation_items`.
#[derive(Clone, Debug)]
pub struct SqlModelStore {
    db: Db,
}

impl SqlModelStore {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn stamp(row: &QueryResult) -> Result<ModelStamp, DbErr> {
    Ok(ModelStamp { id: row.try_get("", "id")?, built_at: row.try_get("", "built_at")? })
}

fn item(row: &QueryResult) -> Result<ModelItem, DbErr> {
    let kind: String = row.try_get("", "item_kind")?;
    let keywords: String = row.try_get("", "keywords")?;
    let neighbours: String = row.try_get("", "neighbours")?;
    let popularity: i64 = row.try_get("", "popularity")?;
    let neighbours: Vec<(ItemKey, f32)> = json(&neighbours, "neighbours")?;
    Ok(ModelItem {
        key: ItemKey::new(parse_kind(&kind)?, row.try_get("", "item_id")?),
        title: row.try_get("", "title")?,
        certificate_id: row.try_get("", "certificate_id")?,
        keywords: json(&keywords, "keywords")?,
        popularity: u32::try_from(popularity).unwrap_or(u32::MAX),
        on_offer: row.try_get("", "on_offer")?,
        closes_at: row.try_get("", "closes_at")?,
        neighbours,
    })
}

#[async_trait]
impl ModelStore for SqlModelStore {
    async fn save(&self, model: &ModelSnapshot, keep: u32) -> Result<ModelStamp, PortError> {
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                let header = statement(
                    &self.db,
                    "INSERT INTO recommendation_models (built_at, scorer, users, interactions, items) VALUES (?, ?, ?, ?, ?)",
                    vec![
                        model.built_at.into(),
                        model.scorer.clone().into(),
                        i64::try_from(model.users).unwrap_or(i64::MAX).into(),
                        i64::try_from(model.interactions).unwrap_or(i64::MAX).into(),
                        i64::try_from(model.items.len()).unwrap_or(i64::MAX).into(),
                    ],
                );
                let id = i64::try_from(txn.execute_raw(header).await?.last_insert_id())
                    .map_err(|_| DbErr::Custom("model id out of range".into()))?;
                for (chunk_no, chunk) in model.items.chunks(INSERT_CHUNK).enumerate() {
                    let mut sql = String::from(
                        "INSERT INTO recommendation_items (model_id, position, item_kind, item_id, title, \
                         certificate_id, popularity, on_offer, closes_at, keywords, neighbours) VALUES ",
                    );
                    let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 11);
                    for (offset, item) in chunk.iter().enumerate() {
                        if offset > 0 {
                            sql.push_str(", ");
                        }
                        sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                        let position = i32::try_from(chunk_no * INSERT_CHUNK + offset).unwrap_or(i32::MAX);
                        values.extend([
                            id.into(),
                            position.into(),
                            item.key.kind.as_str().into(),
                            item.key.id.into(),
                            item.title.clone().into(),
                            item.certificate_id.into(),
                            i64::from(item.popularity).into(),
                            item.on_offer.into(),
                            item.closes_at.into(),
                            to_json(&item.keywords).into(),
                            to_json(&item.neighbours).into(),
                        ]);
                    }
                    txn.execute_raw(statement(&self.db, &sql, values)).await?;
                }
                // Older models go (their items by the foreign key's cascade, and explicitly for
                // SQLite connections that run without foreign keys).
                let cutoff = id - i64::from(keep.max(1)) + 1;
                for sql in [
                    "DELETE FROM recommendation_items WHERE model_id < ?",
                    "DELETE FROM recommendation_models WHERE id < ?",
                ] {
                    txn.execute_raw(statement(&self.db, sql, vec![cutoff.into()])).await?;
                }
                txn.commit().await?;
                Ok(ModelStamp { id, built_at: model.built_at })
            })
            .await
    }

    async fn latest(&self) -> Result<Option<ModelStamp>, PortError> {
        let select =
            statement(&self.db, "SELECT id, built_at FROM recommendation_models ORDER BY id DESC LIMIT 1", vec![]);
        let row = self.db.run(self.db.conn().query_one_raw(select)).await?;
        row.as_ref().map(stamp).transpose().map_err(crate::db::map_err)
    }

    async fn load(&self, id: i64) -> Result<Option<ModelSnapshot>, PortError> {
        let db = &self.db;
        let loaded = self
            .db
            .run(async {
                let txn = db.begin_snapshot().await?;
                let header = statement(
                    db,
                    "SELECT id, built_at, scorer, users, interactions FROM recommendation_models WHERE id = ?",
                    vec![id.into()],
                );
                let Some(row) = txn.query_one_raw(header).await? else { return Ok(None) };
                let rows = txn
                    .query_all_raw(statement(
                        db,
                        "SELECT item_kind, item_id, title, certificate_id, popularity, on_offer, closes_at, keywords, neighbours \
                         FROM recommendation_items WHERE model_id = ? ORDER BY position",
                        vec![id.into()],
                    ))
                    .await?;
                txn.commit().await?;
                let users: i64 = row.try_get("", "users")?;
                let interactions: i64 = row.try_get("", "interactions")?;
                Ok(Some(ModelSnapshot {
                    built_at: row.try_get("", "built_at")?,
                    scorer: row.try_get("", "scorer")?,
                    users: u64::try_from(users).unwrap_or(0),
                    interactions: u64::try_from(interactions).unwrap_or(0),
                    items: rows.iter().map(item).collect::<Result<_, DbErr>>()?,
                }))
            })
            .await?;
        Ok(loaded)
    }
}

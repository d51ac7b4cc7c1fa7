//! [`RecommendationSource`] over the other contexts' tables: items from `certificates` (with
//! their subjects), `courses`, `posts` and `products`; interactions from interests, mock-exam
//! results, live enrollments, likes of posts and products, comments and paid orders, of users
//! who have not withdrawn.

use std::collections::HashMap;

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_recommendation::{
    model::{Interaction, InteractionKind, ItemKey, ItemKind},
    service::ports::{ItemFacts, RecommendationSource, TimedInteraction, UserFacts},
};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Value};

use super::statement;
use crate::db::Db;

/// The facts recommendations are made of.
#[derive(Clone, Debug)]
pub struct SqlRecommendationSource {
    db: Db,
}

impl SqlRecommendationSource {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

/// Where one kind of interaction is read from. A `grouped` source counts each (user, item) once,
/// at its latest row (several attempts at one certificate, several comments on one post).
struct InteractionSql {
    kind: InteractionKind,
    item: ItemKind,
    table: &'static str,
    user_column: &'static str,
    item_column: &'static str,
    condition: &'static str,
    grouped: bool,
}

const fn source(
    kind: InteractionKind,
    item: ItemKind,
    table: &'static str,
    (user_column, item_column): (&'static str, &'static str),
    condition: &'static str,
    grouped: bool,
) -> InteractionSql {
    InteractionSql { kind, item, table, user_column, item_column, condition, grouped }
}

const INTERACTIONS: [InteractionSql; 7] = [
    source(
        InteractionKind::InterestCertificate,
        ItemKind::Certificate,
        "interest_certificates",
        ("user_id", "certificate_id"),
        "1 = 1",
        false,
    ),
    source(
        InteractionKind::MockExamAttempt,
        ItemKind::Certificate,
        "mock_exam_results",
        ("user_id", "certificate_id"),
        "1 = 1",
        true,
    ),
    source(
        InteractionKind::Enrollment,
        ItemKind::Course,
        "enrollments",
        ("user_id", "course_id"),
        "status IN ('PENDING_PAYMENT', 'COMPLETED')",
        false,
    ),
    source(InteractionKind::Like, ItemKind::Post, "likes", ("user_id", "target_id"), "target_type = 'POST'", false),
    source(InteractionKind::Comment, ItemKind::Post, "post_comments", ("user_id", "post_id"), "1 = 1", true),
    source(InteractionKind::Like, ItemKind::Product, "product_likes", ("user_id", "product_id"), "1 = 1", false),
    source(
        InteractionKind::Purchase,
        ItemKind::Product,
        "market_orders",
        ("buyer_id", "product_id"),
        "status = 'PAID'",
        true,
    ),
];

impl InteractionSql {
    /// The query, for every active user or for one (`?`: the caller, active by being signed
    /// in — the filter of withdrawn users would cost a scan of `users` per request); `source`
    /// is its number in [`INTERACTIONS`], answered as column `s` (so one user's sources can be
    /// read in one query).
    fn sql(&self, one_user: bool, source: usize) -> String {
        let Self { table, user_column: u, item_column: i, condition, .. } = self;
        let at = if self.grouped { "MAX(created_at)" } else { "created_at" };
        let who = if one_user {
            format!("{u} = ?")
        } else {
            format!("{u} IN (SELECT id FROM users WHERE withdrawn_at IS NULL)")
        };
        let mut sql =
            format!("SELECT {source} AS s, {u} AS u, {i} AS i, {at} AS at FROM {table} WHERE {condition} AND {who}");
        if self.grouped {
            sql.push_str(&format!(" GROUP BY {u}, {i}"));
        }
        sql
    }

    fn read(&self, row: &QueryResult) -> Result<TimedInteraction, DbErr> {
        Ok(TimedInteraction {
            interaction: Interaction {
                user: row.try_get("", "u")?,
                item: ItemKey::new(self.item, row.try_get("", "i")?),
                kind: self.kind,
                weight: None,
            },
            at: row.try_get("", "at")?,
        })
    }
}

/// The TIP tags' names in a post's `tags` JSON (`[{"tagType":…, "tagName":…}]`).
fn tag_names(tags: &str) -> Vec<String> {
    let parsed: Vec<serde_json::Value> = serde_json::from_str(tags).unwrap_or_default();
    parsed.iter().filter_map(|tag| tag.get("tagName").and_then(|n| n.as_str()).map(str::to_owned)).collect()
}

impl SqlRecommendationSource {
    async fn rows(&self, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>, PortError> {
        self.db.run(self.db.conn().query_all_raw(statement(&self.db, sql, values))).await
    }

    /// Items of every kind, or only `only`.
    async fn read_items(&self, only: Option<ItemKey>) -> Result<Vec<ItemFacts>, PortError> {
        let filter = |column: &str| only.map(|key| format!(" AND {column} = {}", key.id)).unwrap_or_default();
        let wants = |kind: ItemKind| only.is_none_or(|key| key.kind == kind);
        let certificates = self.rows("SELECT id, name, category FROM certificates", vec![]).await?;
        let names: HashMap<i64, (String, String)> = certificates
            .iter()
            .filter_map(|row| {
                Some((row.try_get("", "id").ok()?, (row.try_get("", "name").ok()?, row.try_get("", "category").ok()?)))
            })
            .collect();
        let board = |certificate: i64| names.get(&certificate).map(|(name, _)| name.clone()).into_iter();
        let mut out = Vec::new();
        let read = |result: Result<ItemFacts, DbErr>| result.map_err(crate::db::map_err);
        if wants(ItemKind::Certificate) {
            let subjects = self.rows("SELECT certificate_id, name FROM subjects", vec![]).await?;
            for (id, (name, category)) in &names {
                if only.is_some_and(|key| key.id != *id) {
                    continue;
                }
                let mut labels = vec![name.clone(), category.clone()];
                labels.extend(subjects.iter().filter_map(|row| {
                    (row.try_get::<i64>("", "certificate_id").ok()? == *id).then(|| row.try_get("", "name").ok())?
                }));
                out.push(ItemFacts {
                    key: ItemKey::new(ItemKind::Certificate, *id),
                    title: name.clone(),
                    certificate_id: Some(*id),
                    labels,
                    on_offer: true,
                    closes_at: None,
                });
            }
        }
        if wants(ItemKind::Course) {
            let sql = format!("SELECT id, title, certificate_id, closes_at FROM courses WHERE 1 = 1{}", filter("id"));
            for row in self.rows(&sql, vec![]).await? {
                out.push(read((|| {
                    let certificate: i64 = row.try_get("", "certificate_id")?;
                    let closes_at: DateTime<Utc> = row.try_get("", "closes_at")?;
                    Ok(ItemFacts {
                        key: ItemKey::new(ItemKind::Course, row.try_get("", "id")?),
                        title: row.try_get("", "title")?,
                        certificate_id: Some(certificate),
                        labels: board(certificate).collect(),
                        on_offer: true,
                        closes_at: Some(closes_at),
                    })
                })())?);
            }
        }
        if wants(ItemKind::Post) {
            let sql =
                format!("SELECT id, title, certificate_id, post_type, tags FROM posts WHERE 1 = 1{}", filter("id"));
            for row in self.rows(&sql, vec![]).await? {
                out.push(read((|| {
                    let certificate: i64 = row.try_get("", "certificate_id")?;
                    let tags: String = row.try_get("", "tags")?;
                    let mut labels: Vec<String> = board(certificate).collect();
                    labels.extend(tag_names(&tags));
                    Ok(ItemFacts {
                        key: ItemKey::new(ItemKind::Post, row.try_get("", "id")?),
                        title: row.try_get("", "title")?,
                        certificate_id: Some(certificate),
                        labels,
                        on_offer: true,
                        closes_at: None,
                    })
                })())?);
            }
        }
        if wants(ItemKind::Product) {
            let sql = format!(
                "SELECT id, title, certificate_id, category, status FROM products \
                 WHERE deleted_at IS NULL AND hidden = ?{}",
                filter("id")
            );
            for row in self.rows(&sql, vec![false.into()]).await? {
                out.push(read((|| {
                    let certificate: i64 = row.try_get("", "certificate_id")?;
                    let status: String = row.try_get("", "status")?;
                    let mut labels: Vec<String> = board(certificate).collect();
                    labels.push(row.try_get("", "category")?);
                    Ok(ItemFacts {
                        key: ItemKey::new(ItemKind::Product, row.try_get("", "id")?),
                        title: row.try_get("", "title")?,
                        certificate_id: Some(certificate),
                        labels,
                        on_offer: status == "ON_SALE",
                        closes_at: None,
                    })
                })())?);
            }
        }
        out.sort_by_key(|item| item.key);
        Ok(out)
    }

    /// Every active user's interactions (one query per source), or one user's (one query).
    async fn read_interactions(&self, user: Option<i64>) -> Result<Vec<TimedInteraction>, PortError> {
        let mut out = Vec::new();
        let mut read = |rows: Vec<QueryResult>| -> Result<(), PortError> {
            for row in rows {
                let number: i64 = row.try_get("", "s").map_err(crate::db::map_err)?;
                let source = usize::try_from(number).ok().and_then(|n| INTERACTIONS.get(n));
                let source = source.ok_or_else(|| PortError::Corrupt(format!("interaction source {number}")))?;
                out.push(source.read(&row).map_err(crate::db::map_err)?);
            }
            Ok(())
        };
        match user {
            Some(user) => {
                let parts: Vec<String> = INTERACTIONS.iter().enumerate().map(|(n, s)| s.sql(true, n)).collect();
                let values = vec![Value::from(user); INTERACTIONS.len()];
                read(self.rows(&parts.join(" UNION ALL "), values).await?)?;
            }
            None => {
                for (n, source) in INTERACTIONS.iter().enumerate() {
                    read(self.rows(&source.sql(false, n), vec![]).await?)?;
                }
            }
        }
        out.sort_by_key(|t| (t.at, t.interaction.user));
        Ok(out)
    }
}

#[async_trait]
impl RecommendationSource for SqlRecommendationSource {
    async fn items(&self) -> Result<Vec<ItemFacts>, PortError> {
        self.read_items(None).await
    }

    async fn item(&self, key: ItemKey) -> Result<Option<ItemFacts>, PortError> {
        Ok(self.read_items(Some(key)).await?.into_iter().find(|item| item.key == key))
    }

    async fn offered(&self, keys: &[ItemKey]) -> Result<Vec<ItemKey>, PortError> {
        let mut out = Vec::with_capacity(keys.len());
        for (kind, sql) in [
            (ItemKind::Certificate, "SELECT id FROM certificates WHERE 1 = 1"),
            (ItemKind::Course, "SELECT id FROM courses WHERE 1 = 1"),
            (ItemKind::Post, "SELECT id FROM posts WHERE 1 = 1"),
            (
                ItemKind::Product,
                "SELECT id FROM products WHERE deleted_at IS NULL AND hidden = ? AND status = 'ON_SALE'",
            ),
        ] {
            let ids: Vec<i64> = keys.iter().filter(|k| k.kind == kind).map(|k| k.id).collect();
            if ids.is_empty() {
                continue;
            }
            let marks = vec!["?"; ids.len()].join(", ");
            let mut values: Vec<Value> = if kind == ItemKind::Product { vec![false.into()] } else { vec![] };
            values.extend(ids.iter().map(|id| Value::from(*id)));
            for row in self.rows(&format!("{sql} AND id IN ({marks})"), values).await? {
                out.push(ItemKey::new(kind, row.try_get("", "id").map_err(crate::db::map_err)?));
            }
        }
        Ok(out)
    }

    async fn interactions(&self) -> Result<Vec<TimedInteraction>, PortError> {
        self.read_interactions(None).await
    }

    async fn user_facts(&self, user: i64) -> Result<UserFacts, PortError> {
        let interactions: Vec<Interaction> =
            self.read_interactions(Some(user)).await?.into_iter().map(|t| t.interaction).collect();
        let interest_certificates =
            interactions.iter().filter(|i| i.kind == InteractionKind::InterestCertificate).map(|i| i.item.id).collect();
        let mut owned = Vec::new();
        let sql = "SELECT 0 AS k, id FROM posts WHERE user_id = ? \
                   UNION ALL SELECT 1 AS k, id FROM products WHERE seller_id = ? AND deleted_at IS NULL";
        for row in self.rows(sql, vec![user.into(), user.into()]).await? {
            let read = || -> Result<ItemKey, DbErr> {
                let kind = if row.try_get::<i64>("", "k")? == 0 { ItemKind::Post } else { ItemKind::Product };
                Ok(ItemKey::new(kind, row.try_get("", "id")?))
            };
            owned.push(read().map_err(crate::db::map_err)?);
        }
        Ok(UserFacts { interactions, owned, interest_certificates })
    }
}

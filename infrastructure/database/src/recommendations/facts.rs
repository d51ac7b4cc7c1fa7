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
    /// The query, for every active user or for one (`?`).
    fn sql(&self, one_user: bool) -> String {
        let Self { table, user_column: u, item_column: i, condition, .. } = self;
        let at = if self.grouped { "MAX(created_at)" } else { "created_at" };
        let mut sql = format!(
            "SELECT {u} AS u, {i} AS i, {at} AS at FROM {table} WHERE {condition} \
             AND {u} IN (SELECT id FROM users WHERE withdrawn_at IS NULL)"
        );
        if one_user {
            sql.push_str(&format!(" AND {u} = ?"));
        }
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

    async fn read_interactions(&self, user: Option<i64>) -> Result<Vec<TimedInteraction>, PortError> {
        let mut out = Vec::new();
        for source in &INTERACTIONS {
            let values: Vec<Value> = user.map(Value::from).into_iter().collect();
            for row in self.rows(&source.sql(user.is_some()), values).await? {
                out.push(source.read(&row).map_err(crate::db::map_err)?);
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

    async fn interactions(&self) -> Result<Vec<TimedInteraction>, PortError> {
        self.read_interactions(None).await
    }

    async fn user_facts(&self, user: i64) -> Result<UserFacts, PortError> {
        let interactions: Vec<Interaction> =
            self.read_interactions(Some(user)).await?.into_iter().map(|t| t.interaction).collect();
        let interest_certificates =
            interactions.iter().filter(|i| i.kind == InteractionKind::InterestCertificate).map(|i| i.item.id).collect();
        let mut owned = Vec::new();
        for (sql, kind) in [
            ("SELECT id FROM posts WHERE user_id = ?", ItemKind::Post),
            ("SELECT id FROM products WHERE seller_id = ? AND deleted_at IS NULL", ItemKind::Product),
        ] {
            for row in self.rows(sql, vec![user.into()]).await? {
                owned.push(ItemKey::new(kind, row.try_get("", "id").map_err(crate::db::map_err)?));
            }
        }
        Ok(UserFacts { interactions, owned, interest_certificates })
    }
}

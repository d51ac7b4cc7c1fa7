//! Finding and listing products, with their sellers, images and the viewer's likes; the
//! keyset list and its keyword filter (candidates from the bigram index, then the substring
//! check, as posts do).

use std::collections::{HashMap, HashSet};

use cercat_common::{PortError, paging::Keyset};
use cercat_market::{
    Category, Condition as ItemCondition, Product, ProductDraft, ProductImage, ProductStatus, Seller,
    ports::ProductFilter,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    sea_query::{Expr, ExprTrait, LikeExpr, Query},
};

use super::{SqlProductRepository, corrupt, count, older_than};
use crate::{
    db::Db,
    entity::{product, product_image, product_like, product_token, user},
    posts::search::escape_like,
};

/// How each of `ids` is shown as a seller: the nickname of a live account, `None` for a
/// withdrawn or purged one (see [`Seller::shown`]).
async fn nicknames(db: &Db, ids: impl IntoIterator<Item = i64>) -> Result<HashMap<i64, String>, PortError> {
    let ids: Vec<i64> = ids.into_iter().collect::<HashSet<_>>().into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String, Option<DateTime<Utc>>)> = db
        .run(
            user::Entity::find()
                .select_only()
                .columns([user::Column::Id, user::Column::Nickname, user::Column::WithdrawnAt])
                .filter(user::Column::Id.is_in(ids))
                .into_tuple()
                .all(db.conn()),
        )
        .await?;
    Ok(rows.into_iter().filter(|(_, _, withdrawn)| withdrawn.is_none()).map(|(id, nick, _)| (id, nick)).collect())
}

fn to_product(p: product::Model, seller: Seller, images: Vec<ProductImage>, liked: bool) -> Result<Product, PortError> {
    let bad = |what: &str, value: &str| corrupt(format!("product {} has {what} {value}", p.id));
    let condition = ItemCondition::parse(&p.condition).ok_or_else(|| bad("condition", &p.condition))?;
    let category = Category::parse(&p.category).ok_or_else(|| bad("category", &p.category))?;
    let status = ProductStatus::parse(&p.status).ok_or_else(|| bad("status", &p.status))?;
    Ok(Product {
        id: p.id,
        seller,
        draft: ProductDraft {
            certificate_id: p.certificate_id,
            title: p.title,
            description: p.description,
            price: p.price,
            condition,
            category,
            location: p.location,
        },
        status,
        hidden: p.hidden,
        images,
        view_count: count(p.view_count),
        like_count: count(p.like_count),
        liked,
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

/// Narrows `query` to products whose title or description contains `keyword` (already
/// normalized), found through its `tokens`: a product is a candidate when every token is
/// indexed for it.
fn matching(query: Select<product::Entity>, keyword: &str, tokens: &[String]) -> Select<product::Entity> {
    let pattern = || LikeExpr::new(escape_like(keyword)).escape('\\');
    let query = if tokens.is_empty() {
        query
    } else {
        let n = i64::try_from(tokens.len()).unwrap_or(i64::MAX);
        query.filter(
            product::Column::Id.in_subquery(
                Query::select()
                    .column(product_token::Column::ProductId)
                    .from(product_token::Entity)
                    .and_where(product_token::Column::Token.is_in(tokens.to_vec()))
                    .group_by_col(product_token::Column::ProductId)
                    .and_having(Expr::col(product_token::Column::Token).count_distinct().eq(n))
                    .to_owned(),
            ),
        )
    };
    query.filter(
        Condition::any()
            .add(Expr::col(product::Column::Title).like(pattern()))
            .add(Expr::col(product::Column::Description).like(pattern())),
    )
}

impl SqlProductRepository {
    async fn hydrate(&self, rows: Vec<product::Model>, viewer: i64) -> Result<Vec<Product>, PortError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
        let sellers = nicknames(&self.db, rows.iter().map(|p| p.seller_id)).await?;
        let liked: HashSet<i64> = self
            .db
            .run(
                product_like::Entity::find()
                    .select_only()
                    .column(product_like::Column::ProductId)
                    .filter(product_like::Column::UserId.eq(viewer))
                    .filter(product_like::Column::ProductId.is_in(ids.clone()))
                    .into_tuple::<i64>()
                    .all(self.db.conn()),
            )
            .await?
            .into_iter()
            .collect();
        let images = self
            .db
            .run(
                product_image::Entity::find()
                    .filter(product_image::Column::ProductId.is_in(ids))
                    .order_by_asc(product_image::Column::Id)
                    .all(self.db.conn()),
            )
            .await?;
        rows.into_iter()
            .map(|p| {
                let seller = Seller::shown(p.seller_id, sellers.get(&p.seller_id).cloned());
                let own = images
                    .iter()
                    .filter(|i| i.product_id == p.id)
                    .map(|i| ProductImage { id: i.id, key: i.object_key.clone(), url: String::new() })
                    .collect();
                let liked = liked.contains(&p.id);
                to_product(p, seller, own, liked)
            })
            .collect()
    }

    pub(super) async fn find_product(&self, id: i64, viewer: i64) -> Result<Option<Product>, PortError> {
        let row = self
            .db
            .run(product::Entity::find_by_id(id).filter(product::Column::DeletedAt.is_null()).one(self.db.conn()))
            .await?;
        Ok(self.hydrate(row.into_iter().collect(), viewer).await?.pop())
    }

    pub(super) async fn list_products(
        &self,
        filter: &ProductFilter,
        after: Option<Keyset>,
        limit: u64,
        viewer: i64,
    ) -> Result<Vec<Product>, PortError> {
        let mut query = product::Entity::find()
            .filter(product::Column::DeletedAt.is_null())
            .filter(product::Column::Hidden.eq(false));
        if let Some(id) = filter.certificate_id {
            query = query.filter(product::Column::CertificateId.eq(id));
        }
        if let Some(category) = filter.category {
            query = query.filter(product::Column::Category.eq(category.as_str()));
        }
        if let Some(status) = filter.status {
            query = query.filter(product::Column::Status.eq(status.as_str()));
        }
        if let Some(id) = filter.seller_id {
            query = query.filter(product::Column::SellerId.eq(id));
        }
        if let Some((keyword, tokens)) = &filter.keyword {
            query = matching(query, keyword, tokens);
        }
        if let Some(after) = after {
            query = query.filter(older_than(product::Column::CreatedAt, product::Column::Id, after));
        }
        let rows = self
            .db
            .run(
                query
                    .order_by_desc(product::Column::CreatedAt)
                    .order_by_desc(product::Column::Id)
                    .limit(limit)
                    .all(self.db.conn()),
            )
            .await?;
        self.hydrate(rows, viewer).await
    }
}

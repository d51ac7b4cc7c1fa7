//! [`ProductRepository`] over `products`, `product_images`, `product_tokens` and
//! `product_likes`: writing a product with its images and tokens in one transaction; edits
//! and soft deletes conditional on ON_SALE in the `UPDATE` itself, so an order racing them
//! either lands first (and the edit is refused) or sees the edited row.

use std::collections::BTreeSet;

use async_trait::async_trait;
use cercat_common::{PortError, paging::Keyset};
use cercat_market::{
    Product, ProductDraft, ProductStatus,
    ports::{LikeChange, ProductChange, ProductFilter, ProductRepository},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr,
};

use super::{Answer, ON_SALE, corrupt, lock_product, stored};
use crate::{
    db::Db,
    entity::{product, product_image, product_token},
};

/// Products, their images, search tokens, likes and views.
#[derive(Clone, Debug)]
pub struct SqlProductRepository {
    pub(super) db: Db,
}

impl SqlProductRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

async fn insert_tokens<C: ConnectionTrait>(conn: &C, product_id: i64, tokens: &[String]) -> Result<(), DbErr> {
    // Distinct, or the primary key (token, product) would refuse the batch.
    let tokens: Vec<&String> = tokens.iter().collect::<BTreeSet<_>>().into_iter().collect();
    for chunk in tokens.chunks(400) {
        let rows =
            chunk.iter().map(|t| product_token::ActiveModel { token: Set((*t).clone()), product_id: Set(product_id) });
        product_token::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(())
}

async fn insert_images<C: ConnectionTrait>(conn: &C, product_id: i64, keys: &[String]) -> Result<(), DbErr> {
    if keys.is_empty() {
        return Ok(());
    }
    let rows = keys.iter().map(|k| product_image::ActiveModel {
        product_id: Set(product_id),
        object_key: Set(k.clone()),
        ..Default::default()
    });
    product_image::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(())
}

/// Why a conditional change of product `id` matched no row: it is gone (or deleted), or it is
/// not ON_SALE. Read under the row lock [`lock_product`] took, so it sees what the `UPDATE` saw.
async fn refusal<C: ConnectionTrait>(conn: &C, id: i64) -> Answer<ProductChange> {
    let row: Option<(String, Option<DateTime<Utc>>)> = product::Entity::find_by_id(id)
        .select_only()
        .columns([product::Column::Status, product::Column::DeletedAt])
        .into_tuple()
        .one(conn)
        .await?;
    Ok(match row {
        None | Some((_, Some(_))) => Ok(ProductChange::Missing),
        Some((status, None)) => match ProductStatus::parse(&status) {
            Some(ProductStatus::OnSale) => {
                Err(corrupt(format!("product {id} is ON_SALE but its update matched nothing")))
            }
            Some(other) => Ok(ProductChange::Locked(other)),
            None => Err(corrupt(format!("product {id} has status {status}"))),
        },
    })
}

/// Deletes the images of `product_id` among `ids` (all of them with `None`); their keys.
async fn drop_images<C: ConnectionTrait>(conn: &C, product_id: i64, ids: Option<&[i64]>) -> Result<Vec<String>, DbErr> {
    let mut query = product_image::Entity::find().filter(product_image::Column::ProductId.eq(product_id));
    if let Some(ids) = ids {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        query = query.filter(product_image::Column::Id.is_in(ids.to_vec()));
    }
    let doomed = query.all(conn).await?;
    if !doomed.is_empty() {
        let ids: Vec<i64> = doomed.iter().map(|i| i.id).collect();
        product_image::Entity::delete_many().filter(product_image::Column::Id.is_in(ids)).exec(conn).await?;
    }
    Ok(doomed.into_iter().map(|i| i.object_key).collect())
}

/// Only a live ON_SALE product changes.
fn editable(update: sea_orm::UpdateMany<product::Entity>, id: i64) -> sea_orm::UpdateMany<product::Entity> {
    update
        .filter(product::Column::Id.eq(id))
        .filter(product::Column::Status.eq(ON_SALE))
        .filter(product::Column::DeletedAt.is_null())
}

#[async_trait]
impl ProductRepository for SqlProductRepository {
    async fn create(
        &self,
        seller_id: i64,
        d: &ProductDraft,
        tokens: &[String],
        image_keys: &[String],
        at: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        let at = stored(at);
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                let row = product::ActiveModel {
                    seller_id: Set(seller_id),
                    certificate_id: Set(d.certificate_id),
                    title: Set(d.title.clone()),
                    description: Set(d.description.clone()),
                    price: Set(d.price),
                    condition: Set(d.condition.as_str().to_owned()),
                    category: Set(d.category.as_str().to_owned()),
                    location: Set(d.location.clone()),
                    status: Set(ON_SALE.to_owned()),
                    hidden: Set(false),
                    deleted_at: Set(None),
                    view_count: Set(0),
                    like_count: Set(0),
                    created_at: Set(at),
                    updated_at: Set(at),
                    ..Default::default()
                };
                // An unknown certificate fails the foreign key: `PortError::InUse`.
                let id = product::Entity::insert(row).exec(&txn).await?.last_insert_id;
                insert_images(&txn, id, image_keys).await?;
                insert_tokens(&txn, id, tokens).await?;
                txn.commit().await?;
                Ok(id)
            })
            .await
    }

    async fn update(
        &self,
        id: i64,
        d: &ProductDraft,
        tokens: &[String],
        remove_image_ids: &[i64],
        new_image_keys: &[String],
        at: DateTime<Utc>,
    ) -> Result<ProductChange, PortError> {
        let at = stored(at);
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                lock_product(&txn, id).await?;
                let update = product::Entity::update_many()
                    .col_expr(product::Column::CertificateId, Expr::value(d.certificate_id))
                    .col_expr(product::Column::Title, Expr::value(d.title.clone()))
                    .col_expr(product::Column::Description, Expr::value(d.description.clone()))
                    .col_expr(product::Column::Price, Expr::value(d.price))
                    .col_expr(product::Column::Condition, Expr::value(d.condition.as_str()))
                    .col_expr(product::Column::Category, Expr::value(d.category.as_str()))
                    .col_expr(product::Column::Location, Expr::value(d.location.clone()))
                    .col_expr(product::Column::UpdatedAt, Expr::value(at));
                if editable(update, id).exec(&txn).await?.rows_affected == 0 {
                    return refusal(&txn, id).await;
                }
                product_token::Entity::delete_many().filter(product_token::Column::ProductId.eq(id)).exec(&txn).await?;
                insert_tokens(&txn, id, tokens).await?;
                let removed = drop_images(&txn, id, Some(remove_image_ids)).await?;
                insert_images(&txn, id, new_image_keys).await?;
                txn.commit().await?;
                Ok(Ok(ProductChange::Done(removed)))
            })
            .await?
    }

    async fn delete(&self, id: i64, at: DateTime<Utc>) -> Result<ProductChange, PortError> {
        let at = stored(at);
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                lock_product(&txn, id).await?;
                let update = product::Entity::update_many()
                    .col_expr(product::Column::DeletedAt, Expr::value(Some(at)))
                    .col_expr(product::Column::UpdatedAt, Expr::value(at));
                if editable(update, id).exec(&txn).await?.rows_affected == 0 {
                    return refusal(&txn, id).await;
                }
                // The row stays for its orders; what only a shown product needs goes.
                product_token::Entity::delete_many().filter(product_token::Column::ProductId.eq(id)).exec(&txn).await?;
                let keys = drop_images(&txn, id, None).await?;
                txn.commit().await?;
                Ok(Ok(ProductChange::Done(keys)))
            })
            .await?
    }

    async fn find(&self, id: i64, viewer: i64) -> Result<Option<Product>, PortError> {
        self.find_product(id, viewer).await
    }

    async fn list(
        &self,
        filter: &ProductFilter,
        after: Option<Keyset>,
        limit: u64,
        viewer: i64,
    ) -> Result<Vec<Product>, PortError> {
        self.list_products(filter, after, limit, viewer).await
    }

    async fn like(&self, id: i64, user_id: i64, at: DateTime<Utc>) -> Result<LikeChange, PortError> {
        self.add_like(id, user_id, at).await
    }

    async fn unlike(&self, id: i64, user_id: i64) -> Result<LikeChange, PortError> {
        self.remove_like(id, user_id).await
    }

    async fn add_views(&self, batch_id: &str, counts: &[(i64, u64)], at: DateTime<Utc>) -> Result<bool, PortError> {
        self.apply_views(batch_id, counts, at).await
    }

    async fn set_hidden(&self, id: i64, hidden: bool, at: DateTime<Utc>) -> Result<bool, PortError> {
        let at = stored(at);
        let changed = self
            .db
            .write(|| {
                product::Entity::update_many()
                    .col_expr(product::Column::Hidden, Expr::value(hidden))
                    .col_expr(product::Column::UpdatedAt, Expr::value(at))
                    .filter(product::Column::Id.eq(id))
                    .filter(product::Column::DeletedAt.is_null())
                    .exec(self.db.conn())
            })
            .await?;
        // Matched rows (the MySQL client asks for found rows), so hiding twice is still `true`.
        Ok(changed.rows_affected == 1)
    }
}

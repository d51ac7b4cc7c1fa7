//! [`MemoryProducts`]: products, their images, search tokens, likes and flushed views.

use std::{cmp::Reverse, sync::Arc};

use async_trait::async_trait;
use cercat_common::{PortError, paging::Keyset};
use chrono::{DateTime, Utc};

use super::{ProductRow, Shared, State};
use crate::{
    Product, ProductDraft, ProductImage, ProductStatus, Seller,
    ports::{LikeChange, ProductChange, ProductFilter, ProductRepository},
};

use super::orders::MemoryOrders;

/// Products in memory, honouring the [`ProductRepository`] contract; clones share the store,
/// and [`MemoryProducts::orders`] is the ledger over the same store.
#[derive(Clone, Default)]
pub struct MemoryProducts {
    pub(super) shared: Arc<Shared>,
}

impl State {
    fn is_certificate(&self, id: i64) -> bool {
        self.certificates.as_ref().is_none_or(|known| known.contains(&id))
    }

    fn live_product(&mut self, id: i64) -> Option<&mut ProductRow> {
        self.products.iter_mut().find(|p| p.id == id && !p.deleted)
    }

    fn images(&mut self, keys: &[String]) -> Vec<ProductImage> {
        keys.iter()
            .map(|key| {
                self.next_image += 1;
                ProductImage { id: self.next_image, key: key.clone(), url: String::new() }
            })
            .collect()
    }

    fn show(&self, row: &ProductRow, viewer: i64) -> Product {
        let nickname = match self.nicknames.get(&row.seller_id) {
            Some(stored) => stored.clone(),
            None => Some(format!("회원{}", row.seller_id)),
        };
        Product {
            id: row.id,
            seller: Seller::shown(row.seller_id, nickname),
            draft: row.draft.clone(),
            status: row.status,
            hidden: row.hidden,
            images: row.images.clone(),
            view_count: row.view_count,
            like_count: row.likers.len() as u64,
            liked: row.likers.contains(&viewer),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn matches(row: &ProductRow, filter: &ProductFilter) -> bool {
    let keyword = filter.keyword.as_ref().is_none_or(|(keyword, tokens)| {
        let keyword = keyword.to_lowercase();
        tokens.iter().all(|t| row.tokens.contains(t))
            && (row.draft.title.to_lowercase().contains(&keyword)
                || row.draft.description.to_lowercase().contains(&keyword))
    });
    keyword
        && filter.certificate_id.is_none_or(|id| row.draft.certificate_id == id)
        && filter.category.is_none_or(|c| row.draft.category == c)
        && filter.status.is_none_or(|s| row.status == s)
        && filter.seller_id.is_none_or(|id| row.seller_id == id)
}

impl MemoryProducts {
    /// From now on only `certificates` exist (a product naming another fails as the foreign
    /// key fails, [`PortError::InUse`]); a fresh store takes every id as a certificate.
    pub fn only_certificates(&self, certificates: &[i64]) {
        self.shared.lock().expect("lock").certificates = Some(certificates.to_vec());
    }

    /// The order ledger over this store (an order moves its product's status).
    pub fn orders(&self) -> MemoryOrders {
        MemoryOrders { shared: Arc::clone(&self.shared) }
    }

    /// Names user `user_id` (sellers are shown with it).
    pub fn name(&self, user_id: i64, nickname: &str) {
        self.shared.lock().expect("lock").nicknames.insert(user_id, Some(nickname.to_owned()));
    }

    /// Withdraws user `user_id`'s account (their products show the withdrawn nickname).
    pub fn withdraw(&self, user_id: i64) {
        self.shared.lock().expect("lock").nicknames.insert(user_id, None);
    }

    /// Product `id`'s status, deleted or not.
    pub fn status(&self, id: i64) -> Option<ProductStatus> {
        self.shared.lock().expect("lock").products.iter().find(|p| p.id == id).map(|p| p.status)
    }

    /// Product `id`'s flushed views.
    pub fn view_count(&self, id: i64) -> u64 {
        self.shared.lock().expect("lock").products.iter().find(|p| p.id == id).map_or(0, |p| p.view_count)
    }

    /// Whether product `id` is soft-deleted.
    pub fn deleted(&self, id: i64) -> bool {
        self.shared.lock().expect("lock").products.iter().any(|p| p.id == id && p.deleted)
    }

    /// Product `id`'s search tokens, sorted.
    pub fn tokens(&self, id: i64) -> Vec<String> {
        let state = self.shared.lock().expect("lock");
        let mut tokens = state.products.iter().find(|p| p.id == id).map(|p| p.tokens.clone()).unwrap_or_default();
        tokens.sort();
        tokens
    }
}

#[async_trait]
impl ProductRepository for MemoryProducts {
    async fn create(
        &self,
        seller_id: i64,
        draft: &ProductDraft,
        tokens: &[String],
        image_keys: &[String],
        at: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        let mut s = self.shared.lock()?;
        if !s.is_certificate(draft.certificate_id) {
            return Err(PortError::InUse(format!("fk_product_certificate {}", draft.certificate_id)));
        }
        let id = s.products.len() as i64 + 1;
        let images = s.images(image_keys);
        s.products.push(ProductRow {
            id,
            seller_id,
            draft: draft.clone(),
            tokens: tokens.to_vec(),
            status: ProductStatus::OnSale,
            hidden: false,
            deleted: false,
            images,
            view_count: 0,
            likers: Vec::new(),
            created_at: at,
            updated_at: at,
        });
        Ok(id)
    }

    async fn update(
        &self,
        id: i64,
        draft: &ProductDraft,
        tokens: &[String],
        remove_image_ids: &[i64],
        new_image_keys: &[String],
        at: DateTime<Utc>,
    ) -> Result<ProductChange, PortError> {
        let mut s = self.shared.lock()?;
        let certificate = s.is_certificate(draft.certificate_id);
        let Some(row) = s.live_product(id) else { return Ok(ProductChange::Missing) };
        if row.status != ProductStatus::OnSale {
            return Ok(ProductChange::Locked(row.status));
        }
        if !certificate {
            return Err(PortError::InUse(format!("fk_product_certificate {}", draft.certificate_id)));
        }
        let (removed, kept): (Vec<ProductImage>, Vec<ProductImage>) =
            row.images.drain(..).partition(|i| remove_image_ids.contains(&i.id));
        row.images = kept;
        (row.draft, row.tokens, row.updated_at) = (draft.clone(), tokens.to_vec(), at);
        let added = s.images(new_image_keys);
        if let Some(row) = s.live_product(id) {
            row.images.extend(added);
        }
        Ok(ProductChange::Done(removed.into_iter().map(|i| i.key).collect()))
    }

    async fn delete(&self, id: i64, at: DateTime<Utc>) -> Result<ProductChange, PortError> {
        let mut s = self.shared.lock()?;
        let Some(row) = s.live_product(id) else { return Ok(ProductChange::Missing) };
        if row.status != ProductStatus::OnSale {
            return Ok(ProductChange::Locked(row.status));
        }
        (row.deleted, row.updated_at) = (true, at);
        Ok(ProductChange::Done(row.images.iter().map(|i| i.key.clone()).collect()))
    }

    async fn find(&self, id: i64, viewer: i64) -> Result<Option<Product>, PortError> {
        let s = self.shared.lock()?;
        Ok(s.products.iter().find(|p| p.id == id && !p.deleted).map(|row| s.show(row, viewer)))
    }

    async fn list(
        &self,
        filter: &ProductFilter,
        after: Option<Keyset>,
        limit: u64,
        viewer: i64,
    ) -> Result<Vec<Product>, PortError> {
        let s = self.shared.lock()?;
        let mut rows: Vec<&ProductRow> = s
            .products
            .iter()
            .filter(|p| !p.deleted && !p.hidden && matches(p, filter))
            .filter(|p| after.is_none_or(|k| (p.created_at, p.id) < (k.at, k.id)))
            .collect();
        rows.sort_by_key(|p| Reverse((p.created_at, p.id)));
        Ok(rows.into_iter().take(usize::try_from(limit).unwrap_or(usize::MAX)).map(|p| s.show(p, viewer)).collect())
    }

    async fn like(&self, id: i64, user_id: i64, _: DateTime<Utc>) -> Result<LikeChange, PortError> {
        let mut s = self.shared.lock()?;
        let Some(row) = s.live_product(id) else { return Ok(LikeChange::Missing) };
        if row.likers.contains(&user_id) {
            return Ok(LikeChange::Unchanged);
        }
        row.likers.push(user_id);
        Ok(LikeChange::Changed)
    }

    async fn unlike(&self, id: i64, user_id: i64) -> Result<LikeChange, PortError> {
        let mut s = self.shared.lock()?;
        let Some(row) = s.live_product(id) else { return Ok(LikeChange::Missing) };
        let before = row.likers.len();
        row.likers.retain(|u| *u != user_id);
        Ok(if row.likers.len() < before { LikeChange::Changed } else { LikeChange::Unchanged })
    }

    async fn add_views(&self, batch_id: &str, counts: &[(i64, u64)], _: DateTime<Utc>) -> Result<bool, PortError> {
        let mut s = self.shared.lock()?;
        if s.view_batches.iter().any(|b| b == batch_id) {
            return Ok(false);
        }
        s.view_batches.push(batch_id.to_owned());
        for (id, views) in counts {
            if let Some(row) = s.products.iter_mut().find(|p| p.id == *id) {
                row.view_count += views;
            }
        }
        Ok(true)
    }

    async fn set_hidden(&self, id: i64, hidden: bool, at: DateTime<Utc>) -> Result<bool, PortError> {
        let mut s = self.shared.lock()?;
        let Some(row) = s.live_product(id) else { return Ok(false) };
        (row.hidden, row.updated_at) = (hidden, at);
        Ok(true)
    }
}

//! Products: listing, finding, editing, deleting, likes, views, and hiding (admins).

use cercat_common::{
    PortError,
    paging::{CursorPage, Keyset, KeysetRequest},
    search,
    storage::sniff_image,
};

use super::{Actor, MarketService};
use crate::{
    Category, MarketError, Product, ProductDraft, ProductPatch, ProductStatus,
    model::{MAX_IMAGE_BYTES, MAX_IMAGES},
    ports::{LikeChange, ProductChange, ProductFilter},
};

/// What a product list asks for (already parsed from the query string).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProductQuery {
    /// The board.
    pub certificate_id: Option<i64>,
    /// Only this category.
    pub category: Option<Category>,
    /// Only this status.
    pub status: Option<ProductStatus>,
    /// Title or description contains this (2–50 characters).
    pub keyword: Option<String>,
    /// Sold by this user.
    pub seller_id: Option<i64>,
}

fn tokens(draft: &ProductDraft) -> Vec<String> {
    search::post_tokens(&draft.title, &draft.description).into_iter().collect()
}

fn locked(id: i64, status: ProductStatus) -> MarketError {
    MarketError::Locked { id, status: status.as_str() }
}

impl MarketService {
    /// Lists a product for sale with up to five images (checked by their content).
    pub async fn create_product(
        &self,
        seller_id: i64,
        mut draft: ProductDraft,
        images: Vec<Vec<u8>>,
    ) -> Result<Product, MarketError> {
        draft.validate()?;
        let keys = self.store_images(seller_id, images, 0).await?;
        let created = self.ports.products.create(seller_id, &draft, &tokens(&draft), &keys, self.now()).await;
        match created {
            Ok(id) => self.shown(id, Actor { user_id: seller_id, admin: false }).await,
            Err(err) => {
                self.drop_images(&keys).await;
                Err(match err {
                    PortError::InUse(_) => MarketError::NoCertificate(draft.certificate_id),
                    other => other.into(),
                })
            }
        }
    }

    /// A product as `viewer` sees it, counting the view (once per viewer per Seoul day; the
    /// seller's own views are not counted). A hidden product is shown only to its seller and
    /// admins.
    pub async fn product(&self, id: i64, viewer: Actor) -> Result<Product, MarketError> {
        let product = self.shown(id, viewer).await?;
        if product.seller.user_id != viewer.user_id {
            // Counting is best effort: a counter that is down never hides the product.
            let day = self.ports.clock.today_in_seoul();
            if let Err(err) = self.ports.views.record(id, viewer.user_id, day).await {
                tracing::warn!(%err, product = id, "could not count a product view");
            }
        }
        Ok(product)
    }

    /// A product as an admin or its seller sees it, hidden or not, without counting a view.
    pub async fn inspect(&self, viewer: Actor, id: i64) -> Result<Product, MarketError> {
        self.shown(id, viewer).await
    }

    /// A product without counting a view.
    pub(super) async fn shown(&self, id: i64, viewer: Actor) -> Result<Product, MarketError> {
        let mut product =
            self.ports.products.find(id, viewer.user_id).await?.ok_or(MarketError::ProductNotFound(id))?;
        if product.hidden && !viewer.admin && product.seller.user_id != viewer.user_id {
            return Err(MarketError::ProductNotFound(id));
        }
        for image in &mut product.images {
            image.url = self.ports.storage.url_for(&image.key);
        }
        Ok(product)
    }

    /// Products matching `query`, newest first, a keyset page at a time.
    pub async fn products(
        &self,
        query: ProductQuery,
        page: KeysetRequest,
        viewer: i64,
    ) -> Result<CursorPage<Product>, MarketError> {
        let keyword = search::read_keyword(query.keyword.as_deref())
            .map_err(|()| MarketError::Invalid {
                field: "keyword",
                reason: format!(
                    "must be {} to {} characters with at least two in one word",
                    search::MIN_KEYWORD_CHARS,
                    search::MAX_KEYWORD_CHARS
                ),
            })?
            .map(|(normalized, tokens)| (normalized, tokens.into_iter().collect()));
        let filter = ProductFilter {
            certificate_id: query.certificate_id,
            category: query.category,
            status: query.status,
            keyword,
            seller_id: query.seller_id,
        };
        let mut rows = self.ports.products.list(&filter, page.after, page.fetch_limit(), viewer).await?;
        for product in &mut rows {
            for image in &mut product.images {
                image.url = self.ports.storage.url_for(&image.key);
            }
        }
        Ok(CursorPage::from_fetched(rows, &page, |p| Keyset { at: p.created_at, id: p.id }))
    }

    /// Changes a product (its seller or an admin) while it is ON_SALE: the fields given,
    /// images removed by id and new ones appended (five at most in all).
    pub async fn update_product(
        &self,
        actor: Actor,
        id: i64,
        patch: ProductPatch,
        remove_image_ids: &[i64],
        images: Vec<Vec<u8>>,
    ) -> Result<Product, MarketError> {
        let current = self.owned(actor, id).await?;
        if current.status != ProductStatus::OnSale {
            return Err(locked(id, current.status));
        }
        let mut draft = patch.apply(current.draft.clone());
        draft.validate()?;
        let kept = current.images.iter().filter(|i| !remove_image_ids.contains(&i.id)).count();
        let keys = self.store_images(current.seller.user_id, images, kept).await?;
        let outcome =
            self.ports.products.update(id, &draft, &tokens(&draft), remove_image_ids, &keys, self.now()).await;
        let refused = match outcome {
            Ok(ProductChange::Done(removed)) => {
                self.drop_images(&removed).await;
                return self.shown(id, actor).await;
            }
            Ok(ProductChange::Missing) => MarketError::ProductNotFound(id),
            Ok(ProductChange::Locked(status)) => locked(id, status),
            Err(PortError::InUse(_)) => MarketError::NoCertificate(draft.certificate_id),
            Err(err) => err.into(),
        };
        self.drop_images(&keys).await;
        Err(refused)
    }

    /// Deletes a product (its seller or an admin) while it is ON_SALE; it stays in the order
    /// history of past buyers.
    pub async fn delete_product(&self, actor: Actor, id: i64) -> Result<(), MarketError> {
        let current = self.owned(actor, id).await?;
        if current.status != ProductStatus::OnSale {
            return Err(locked(id, current.status));
        }
        match self.ports.products.delete(id, self.now()).await? {
            ProductChange::Done(keys) => {
                self.drop_images(&keys).await;
                Ok(())
            }
            ProductChange::Missing => Err(MarketError::ProductNotFound(id)),
            ProductChange::Locked(status) => Err(locked(id, status)),
        }
    }

    /// Likes a product (once per user; liking again changes nothing).
    pub async fn like(&self, user_id: i64, id: i64) -> Result<Product, MarketError> {
        let viewer = Actor { user_id, admin: false };
        self.shown(id, viewer).await?;
        match self.ports.products.like(id, user_id, self.now()).await? {
            LikeChange::Missing => Err(MarketError::ProductNotFound(id)),
            LikeChange::Changed | LikeChange::Unchanged => self.shown(id, viewer).await,
        }
    }

    /// Takes back a like (nothing changes if there was none).
    pub async fn unlike(&self, user_id: i64, id: i64) -> Result<Product, MarketError> {
        let viewer = Actor { user_id, admin: false };
        // As for a like: a product the caller cannot see is refused before anything changes.
        self.shown(id, viewer).await?;
        match self.ports.products.unlike(id, user_id).await? {
            LikeChange::Missing => Err(MarketError::ProductNotFound(id)),
            LikeChange::Changed | LikeChange::Unchanged => self.shown(id, viewer).await,
        }
    }

    /// Hides a product from everyone but its seller and admins, or shows it again (admins).
    pub async fn set_hidden(&self, id: i64, hidden: bool) -> Result<Product, MarketError> {
        if !self.ports.products.set_hidden(id, hidden, self.now()).await? {
            return Err(MarketError::ProductNotFound(id));
        }
        self.shown(id, Actor { user_id: 0, admin: true }).await
    }

    /// Moves the views counted since the last flush into the database (exactly once per
    /// batch, also when a flush crashed halfway). Returns the views this call added (none when
    /// the batch had been added by a flush that crashed before acknowledging it).
    pub async fn flush_views(&self) -> Result<u64, MarketError> {
        let Some(batch) = self.ports.views.take().await? else {
            return Ok(0);
        };
        let total = batch.counts.iter().map(|(_, n)| n).sum();
        let added = self.ports.products.add_views(&batch.id, &batch.counts, self.now()).await?;
        self.ports.views.ack(&batch.id).await?;
        Ok(if added { total } else { 0 })
    }

    async fn owned(&self, actor: Actor, id: i64) -> Result<Product, MarketError> {
        let product = self.shown(id, actor).await?;
        if product.seller.user_id != actor.user_id && !actor.admin {
            return Err(MarketError::NotSeller(id));
        }
        Ok(product)
    }

    async fn store_images(
        &self,
        seller_id: i64,
        images: Vec<Vec<u8>>,
        kept: usize,
    ) -> Result<Vec<String>, MarketError> {
        if kept + images.len() > MAX_IMAGES {
            return Err(MarketError::InvalidImage(format!("a product has at most {MAX_IMAGES} images")));
        }
        let mut checked = Vec::with_capacity(images.len());
        for bytes in images {
            if bytes.len() > MAX_IMAGE_BYTES {
                return Err(MarketError::InvalidImage(format!("an image is larger than {MAX_IMAGE_BYTES} bytes")));
            }
            let (ext, mime) = sniff_image(&bytes)
                .ok_or_else(|| MarketError::InvalidImage("images must be PNG, JPEG, GIF or WebP".into()))?;
            checked.push((bytes, ext, mime));
        }
        let stamp = self.now().timestamp_micros();
        let mut keys = Vec::with_capacity(checked.len());
        for (i, (bytes, ext, mime)) in checked.into_iter().enumerate() {
            let key = format!("products/{seller_id}/{stamp}-{i}-{}.{ext}", uuid::Uuid::new_v4().simple());
            match self.ports.storage.put(&key, bytes, mime).await {
                Ok(_) => keys.push(key),
                Err(err) => {
                    self.drop_images(&keys).await;
                    return Err(err.into());
                }
            }
        }
        Ok(keys)
    }

    async fn drop_images(&self, keys: &[String]) {
        for key in keys {
            if let Err(err) = self.ports.storage.delete(key).await {
                tracing::warn!(%err, key, "could not delete a product image; it is orphaned");
            }
        }
    }
}

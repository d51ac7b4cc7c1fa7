//! What the market needs from storage, the view counter and the neighbouring contexts.

use async_trait::async_trait;
use cercat_common::{PortError, paging::Keyset};
use chrono::{DateTime, NaiveDate, Utc};

use crate::{Category, Order, OrderRecord, OrderRole, OrderTransition, Product, ProductDraft, ProductStatus};

pub use cercat_common::payment::{GatewayError, GatewayStatus, PaymentApproval, PaymentGateway, WebhookEvent};
pub use cercat_coupon::ports::CouponPricing;

/// Which products a list shows (never deleted or hidden ones).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProductFilter {
    /// The board.
    pub certificate_id: Option<i64>,
    /// Only this category.
    pub category: Option<Category>,
    /// Only this status.
    pub status: Option<ProductStatus>,
    /// Title or description contains this (already normalized) keyword, found through these
    /// n-gram tokens ([`cercat_common::search`]).
    pub keyword: Option<(String, Vec<String>)>,
    /// Sold by this user.
    pub seller_id: Option<i64>,
}

/// How a change of a product went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductChange {
    /// Changed; the image keys it dropped (to delete from storage).
    Done(Vec<String>),
    /// No such product (or deleted).
    Missing,
    /// Refused: the product is not ON_SALE (an order holds it, or it is sold).
    Locked(ProductStatus),
}

/// What a like or unlike did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LikeChange {
    /// Added or removed; the counter moved by one.
    Changed,
    /// Nothing to do: already liked (like) or not liked (unlike).
    Unchanged,
    /// No such product.
    Missing,
}

/// Products, their images, search tokens and likes. `like_count` changes only in the
/// transaction that inserts or deletes the like row, by a relative `± 1`, so it stays exact
/// under any concurrency; `view_count` only by [`ProductRepository::add_views`].
#[async_trait]
pub trait ProductRepository: Send + Sync {
    /// Stores a new ON_SALE product with its image keys and search tokens; returns its id.
    async fn create(
        &self,
        seller_id: i64,
        draft: &ProductDraft,
        tokens: &[String],
        image_keys: &[String],
        at: DateTime<Utc>,
    ) -> Result<i64, PortError>;
    /// Replaces the fields and tokens, drops the images among `remove_image_ids` that are this
    /// product's and appends `new_image_keys` — only while the product is ON_SALE (one
    /// conditional update, so an order racing the edit either sees the old price or refuses).
    async fn update(
        &self,
        id: i64,
        draft: &ProductDraft,
        tokens: &[String],
        remove_image_ids: &[i64],
        new_image_keys: &[String],
        at: DateTime<Utc>,
    ) -> Result<ProductChange, PortError>;
    /// Soft-deletes the product (it stays for its orders' history) — only while ON_SALE;
    /// returns its image keys.
    async fn delete(&self, id: i64, at: DateTime<Utc>) -> Result<ProductChange, PortError>;
    /// One product (hidden ones too; deleted ones never), as `viewer` sees it.
    async fn find(&self, id: i64, viewer: i64) -> Result<Option<Product>, PortError>;
    /// Products matching `filter` that are neither deleted nor hidden, newest first by
    /// `(created_at, id)`, strictly after `after` in that order: at most `limit`.
    async fn list(
        &self,
        filter: &ProductFilter,
        after: Option<Keyset>,
        limit: u64,
        viewer: i64,
    ) -> Result<Vec<Product>, PortError>;
    /// Likes the product once per user.
    async fn like(&self, id: i64, user_id: i64, at: DateTime<Utc>) -> Result<LikeChange, PortError>;
    /// Removes the user's like.
    async fn unlike(&self, id: i64, user_id: i64) -> Result<LikeChange, PortError>;
    /// Adds a batch of counted views (`(product, views)`), exactly once per `batch_id`: a batch
    /// applied before (a retry after a crash) changes nothing and returns `false`.
    async fn add_views(&self, batch_id: &str, counts: &[(i64, u64)], at: DateTime<Utc>) -> Result<bool, PortError>;
    /// Hides or shows a product (admins); `false` if there is no such product.
    async fn set_hidden(&self, id: i64, hidden: bool, at: DateTime<Utc>) -> Result<bool, PortError>;
}

/// An order to place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    /// The product.
    pub product_id: i64,
    /// The price the quote was made on; the reservation is refused if the product's price is
    /// not this any more.
    pub price: i64,
    /// The buyer.
    pub buyer_id: i64,
    /// The coupons' discount, won.
    pub discount: i64,
    /// `price − discount`.
    pub amount: i64,
    /// The buyer's coupons (user-coupon ids): reserved for the order in the same transaction.
    pub coupons: Vec<i64>,
    /// The order id for the gateway (unique).
    pub gateway_order_id: String,
    /// PENDING_PAYMENT (the product becomes RESERVED), or PAID when nothing is due (the
    /// product becomes SOLD and the coupons are spent at once).
    pub status: crate::OrderStatus,
    /// Pay by.
    pub pay_by: DateTime<Utc>,
    /// Placed at.
    pub at: DateTime<Utc>,
}

/// How placing an order went; refusals change nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceOutcome {
    /// The product is reserved for the buyer by this order (PENDING_PAYMENT).
    Placed(Order),
    /// No such product (deleted, hidden, or never).
    NoProduct,
    /// The product is not ON_SALE: another order won it, or it is sold.
    NotOnSale(ProductStatus),
    /// The product's price is not the one quoted (the seller edited it meanwhile).
    PriceChanged,
    /// This coupon is not the buyer's usable coupon any more.
    CouponTaken(i64),
}

/// A captured charge waiting for its refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRefund {
    /// The order it was charged for.
    pub order_id: i64,
    /// The gateway's key of the charge.
    pub payment_key: String,
    /// Amount charged, won.
    pub amount: i64,
}

/// Orders, their history and their charges — the database is the truth. Every transition
/// changes the order, the product's status, the coupons, the history and the outbox in one
/// transaction, conditional on the states it leaves, so racing callers cannot both make it.
#[async_trait]
pub trait OrderLedger: Send + Sync {
    /// Places `order`: the product moves ON_SALE → RESERVED (SOLD for a PAID order) in one conditional update (on
    /// status, price, not deleted and not hidden), so of any number of concurrent buyers
    /// exactly one gets [`PlaceOutcome::Placed`]; in the same transaction the order row, its
    /// coupons' reservation (`cercat_coupon::Checkout::Order`), its first history record and
    /// its event ([`crate::events::transition`] of the new order) are written.
    async fn place(&self, order: &NewOrder) -> Result<PlaceOutcome, PortError>;
    /// One order.
    async fn find(&self, id: i64) -> Result<Option<Order>, PortError>;
    /// The order with this gateway order id.
    async fn by_gateway_order(&self, gateway_order_id: &str) -> Result<Option<Order>, PortError>;
    /// [`OrderTransition::PAY`] with the gateway's payment key, recording the charge and
    /// spending the coupons in the same transaction. `None` if the order was not
    /// PENDING_PAYMENT any more. A payment key already recorded for another order is
    /// [`PortError::Duplicate`].
    async fn complete(&self, id: i64, payment_key: &str, at: DateTime<Utc>) -> Result<Option<Order>, PortError>;
    /// Makes `transition` (conditional: `None` if the order was not in `transition.from()`),
    /// moving the product to `transition.product_to()`, giving the coupons back (reserved or
    /// spent) and marking the payment refunded when [`OrderTransition::refunds_payment`], with
    /// a history record and the event, in one transaction, exactly once.
    async fn release(
        &self,
        id: i64,
        transition: OrderTransition,
        at: DateTime<Utc>,
    ) -> Result<Option<Order>, PortError>;
    /// PENDING_PAYMENT orders whose `pay_by` is before `now`, oldest deadline first.
    async fn overdue(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Order>, PortError>;
    /// The user's orders on one side of the trade, newest first by `(created_at, id)`,
    /// strictly after `after`: at most `limit`.
    async fn of_user(
        &self,
        user_id: i64,
        role: OrderRole,
        after: Option<Keyset>,
        limit: u64,
    ) -> Result<Vec<Order>, PortError>;
    /// The order's history, oldest first (append-only: records are never changed).
    async fn history(&self, id: i64) -> Result<Vec<OrderRecord>, PortError>;
    /// Records a captured charge of order `id` that is not its payment (paid after the order
    /// was released, or a second payment) as due a refund — once per payment key. `true` if
    /// this call recorded it (the caller holds the first attempt until `claimed_until`).
    async fn refund_due(
        &self,
        id: i64,
        payment_key: &str,
        amount: i64,
        at: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
    ) -> Result<bool, PortError>;
    /// A refund attempt failed: it stays due, claimable again from `retry_at`.
    async fn refund_failed(&self, payment_key: &str, retry_at: DateTime<Utc>) -> Result<(), PortError>;
    /// The refund went through at the gateway (no-op if it was not due).
    async fn refund_done(&self, payment_key: &str, at: DateTime<Utc>) -> Result<(), PortError>;
    /// Claims up to `limit` due refunds nobody holds until `claimed_until` (oldest first).
    async fn claim_refunds(
        &self,
        now: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueRefund>, PortError>;
}

/// A batch of views taken from the counter, to add to the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewBatch {
    /// Unique per batch: the database applies a batch id once.
    pub id: String,
    /// `(product, views)`.
    pub counts: Vec<(i64, u64)>,
}

/// Views counted once per viewer per Seoul day (Redis in production, shared by every api
/// instance; in-process when embedded), held until a flush moves them to the database.
#[async_trait]
pub trait ViewCounter: Send + Sync {
    /// Records `viewer`'s view of `product` on `day`; `true` if it is the viewer's first that
    /// day (then it is counted), atomically (two racing first views count once).
    async fn record(&self, product_id: i64, viewer_id: i64, day: NaiveDate) -> Result<bool, PortError>;
    /// The views counted since the last acknowledged batch, as one batch (the same batch again
    /// until it is acknowledged, so a flush that crashed is redone with the same id); `None`
    /// when there are none.
    async fn take(&self) -> Result<Option<ViewBatch>, PortError>;
    /// The batch reached the database; forget it.
    async fn ack(&self, batch_id: &str) -> Result<(), PortError>;
}

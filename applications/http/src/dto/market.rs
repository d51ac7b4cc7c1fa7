//! Market bodies and responses: products (multipart with images), product pages by cursor,
//! orders and their history.

use cercat_common::id::{CertificateId, CouponId, ProductImageId};
use cercat_market::{
    Category, Condition, Order, OrderRecord, Product, ProductDraft, ProductPatch, ProductStatus, service::OrderDetail,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppError;

fn invalid_field(field: &'static str, reason: String) -> AppError {
    cercat_market::MarketError::Invalid { field, reason }.into()
}

fn condition(raw: &str) -> Result<Condition, AppError> {
    Condition::parse(raw).ok_or_else(|| invalid_field("condition", format!("must be one of {}", Condition::names())))
}

fn category(raw: &str) -> Result<Category, AppError> {
    Category::parse(raw).ok_or_else(|| invalid_field("category", format!("must be one of {}", Category::names())))
}

/// The `request` part of `POST /products`; a field it does not name is refused (400).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductRequest {
    /// The certificate (board) the material is for.
    #[schema(value_type = i64, minimum = 1)]
    pub certificate_id: CertificateId,
    /// 1–100 characters, not blank.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub title: String,
    /// 1–5,000 characters, not blank.
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub description: String,
    /// Whole won, 1–10,000,000.
    #[schema(minimum = 1, maximum = 10000000)]
    pub price: i64,
    /// `NEW`, `LIKE_NEW`, `GOOD` or `FAIR`.
    #[schema(example = "GOOD", pattern = "^(NEW|LIKE_NEW|GOOD|FAIR)$")]
    pub condition: String,
    /// `BOOK`, `NOTE`, `DEVICE` or `ETC`.
    #[schema(example = "BOOK", pattern = "^(BOOK|NOTE|DEVICE|ETC)$")]
    pub category: String,
    /// Where to meet, 1–100 characters, not blank.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub location: String,
}

impl ProductRequest {
    /// The draft (enums checked here, the rest by the service), naming the bad field.
    pub fn into_draft(self) -> Result<ProductDraft, AppError> {
        Ok(ProductDraft {
            certificate_id: self.certificate_id.get(),
            title: self.title,
            description: self.description,
            price: self.price,
            condition: condition(&self.condition)?,
            category: category(&self.category)?,
            location: self.location,
        })
    }
}

/// The `request` part of `PATCH /products/{productId}`: the fields given replace the current
/// ones; `removeImageIds` drops images; new `files` are appended (five images at most). A
/// field it does not name is refused (400).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductPatchRequest {
    /// New board.
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub certificate_id: Option<CertificateId>,
    /// New title (1–100 characters, not blank).
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub title: Option<String>,
    /// New description (1–5,000 characters, not blank).
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub description: Option<String>,
    /// New price, won (1–10,000,000).
    #[schema(minimum = 1, maximum = 10000000)]
    pub price: Option<i64>,
    /// New condition: `NEW`, `LIKE_NEW`, `GOOD` or `FAIR`.
    #[schema(pattern = "^(NEW|LIKE_NEW|GOOD|FAIR)$")]
    pub condition: Option<String>,
    /// New category: `BOOK`, `NOTE`, `DEVICE` or `ETC`.
    #[schema(pattern = "^(BOOK|NOTE|DEVICE|ETC)$")]
    pub category: Option<String>,
    /// New location (1–100 characters, not blank).
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub location: Option<String>,
    /// Image ids to remove.
    #[serde(default)]
    #[schema(schema_with = crate::openapi::positive_ids)]
    pub remove_image_ids: Vec<ProductImageId>,
}

impl ProductPatchRequest {
    /// The patch and the image ids to remove.
    pub fn into_patch(self) -> Result<(ProductPatch, Vec<i64>), AppError> {
        let patch = ProductPatch {
            certificate_id: self.certificate_id.map(|id| id.get()),
            title: self.title,
            description: self.description,
            price: self.price,
            condition: self.condition.as_deref().map(condition).transpose()?,
            category: self.category.as_deref().map(category).transpose()?,
            location: self.location,
        };
        Ok((patch, self.remove_image_ids.into_iter().map(|id| id.get()).collect()))
    }
}

/// The multipart form of product create/edit (documentation only).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct ProductForm {
    /// The JSON fields ([`ProductRequest`], or [`ProductPatchRequest`] to edit).
    request: ProductRequest,
    /// 0 to 5 images (PNG/JPEG/GIF/WebP ≤ 5 MiB each, checked by content).
    #[schema(value_type = Option<Vec<String>>, format = Binary, max_items = 5)]
    files: Option<Vec<Vec<u8>>>,
}

/// `GET /products` filters and cursor.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct ProductListQuery {
    /// Only this board.
    #[param(pattern = "^[ \\t\\n\\r]*([1-9][0-9]{0,17})?[ \\t\\n\\r]*$")]
    pub certificate_id: Option<String>,
    /// `BOOK`, `NOTE`, `DEVICE` or `ETC`.
    #[param(pattern = "^(BOOK|NOTE|DEVICE|ETC)?$")]
    pub category: Option<String>,
    /// `ON_SALE`, `RESERVED` or `SOLD`.
    #[param(pattern = "^(ON_SALE|RESERVED|SOLD)?$")]
    pub status: Option<String>,
    /// In the title or description: at most 50 characters, blank for none, else with a word
    /// of at least two characters (Korean matches inside words).
    #[param(
        max_length = 50,
        pattern = "^[\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$|[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]{2}"
    )]
    pub keyword: Option<String>,
    /// Only this seller's products.
    #[param(pattern = "^[ \\t\\n\\r]*([1-9][0-9]{0,17})?[ \\t\\n\\r]*$")]
    pub seller_id: Option<String>,
    /// `nextCursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
    /// Items per page, 1–100 (default 10).
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<i64>,
}

fn positive(raw: Option<&str>, field: &'static str) -> Result<Option<i64>, AppError> {
    crate::extract::optional_id(raw, field)
}

impl ProductListQuery {
    /// The filters, each bad one named.
    pub fn query(&self) -> Result<cercat_market::service::ProductQuery, AppError> {
        let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        Ok(cercat_market::service::ProductQuery {
            certificate_id: positive(self.certificate_id.as_deref(), "certificateId")?,
            category: match blank(&self.category) {
                None => None,
                Some(c) => Some(Category::parse(&c).ok_or_else(|| {
                    AppError::invalid_query("category", &format!("must be one of {}", Category::names()))
                })?),
            },
            status: match blank(&self.status) {
                None => None,
                Some(s) => Some(ProductStatus::parse(&s).ok_or_else(|| {
                    AppError::invalid_query("status", &format!("must be one of {}", ProductStatus::names()))
                })?),
            },
            keyword: blank(&self.keyword),
            seller_id: positive(self.seller_id.as_deref(), "sellerId")?,
        })
    }

    /// The keyset page asked for.
    pub fn page(&self) -> Result<cercat_common::paging::KeysetRequest, AppError> {
        cercat_common::paging::KeysetRequest::parse(cercat_market::PRODUCTS_LIST, self.cursor.as_deref(), self.size)
            .map_err(|e| AppError::invalid_query(e.field, &e.reason))
    }
}

/// `GET /orders/me` side and cursor.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct OrderListQuery {
    /// `BUYER` (default: orders the caller placed) or `SELLER` (orders of the caller's products).
    #[param(pattern = "^(BUYER|SELLER)?$")]
    pub role: Option<String>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1–100 (default 10).
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<i64>,
}

impl OrderListQuery {
    /// The side and the page, each bad one named.
    pub fn parse(&self) -> Result<(cercat_market::OrderRole, cercat_common::paging::KeysetRequest), AppError> {
        let role = match self.role.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            None => cercat_market::OrderRole::Buyer,
            Some(r) => cercat_market::OrderRole::parse(r)
                .ok_or_else(|| AppError::invalid_query("role", "must be BUYER or SELLER"))?,
        };
        let page = cercat_common::paging::KeysetRequest::parse(role.list(), self.cursor.as_deref(), self.size)
            .map_err(|e| AppError::invalid_query(e.field, &e.reason))?;
        Ok((role, page))
    }
}

/// An image of a product.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductImageResponse {
    /// The id `removeImageIds` takes.
    pub image_id: i64,
    /// Where to load it.
    pub url: String,
}

/// Who sells a product.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SellerResponse {
    /// The seller's user id.
    pub user_id: i64,
    /// Nickname (`탈퇴한 회원` once the account is withdrawn).
    pub nickname: String,
}

/// A product.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductResponse {
    /// The product's id, for `/products/{productId}`.
    pub product_id: i64,
    /// The board.
    pub certificate_id: i64,
    /// Who sells it.
    pub seller: SellerResponse,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Price, won.
    pub price: i64,
    /// `NEW`, `LIKE_NEW`, `GOOD` or `FAIR`.
    #[schema(example = "GOOD")]
    pub condition: &'static str,
    /// `BOOK`, `NOTE`, `DEVICE` or `ETC`.
    #[schema(example = "BOOK")]
    pub category: &'static str,
    /// Where to meet.
    pub location: String,
    /// `ON_SALE`, `RESERVED` or `SOLD`.
    #[schema(example = "ON_SALE")]
    pub status: &'static str,
    /// Hidden by an admin (only its seller and admins see it).
    pub hidden: bool,
    /// Images in upload order.
    pub images: Vec<ProductImageResponse>,
    /// Distinct viewers per Seoul day (counts reach this figure within a few seconds).
    pub view_count: u64,
    /// Likes.
    pub like_count: u64,
    /// Whether the caller likes it.
    pub liked: bool,
    /// Listed at.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Product> for ProductResponse {
    fn from(p: Product) -> Self {
        Self {
            product_id: p.id,
            certificate_id: p.draft.certificate_id,
            seller: SellerResponse { user_id: p.seller.user_id, nickname: p.seller.nickname },
            title: p.draft.title,
            description: p.draft.description,
            price: p.draft.price,
            condition: p.draft.condition.as_str(),
            category: p.draft.category.as_str(),
            location: p.draft.location,
            status: p.status.as_str(),
            hidden: p.hidden,
            images: p.images.into_iter().map(|i| ProductImageResponse { image_id: i.id, url: i.url }).collect(),
            view_count: p.view_count,
            like_count: p.like_count,
            liked: p.liked,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A keyset page of products, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductPage {
    /// The products.
    pub content: Vec<ProductResponse>,
    /// Pass as `cursor` for the next page (`null` on the last).
    pub next_cursor: Option<String>,
    /// Whether another page exists.
    pub has_next: bool,
}

/// `POST /products/{productId}/orders`, optional: the caller's coupons to spend.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderRequest {
    /// The caller's coupons (`userCouponId`s from `GET /coupons/me`, at most 10), in the order
    /// to apply the percentage ones. Locked with the order, spent with the payment, given back
    /// if the order is cancelled, refunded or expires.
    #[serde(default)]
    #[schema(schema_with = crate::openapi::checkout_coupons)]
    pub coupon_ids: Vec<CouponId>,
}

/// An order.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderResponse {
    /// The order's id, for `/orders/{orderId}/…`.
    pub order_id: i64,
    /// The product.
    pub product_id: i64,
    /// The product's title when ordered.
    pub product_title: String,
    /// Who buys.
    pub buyer_id: i64,
    /// Who sells.
    pub seller_id: i64,
    /// The product's price, won.
    pub price: i64,
    /// The coupons' discount, won.
    pub discount: i64,
    /// What the buyer pays, won (`price − discount`, computed by the server).
    pub amount: i64,
    /// The coupons the order spends.
    pub coupon_ids: Vec<i64>,
    /// `PENDING_PAYMENT`, `PAID`, `CANCELLED`, `EXPIRED` or `REFUNDED`.
    #[schema(example = "PENDING_PAYMENT")]
    pub status: &'static str,
    /// The order id to give the payment widget.
    pub payment_order_id: String,
    /// Pay by then, or the product goes back on sale.
    pub pay_by: DateTime<Utc>,
    /// Placed at.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Order> for OrderResponse {
    fn from(o: Order) -> Self {
        Self {
            order_id: o.id,
            product_id: o.product_id,
            product_title: o.product_title,
            buyer_id: o.buyer_id,
            seller_id: o.seller_id,
            price: o.price,
            discount: o.discount,
            amount: o.amount,
            coupon_ids: o.coupon_ids,
            status: o.status.as_str(),
            payment_order_id: o.gateway_order_id,
            pay_by: o.pay_by,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// A status an order entered.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderRecordResponse {
    /// The status before (`null` when the order was placed).
    pub from: Option<&'static str>,
    /// The status entered.
    pub to: &'static str,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<OrderRecord> for OrderRecordResponse {
    fn from(r: OrderRecord) -> Self {
        Self { from: r.from.map(|s| s.as_str()), to: r.to.as_str(), at: r.at }
    }
}

/// An order with its append-only history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderDetailResponse {
    /// The order.
    #[serde(flatten)]
    pub order: OrderResponse,
    /// Every status it entered, oldest first.
    pub history: Vec<OrderRecordResponse>,
}

impl From<OrderDetail> for OrderDetailResponse {
    fn from(d: OrderDetail) -> Self {
        Self { order: d.order.into(), history: d.history.into_iter().map(Into::into).collect() }
    }
}

/// A keyset page of orders, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderPage {
    /// The orders.
    pub content: Vec<OrderResponse>,
    /// Pass as `cursor` for the next page (`null` on the last).
    pub next_cursor: Option<String>,
    /// Whether another page exists.
    pub has_next: bool,
}

/// A product's likes after a like or unlike.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductLikeResponse {
    /// The product.
    pub product_id: i64,
    /// Whether the caller likes it now.
    pub liked: bool,
    /// Likes now.
    pub like_count: u64,
}

impl From<Product> for ProductLikeResponse {
    fn from(p: Product) -> Self {
        Self { product_id: p.id, liked: p.liked, like_count: p.like_count }
    }
}

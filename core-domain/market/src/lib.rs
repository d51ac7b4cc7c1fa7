//! The `market` context: study material students sell to each other (books, notes, devices),
//! found by board, category, status and Korean keyword, liked and viewed; and the orders that
//! buy it — one buyer wins a product (ON_SALE → RESERVED in one conditional change), pays
//! through the payment gateway with coupons priced by the coupon context, or the order is
//! released (expired, cancelled, refunded) and the product goes back on sale with the coupons.

mod error;
pub mod events;
pub mod model;
pub mod ports;
pub mod service;

#[cfg(any(test, feature = "testkit"))]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub mod testkit;

pub use error::MarketError;
pub use model::{
    Category, Condition, Order, OrderRecord, OrderRole, OrderStatus, OrderTransition, PRODUCTS_LIST, Product,
    ProductDraft, ProductImage, ProductPatch, ProductStatus, Seller,
};
pub use service::{MarketConfig, MarketPorts, MarketService};

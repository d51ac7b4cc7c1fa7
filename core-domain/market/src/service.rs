//! Market use cases, one file per group: [`products`] (listing, editing, likes, views) and
//! [`orders`] (placing, paying, cancelling, the sweep).

mod orders;
mod products;

use std::sync::Arc;

use cercat_common::{clock::Clock, storage::ImageStorage};
use chrono::{DateTime, Duration, Utc};

use crate::ports::{CouponPricing, OrderLedger, PaymentGateway, ProductRepository, ViewCounter};

pub use orders::{OrderDetail, SweepReport};
pub use products::ProductQuery;

/// Tunables (from `[market]` in the settings).
#[derive(Debug, Clone)]
pub struct MarketConfig {
    /// How long an order reserves its product waiting for the payment.
    pub pay_within: Duration,
    /// Orders and refunds one sweep handles at most.
    pub sweep_batch: u32,
}

impl Default for MarketConfig {
    fn default() -> Self {
        Self { pay_within: Duration::minutes(30), sweep_batch: 200 }
    }
}

/// The adapters the service runs on.
pub struct MarketPorts {
    /// Products, images, likes.
    pub products: Arc<dyn ProductRepository>,
    /// Orders, their history and charges.
    pub orders: Arc<dyn OrderLedger>,
    /// Daily distinct views, until flushed.
    pub views: Arc<dyn ViewCounter>,
    /// The payment gateway.
    pub gateway: Arc<dyn PaymentGateway>,
    /// Prices with coupons (the coupon context's rule).
    pub coupons: Arc<dyn CouponPricing>,
    /// Product images.
    pub storage: Arc<dyn ImageStorage>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

/// Who is asking, for owner checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The caller.
    pub user_id: i64,
    /// Whether the caller is an admin.
    pub admin: bool,
}

/// How long one refund attempt owns a due refund before another sweep may retry it.
const REFUND_CLAIM: Duration = Duration::minutes(2);

/// Market use cases.
pub struct MarketService {
    ports: MarketPorts,
    config: MarketConfig,
}

impl MarketService {
    /// Wires the service.
    pub fn new(ports: MarketPorts, config: MarketConfig) -> Self {
        Self { ports, config }
    }

    /// The tunables.
    pub fn config(&self) -> &MarketConfig {
        &self.config
    }

    fn now(&self) -> DateTime<Utc> {
        self.ports.clock.now()
    }
}

#[cfg(test)]
mod tests;

//! In-memory stand-ins for the market's ports, keeping every promise the port docs make under
//! one lock: [`MemoryProducts`] (the [`ProductRepository`](crate::ports::ProductRepository))
//! and [`MemoryOrders`] (the [`OrderLedger`](crate::ports::OrderLedger)) are two handles over
//! one store, so an order moves its product's status as the SQL transaction does;
//! [`MemoryViews`] counts views; [`ScriptedGateway`] pays as told. [`market`] (or a
//! [`MarketSetup`]) wires a [`MarketService`] over fresh ones and hands back the handles, for
//! this crate's tests and for other crates' tests.

mod gateway;
mod orders;
mod products;
mod views;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use cercat_common::{PortError, clock::ManualClock, testkit::fakes::MapStorage};
use cercat_coupon::testkit::held::HeldCoupons;
use chrono::{DateTime, TimeZone, Utc};

use crate::{
    Order, OrderRecord, ProductDraft, ProductImage, ProductStatus,
    events::OrderEvent,
    ports::CouponPricing,
    service::{MarketConfig, MarketPorts, MarketService},
};

pub use gateway::ScriptedGateway;
pub use orders::{Charge, ChargeState, CouponChange, MemoryOrders};
pub use products::MemoryProducts;
pub use views::MemoryViews;

/// Something another request does meanwhile (run by a hook, once).
pub type Meanwhile = Box<dyn FnOnce() + Send>;

/// 2026-12-01 01:00 UTC (10:00 in Seoul): where a test clock starts.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).single().expect("a valid instant")
}

/// A product as the SQL tables keep it.
#[derive(Debug, Clone)]
struct ProductRow {
    id: i64,
    seller_id: i64,
    draft: ProductDraft,
    tokens: Vec<String>,
    status: ProductStatus,
    hidden: bool,
    deleted: bool,
    images: Vec<ProductImage>,
    view_count: u64,
    likers: Vec<i64>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// An order with its append-only history.
#[derive(Debug, Clone)]
struct OrderRow {
    order: Order,
    history: Vec<OrderRecord>,
}

/// Everything both handles see, changed only under the lock (one "transaction" per call).
#[derive(Default)]
struct State {
    /// `None`: every id is a certificate; else only these (others fail as a foreign key does).
    certificates: Option<Vec<i64>>,
    /// Stored nicknames (`None` once withdrawn); users never named are `회원<id>`.
    nicknames: HashMap<i64, Option<String>>,
    products: Vec<ProductRow>,
    next_image: i64,
    view_batches: Vec<String>,
    orders: Vec<OrderRow>,
    charges: Vec<Charge>,
    coupon_moves: Vec<(i64, CouponChange, Vec<i64>)>,
    taken_elsewhere: Vec<i64>,
    events: Vec<OrderEvent>,
}

/// The store both handles share, with the hook run just before the next release.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    before_release: Mutex<Option<Meanwhile>>,
}

impl Shared {
    fn lock(&self) -> Result<MutexGuard<'_, State>, PortError> {
        self.state.lock().map_err(|_| PortError::unavailable("memory", "poisoned"))
    }
}

/// The service over fresh stand-ins, with a handle on each.
pub struct Market {
    /// The service (shared, so tests can race it from many tasks).
    pub service: Arc<MarketService>,
    /// Products, images and likes.
    pub products: MemoryProducts,
    /// Orders, their history, charges, coupon moves and events (the same store as `products`).
    pub orders: MemoryOrders,
    /// The daily view counter.
    pub views: Arc<MemoryViews>,
    /// The payment gateway.
    pub gateway: Arc<ScriptedGateway>,
    /// Product images.
    pub storage: Arc<MapStorage>,
    /// The clock the service reads.
    pub clock: ManualClock,
}

/// The service over fresh stand-ins at `clock`, with the default tunables and no coupons held.
pub fn market(clock: ManualClock) -> Market {
    MarketSetup::new(clock).build()
}

/// What a [`Market`] is built over, for tests that need more than [`market`] gives.
pub struct MarketSetup {
    clock: ManualClock,
    products: MemoryProducts,
    coupons: Arc<dyn CouponPricing>,
    config: MarketConfig,
}

impl MarketSetup {
    /// Fresh stand-ins at `clock`, the default tunables, and no coupons held.
    pub fn new(clock: ManualClock) -> Self {
        Self {
            clock,
            products: MemoryProducts::default(),
            coupons: Arc::new(HeldCoupons::default()),
            config: MarketConfig::default(),
        }
    }

    /// Builds over this product store (and the ledger over it) instead of a fresh one.
    pub fn products(mut self, products: MemoryProducts) -> Self {
        self.products = products;
        self
    }

    /// Prices orders with `coupons` (usually a [`HeldCoupons`]).
    pub fn coupons(mut self, coupons: impl CouponPricing + 'static) -> Self {
        self.coupons = Arc::new(coupons);
        self
    }

    /// Uses these tunables.
    pub fn config(mut self, config: MarketConfig) -> Self {
        self.config = config;
        self
    }

    /// The service over the stand-ins, with a handle on each.
    pub fn build(self) -> Market {
        let Self { clock, products, coupons, config } = self;
        let orders = products.orders();
        let views = Arc::new(MemoryViews::default());
        let gateway = Arc::new(ScriptedGateway::default());
        let storage = Arc::new(MapStorage::default());
        let ports = MarketPorts {
            products: Arc::new(products.clone()),
            orders: Arc::new(orders.clone()),
            views: views.clone(),
            gateway: gateway.clone(),
            coupons,
            storage: storage.clone(),
            clock: Arc::new(clock.clone()),
        };
        let service = Arc::new(MarketService::new(ports, config));
        Market { service, products, orders, views, gateway, storage, clock }
    }
}

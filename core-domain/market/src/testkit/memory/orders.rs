//! [`MemoryOrders`]: orders, their history, charges, the coupon moves they make and the events
//! they write, each transition one step under the store's lock (as one SQL transaction).

use std::{cmp::Reverse, sync::Arc};

use async_trait::async_trait;
use cercat_common::{PortError, paging::Keyset};
use chrono::{DateTime, Utc};

use super::{Meanwhile, OrderRow, Shared, State};
use crate::{
    Order, OrderRecord, OrderRole, OrderStatus, OrderTransition, ProductStatus, events,
    events::OrderEvent,
    ports::{DueRefund, NewOrder, OrderLedger, PlaceOutcome},
};

/// What happened to an order's coupons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouponChange {
    /// Locked for the order while it awaits payment.
    Reserved,
    /// Used up by the payment (or at once by an order with nothing to pay).
    Spent,
    /// Usable by the buyer again (the order was released).
    GivenBack,
}

/// Where a recorded charge stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargeState {
    /// The order's payment.
    Payment,
    /// Not the order's payment: waiting for its refund.
    RefundDue,
    /// Refunded (a due refund done, or the order's payment refunded with the order).
    Refunded,
}

/// A captured charge as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// The order it was charged for.
    pub order_id: i64,
    /// The gateway's key of the charge (unique: one charge per key).
    pub payment_key: String,
    /// The amount charged, won.
    pub amount: i64,
    /// Where it stands.
    pub state: ChargeState,
    /// A due refund is claimable by a sweep only after this.
    pub claimed_until: DateTime<Utc>,
}

/// The order ledger in memory, honouring the [`OrderLedger`] contract over the same store as
/// the [`MemoryProducts`](super::MemoryProducts) it came from; clones share it.
#[derive(Clone)]
pub struct MemoryOrders {
    pub(super) shared: Arc<Shared>,
}

fn corrupt(what: String) -> PortError {
    PortError::Corrupt(what)
}

impl State {
    /// Whether a live order (awaiting payment or paid) holds `coupon`, or a checkout elsewhere took it.
    fn coupon_taken(&self, coupon: i64) -> bool {
        self.taken_elsewhere.contains(&coupon)
            || self.orders.iter().any(|o| {
                matches!(o.order.status, OrderStatus::PendingPayment | OrderStatus::Paid)
                    && o.order.coupon_ids.contains(&coupon)
            })
    }

    fn move_product(
        &mut self,
        id: i64,
        from: ProductStatus,
        to: ProductStatus,
        at: DateTime<Utc>,
    ) -> Result<(), PortError> {
        let row = self.products.iter_mut().find(|p| p.id == id).ok_or_else(|| corrupt(format!("no product {id}")))?;
        if row.status != from {
            return Err(corrupt(format!("product {id} is {}, not {}", row.status.as_str(), from.as_str())));
        }
        (row.status, row.updated_at) = (to, at);
        Ok(())
    }

    fn move_coupons(&mut self, order: &Order, change: CouponChange) {
        if !order.coupon_ids.is_empty() {
            self.coupon_moves.push((order.id, change, order.coupon_ids.clone()));
        }
    }

    /// Enters `to` on order row `index`: status, history and event.
    fn enter(&mut self, index: usize, to: OrderStatus, at: DateTime<Utc>) -> Order {
        let row = &mut self.orders[index];
        let from = row.order.status;
        (row.order.status, row.order.updated_at) = (to, at);
        row.history.push(OrderRecord { from: Some(from), to, at });
        let order = row.order.clone();
        self.events.push(events::transition(&order));
        order
    }

    fn place(&mut self, new: &NewOrder) -> Result<PlaceOutcome, PortError> {
        let product_to = match new.status {
            OrderStatus::PendingPayment => ProductStatus::Reserved,
            OrderStatus::Paid => ProductStatus::Sold,
            other => return Err(corrupt(format!("an order cannot be placed {}", other.as_str()))),
        };
        let Some(product) = self.products.iter().find(|p| p.id == new.product_id && !p.deleted && !p.hidden) else {
            return Ok(PlaceOutcome::NoProduct);
        };
        if product.status != ProductStatus::OnSale {
            return Ok(PlaceOutcome::NotOnSale(product.status));
        }
        if product.draft.price != new.price {
            return Ok(PlaceOutcome::PriceChanged);
        }
        if let Some(coupon) = new.coupons.iter().find(|c| self.coupon_taken(**c)) {
            return Ok(PlaceOutcome::CouponTaken(*coupon));
        }
        if self.orders.iter().any(|o| o.order.gateway_order_id == new.gateway_order_id) {
            return Err(PortError::Duplicate(format!("gateway order id {}", new.gateway_order_id)));
        }
        let order = Order {
            id: self.orders.len() as i64 + 1,
            product_id: product.id,
            product_title: product.draft.title.clone(),
            certificate_id: product.draft.certificate_id,
            buyer_id: new.buyer_id,
            seller_id: product.seller_id,
            price: new.price,
            discount: new.discount,
            amount: new.amount,
            coupon_ids: new.coupons.clone(),
            status: new.status,
            gateway_order_id: new.gateway_order_id.clone(),
            pay_by: new.pay_by,
            payment_key: None,
            created_at: new.at,
            updated_at: new.at,
        };
        self.move_product(new.product_id, ProductStatus::OnSale, product_to, new.at)?;
        let change = if new.status == OrderStatus::Paid { CouponChange::Spent } else { CouponChange::Reserved };
        self.move_coupons(&order, change);
        self.events.push(events::transition(&order));
        self.orders.push(OrderRow {
            order: order.clone(),
            history: vec![OrderRecord { from: None, to: order.status, at: new.at }],
        });
        Ok(PlaceOutcome::Placed(order))
    }

    fn complete(&mut self, id: i64, payment_key: &str, at: DateTime<Utc>) -> Result<Option<Order>, PortError> {
        let t = OrderTransition::PAY;
        let Some(index) = self.orders.iter().position(|o| o.order.id == id && o.order.status == t.from()) else {
            return Ok(None);
        };
        if self.charges.iter().any(|c| c.payment_key == payment_key) {
            return Err(PortError::Duplicate(format!("payment key {payment_key}")));
        }
        let (product_id, amount) = (self.orders[index].order.product_id, self.orders[index].order.amount);
        self.move_product(product_id, t.product_from(), t.product_to(), at)?;
        self.orders[index].order.payment_key = Some(payment_key.to_owned());
        let order = self.enter(index, t.to(), at);
        self.move_coupons(&order, CouponChange::Spent);
        self.charges.push(Charge {
            order_id: id,
            payment_key: payment_key.to_owned(),
            amount,
            state: ChargeState::Payment,
            claimed_until: at,
        });
        Ok(Some(order))
    }

    fn release(&mut self, id: i64, t: OrderTransition, at: DateTime<Utc>) -> Result<Option<Order>, PortError> {
        let Some(index) = self.orders.iter().position(|o| o.order.id == id && o.order.status == t.from()) else {
            return Ok(None);
        };
        let product_id = self.orders[index].order.product_id;
        self.move_product(product_id, t.product_from(), t.product_to(), at)?;
        let order = self.enter(index, t.to(), at);
        if t.gives_back_coupons() {
            self.move_coupons(&order, CouponChange::GivenBack);
        }
        if t.refunds_payment() {
            self.charges
                .iter_mut()
                .filter(|c| order.payment_key.as_deref() == Some(c.payment_key.as_str()))
                .for_each(|c| c.state = ChargeState::Refunded);
        }
        Ok(Some(order))
    }
}

impl MemoryOrders {
    /// Moves order `id` by `t` now, as another request does meanwhile (what
    /// [`OrderLedger::release`] does, without its hook).
    pub fn release_now(&self, id: i64, t: OrderTransition, at: DateTime<Utc>) -> Option<Order> {
        self.shared.lock().expect("lock").release(id, t, at).expect("a consistent store")
    }

    /// Pays order `id` with `payment_key` now, as another request does meanwhile.
    pub fn complete_now(&self, id: i64, payment_key: &str, at: DateTime<Utc>) -> Result<Option<Order>, PortError> {
        self.shared.lock().expect("lock").complete(id, payment_key, at)
    }

    /// Runs `meanwhile` once, just before the next [`OrderLedger::release`] (another request
    /// getting there first).
    pub fn before_release(&self, meanwhile: impl FnOnce() + Send + 'static) {
        let hook: Meanwhile = Box::new(meanwhile);
        *self.shared.before_release.lock().expect("lock") = Some(hook);
    }

    /// Marks `coupon` as taken by a checkout elsewhere (a course enrollment): an order naming
    /// it is refused with [`PlaceOutcome::CouponTaken`].
    pub fn take_coupon_elsewhere(&self, coupon: i64) {
        self.shared.lock().expect("lock").taken_elsewhere.push(coupon);
    }

    /// What happened to order `id`'s coupons, in order, with the coupon ids each time (nothing
    /// for an order without coupons).
    pub fn coupon_moves(&self, id: i64) -> Vec<(CouponChange, Vec<i64>)> {
        let s = self.shared.lock().expect("lock");
        s.coupon_moves
            .iter()
            .filter(|(order, ..)| *order == id)
            .map(|(_, change, ids)| (*change, ids.clone()))
            .collect()
    }

    /// The charge recorded under `payment_key`.
    pub fn charge(&self, payment_key: &str) -> Option<Charge> {
        self.shared.lock().expect("lock").charges.iter().find(|c| c.payment_key == payment_key).cloned()
    }

    /// Every event written, oldest first (the outbox).
    pub fn events(&self) -> Vec<OrderEvent> {
        self.shared.lock().expect("lock").events.clone()
    }
}

#[async_trait]
impl OrderLedger for MemoryOrders {
    async fn place(&self, order: &NewOrder) -> Result<PlaceOutcome, PortError> {
        self.shared.lock()?.place(order)
    }

    async fn find(&self, id: i64) -> Result<Option<Order>, PortError> {
        Ok(self.shared.lock()?.orders.iter().find(|o| o.order.id == id).map(|o| o.order.clone()))
    }

    async fn by_gateway_order(&self, gateway_order_id: &str) -> Result<Option<Order>, PortError> {
        let s = self.shared.lock()?;
        Ok(s.orders.iter().find(|o| o.order.gateway_order_id == gateway_order_id).map(|o| o.order.clone()))
    }

    async fn complete(&self, id: i64, payment_key: &str, at: DateTime<Utc>) -> Result<Option<Order>, PortError> {
        self.shared.lock()?.complete(id, payment_key, at)
    }

    async fn release(&self, id: i64, t: OrderTransition, at: DateTime<Utc>) -> Result<Option<Order>, PortError> {
        let hook = self.shared.before_release.lock().map_err(|_| PortError::unavailable("memory", "poisoned"))?.take();
        if let Some(meanwhile) = hook {
            meanwhile();
        }
        self.shared.lock()?.release(id, t, at)
    }

    async fn overdue(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Order>, PortError> {
        let s = self.shared.lock()?;
        let mut due: Vec<&Order> = s
            .orders
            .iter()
            .map(|o| &o.order)
            .filter(|o| o.status == OrderStatus::PendingPayment && o.pay_by < now)
            .collect();
        due.sort_by_key(|o| (o.pay_by, o.id));
        Ok(due.into_iter().take(limit as usize).cloned().collect())
    }

    async fn of_user(
        &self,
        user_id: i64,
        role: OrderRole,
        after: Option<Keyset>,
        limit: u64,
    ) -> Result<Vec<Order>, PortError> {
        let s = self.shared.lock()?;
        let mut mine: Vec<&Order> = s
            .orders
            .iter()
            .map(|o| &o.order)
            .filter(|o| match role {
                OrderRole::Buyer => o.buyer_id == user_id,
                OrderRole::Seller => o.seller_id == user_id,
            })
            .filter(|o| after.is_none_or(|k| (o.created_at, o.id) < (k.at, k.id)))
            .collect();
        mine.sort_by_key(|o| Reverse((o.created_at, o.id)));
        Ok(mine.into_iter().take(usize::try_from(limit).unwrap_or(usize::MAX)).cloned().collect())
    }

    async fn history(&self, id: i64) -> Result<Vec<OrderRecord>, PortError> {
        Ok(self.shared.lock()?.orders.iter().find(|o| o.order.id == id).map(|o| o.history.clone()).unwrap_or_default())
    }

    async fn refund_due(
        &self,
        id: i64,
        payment_key: &str,
        amount: i64,
        _: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        let mut s = self.shared.lock()?;
        if s.charges.iter().any(|c| c.payment_key == payment_key) {
            return Ok(false);
        }
        s.charges.push(Charge {
            order_id: id,
            payment_key: payment_key.to_owned(),
            amount,
            state: ChargeState::RefundDue,
            claimed_until,
        });
        Ok(true)
    }

    async fn refund_failed(&self, payment_key: &str, retry_at: DateTime<Utc>) -> Result<(), PortError> {
        let mut s = self.shared.lock()?;
        s.charges
            .iter_mut()
            .filter(|c| c.payment_key == payment_key && c.state == ChargeState::RefundDue)
            .for_each(|c| c.claimed_until = retry_at);
        Ok(())
    }

    async fn refund_done(&self, payment_key: &str, _: DateTime<Utc>) -> Result<(), PortError> {
        let mut s = self.shared.lock()?;
        s.charges
            .iter_mut()
            .filter(|c| c.payment_key == payment_key && c.state == ChargeState::RefundDue)
            .for_each(|c| c.state = ChargeState::Refunded);
        Ok(())
    }

    async fn claim_refunds(
        &self,
        now: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueRefund>, PortError> {
        let mut s = self.shared.lock()?;
        Ok(s.charges
            .iter_mut()
            .filter(|c| c.state == ChargeState::RefundDue && c.claimed_until < now)
            .take(limit as usize)
            .map(|c| {
                c.claimed_until = claimed_until;
                DueRefund { order_id: c.order_id, payment_key: c.payment_key.clone(), amount: c.amount }
            })
            .collect())
    }
}

//! Orders: placing one (one buyer wins), paying through the gateway, cancelling, the trade
//! history, and the sweep that releases unpaid orders and retries due refunds.

use cercat_common::{
    PortError,
    money::Money,
    paging::{CursorPage, Keyset, KeysetRequest},
};
use cercat_coupon::Purchase;

use super::{Actor, MarketService, REFUND_CLAIM};
use crate::{
    MarketError, Order, OrderRecord, OrderRole, OrderStatus, OrderTransition, ProductStatus,
    ports::{GatewayError, GatewayStatus, NewOrder, PaymentApproval, PlaceOutcome},
};

/// An order with its history, oldest record first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDetail {
    /// The order.
    pub order: Order,
    /// Every status it entered.
    pub history: Vec<OrderRecord>,
}

/// What a sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Orders released because their deadline passed.
    pub expired: u64,
    /// Extra charges (paid after the order was released, or a second payment) refunded.
    pub refunded: u64,
    /// Refunds that failed and stay due.
    pub refund_failures: u64,
}

fn declined(err: GatewayError) -> MarketError {
    match err {
        GatewayError::Declined { code, message } => MarketError::PaymentDeclined { code, message },
        GatewayError::Unavailable(err) => err.into(),
    }
}

fn refused_payment(order: &Order) -> MarketError {
    match order.status {
        OrderStatus::Paid => MarketError::AlreadyPaid(order.id),
        OrderStatus::Expired | OrderStatus::Cancelled => {
            MarketError::Released { id: order.id, status: order.status.as_str() }
        }
        other => MarketError::NotPayable { id: order.id, status: other.as_str() },
    }
}

impl MarketService {
    /// Orders a product for `buyer_id`, priced by the server with the buyer's coupons: the
    /// product is reserved for this order until `payBy` (of concurrent buyers exactly one
    /// wins; the others get [`MarketError::NotOnSale`]) and the coupons are locked with it. An
    /// order with nothing left to pay is paid at once.
    pub async fn place_order(&self, buyer_id: i64, product_id: i64, coupon_ids: &[i64]) -> Result<Order, MarketError> {
        let viewer = Actor { user_id: buyer_id, admin: false };
        let product = self.shown(product_id, viewer).await?;
        if product.seller.user_id == buyer_id {
            return Err(MarketError::OwnProduct(product_id));
        }
        if product.hidden {
            return Err(MarketError::ProductNotFound(product_id));
        }
        if product.status != ProductStatus::OnSale {
            return Err(MarketError::NotOnSale { id: product_id, status: product.status.as_str() });
        }
        let price = product.draft.price;
        let quote = self
            .ports
            .coupons
            .quote(
                buyer_id,
                Purchase::Product,
                Money::won(price).map_err(|e| PortError::Corrupt(e.to_string()))?,
                coupon_ids,
            )
            .await?;
        let amount = quote.amount.as_won();
        let now = self.now();
        let order = NewOrder {
            product_id,
            price,
            buyer_id,
            discount: price - amount,
            amount,
            coupons: coupon_ids.to_vec(),
            gateway_order_id: format!("mkt{product_id}-{}", uuid::Uuid::new_v4().simple()),
            status: if amount == 0 { OrderStatus::Paid } else { OrderStatus::PendingPayment },
            pay_by: now + self.config.pay_within,
            at: now,
        };
        match self.ports.orders.place(&order).await? {
            PlaceOutcome::Placed(order) => Ok(order),
            PlaceOutcome::NoProduct => Err(MarketError::ProductNotFound(product_id)),
            PlaceOutcome::NotOnSale(status) => Err(MarketError::NotOnSale { id: product_id, status: status.as_str() }),
            PlaceOutcome::PriceChanged => Err(MarketError::PriceChanged(product_id)),
            PlaceOutcome::CouponTaken(id) => Err(cercat_coupon::CouponError::NotUsable(id).into()),
        }
    }

    /// One order with its history, for its buyer, its seller or an admin.
    pub async fn order(&self, actor: Actor, id: i64) -> Result<OrderDetail, MarketError> {
        let order = self.party_order(actor, id).await?;
        let history = self.ports.orders.history(id).await?;
        Ok(OrderDetail { order, history })
    }

    /// The caller's trades on one side, newest first, a keyset page at a time.
    pub async fn orders(
        &self,
        user_id: i64,
        role: OrderRole,
        page: KeysetRequest,
    ) -> Result<CursorPage<Order>, MarketError> {
        let rows = self.ports.orders.of_user(user_id, role, page.after, page.fetch_limit()).await?;
        Ok(CursorPage::from_fetched(rows, &page, |o| Keyset { at: o.created_at, id: o.id }))
    }

    async fn party_order(&self, actor: Actor, id: i64) -> Result<Order, MarketError> {
        let order = self.ports.orders.find(id).await?.ok_or(MarketError::OrderNotFound(id))?;
        if !actor.admin && order.buyer_id != actor.user_id && order.seller_id != actor.user_id {
            // Others' orders do not exist, as far as the caller can tell.
            return Err(MarketError::OrderNotFound(id));
        }
        Ok(order)
    }

    /// Confirms the buyer's payment with the gateway (the amount is the order's, computed by
    /// the server; the key must be the gateway's for this order) → PAID, the product SOLD.
    /// An order past its deadline is released instead (409 `MKT_009`, nothing charged). A
    /// charge that lands after the order was released, or a second one, is refunded.
    pub async fn pay(&self, buyer_id: i64, id: i64, payment_key: &str) -> Result<Order, MarketError> {
        let payment_key = payment_key.trim();
        if payment_key.is_empty() || payment_key.chars().count() > 200 {
            return Err(MarketError::Invalid { field: "paymentKey", reason: "must be 1 to 200 characters".into() });
        }
        let order = self
            .ports
            .orders
            .find(id)
            .await?
            .filter(|o| o.buyer_id == buyer_id)
            .ok_or(MarketError::OrderNotFound(id))?;
        match order.status {
            // Past its deadline the order is released, not paid (the sweep would release it
            // anyway; the product is someone else's chance again), before the gateway charges.
            OrderStatus::PendingPayment if order.pay_by <= self.now() => {
                self.ports.orders.release(id, OrderTransition::EXPIRE, self.now()).await?;
                let current = self.ports.orders.find(id).await?.ok_or(MarketError::OrderNotFound(id))?;
                return match current.status {
                    OrderStatus::Paid if current.payment_key.as_deref() == Some(payment_key) => Ok(current),
                    _ => Err(refused_payment(&current)),
                };
            }
            OrderStatus::PendingPayment => {}
            OrderStatus::Paid if order.payment_key.as_deref() == Some(payment_key) || order.amount == 0 => {
                return Ok(order);
            }
            _ => return Err(refused_payment(&order)),
        }
        let PaymentApproval { payment_key: charged, order_id, amount } =
            self.ports.gateway.confirm(payment_key, &order.gateway_order_id, order.amount).await.map_err(declined)?;
        if order_id != order.gateway_order_id || amount != order.amount {
            tracing::error!(order = id, %order_id, amount, "the gateway approved another order or amount");
            return Err(MarketError::PaymentDeclined {
                code: "PAYMENT_MISMATCH".into(),
                message: "the payment belongs to another order or amount".into(),
            });
        }
        match self.ports.orders.complete(id, &charged, self.now()).await {
            Ok(Some(paid)) => return Ok(paid),
            Ok(None) => {}
            Err(PortError::Duplicate(_)) => {
                return Err(MarketError::PaymentDeclined {
                    code: "PAYMENT_KEY_IN_USE".into(),
                    message: "the payment key already pays another order".into(),
                });
            }
            Err(err) => return Err(err.into()),
        }
        let current = self.ports.orders.find(id).await?.ok_or(MarketError::OrderNotFound(id))?;
        if current.status == OrderStatus::Paid && current.payment_key.as_deref() == Some(charged.as_str()) {
            return Ok(current);
        }
        let reason = if current.status == OrderStatus::Paid {
            "the order was already paid with another payment"
        } else {
            "the order was released before the payment"
        };
        self.refund_extra(id, &charged, amount, reason).await?;
        Err(refused_payment(&current))
    }

    /// Applies a signed gateway webhook about a market order (the gateway's order id names it):
    /// a payment done at the gateway pays a pending order — or, when the order was released or
    /// paid with another key meanwhile, is refunded (recorded once per key, so a resent webhook
    /// changes nothing); the order's own payment cancelled at the gateway refunds the order
    /// (product back on sale, coupons back). Returns the order it touched, `None` for an order
    /// id that is not a market order's.
    pub async fn webhook(
        &self,
        signature: &str,
        transmission_time: &str,
        body: &[u8],
    ) -> Result<Option<Order>, MarketError> {
        let event = self
            .ports
            .gateway
            .verify_webhook(signature, transmission_time, body, self.now())
            .map_err(MarketError::BadSignature)?;
        let Some(order) = self.ports.orders.by_gateway_order(&event.order_id).await? else {
            return Ok(None);
        };
        let own = order.payment_key.as_deref() == Some(event.payment_key.as_str());
        match (event.status, order.status) {
            (GatewayStatus::Done, OrderStatus::Paid) if own => Ok(Some(order)),
            (GatewayStatus::Done, OrderStatus::PendingPayment) if order.pay_by > self.now() => {
                match self.ports.orders.complete(order.id, &event.payment_key, self.now()).await {
                    Ok(Some(paid)) => Ok(Some(paid)),
                    // Moved meanwhile, or the key pays another order: not this order's payment.
                    Ok(None) | Err(PortError::Duplicate(_)) => {
                        self.refund_extra(
                            order.id,
                            &event.payment_key,
                            order.amount,
                            "the order was not payable any more",
                        )
                        .await?;
                        Ok(self.ports.orders.find(order.id).await?)
                    }
                    Err(err) => Err(err.into()),
                }
            }
            // Paid at the gateway for an order that is released, overdue or paid otherwise.
            (GatewayStatus::Done, _) => {
                if order.status == OrderStatus::PendingPayment {
                    self.ports.orders.release(order.id, OrderTransition::EXPIRE, self.now()).await?;
                }
                self.refund_extra(order.id, &event.payment_key, order.amount, "the order was not payable any more")
                    .await?;
                Ok(self.ports.orders.find(order.id).await?)
            }
            (GatewayStatus::Canceled, OrderStatus::Paid) if own => {
                Ok(self.ports.orders.release(order.id, OrderTransition::REFUND, self.now()).await?.or(Some(order)))
            }
            // Another charge of this order was cancelled: if it was a due refund, it is done.
            (GatewayStatus::Canceled, _) => {
                self.ports.orders.refund_done(&event.payment_key, self.now()).await?;
                Ok(Some(order))
            }
            (GatewayStatus::PartiallyCanceled, _) => {
                tracing::warn!(order = order.id, payment_key = %event.payment_key, "market payment partially cancelled at the gateway; settle the rest by hand");
                Ok(Some(order))
            }
            (GatewayStatus::Other, _) => Ok(Some(order)),
        }
    }

    /// Records a charge that is not order `id`'s payment as due a refund (durably first: a
    /// crash or a gateway outage leaves it to the sweep) and tries the refund now.
    async fn refund_extra(&self, id: i64, payment_key: &str, amount: i64, reason: &str) -> Result<(), MarketError> {
        let now = self.now();
        if !self.ports.orders.refund_due(id, payment_key, amount, now, now + REFUND_CLAIM).await? {
            return Ok(());
        }
        match self.ports.gateway.cancel(payment_key, reason).await {
            Ok(()) => self.ports.orders.refund_done(payment_key, self.now()).await?,
            Err(err) => {
                tracing::warn!(%err, order = id, "refund of an extra charge failed; the sweep retries it");
                self.ports.orders.refund_failed(payment_key, self.now()).await?;
            }
        }
        Ok(())
    }

    /// Cancels an order (its buyer, its seller or an admin): unpaid, it is released; paid, the
    /// payment is refunded through the gateway first. Either way the product goes back on sale
    /// and the coupons back to the buyer, exactly once.
    pub async fn cancel(&self, actor: Actor, id: i64) -> Result<Order, MarketError> {
        let order = self.party_order(actor, id).await?;
        let transition = match order.status {
            OrderStatus::PendingPayment => OrderTransition::CANCEL,
            OrderStatus::Paid => OrderTransition::REFUND,
            other => return Err(MarketError::NotCancellable { id, status: other.as_str() }),
        };
        if let Some(key) =
            order.payment_key.as_deref().filter(|_| transition == OrderTransition::REFUND && order.amount > 0)
        {
            self.ports.gateway.cancel(key, "order cancelled").await.map_err(declined)?;
        }
        match self.ports.orders.release(id, transition, self.now()).await? {
            Some(done) => Ok(done),
            // Someone else moved it first (paid, expired or cancelled meanwhile).
            None => {
                let current = self.ports.orders.find(id).await?.ok_or(MarketError::OrderNotFound(id))?;
                if current.status == transition.to() {
                    Ok(current)
                } else if current.status == OrderStatus::Paid && transition == OrderTransition::CANCEL {
                    // Paid while cancelling: cancel again, now as a refund.
                    Box::pin(self.cancel(actor, id)).await
                } else {
                    Err(MarketError::NotCancellable { id, status: current.status.as_str() })
                }
            }
        }
    }

    /// Releases unpaid orders past their deadline (product back on sale, coupons back, once
    /// each even with sweeps racing) and retries due refunds.
    pub async fn sweep(&self) -> Result<SweepReport, MarketError> {
        let mut report = SweepReport::default();
        let now = self.now();
        for order in self.ports.orders.overdue(now, self.config.sweep_batch).await? {
            if self.ports.orders.release(order.id, OrderTransition::EXPIRE, now).await?.is_some() {
                report.expired += 1;
            }
        }
        for due in self.ports.orders.claim_refunds(now, now + REFUND_CLAIM, self.config.sweep_batch).await? {
            match self.ports.gateway.cancel(&due.payment_key, "charge after the order was released").await {
                Ok(()) => {
                    self.ports.orders.refund_done(&due.payment_key, self.now()).await?;
                    report.refunded += 1;
                }
                Err(err) => {
                    tracing::warn!(%err, order = due.order_id, "refund failed; retried by a later sweep");
                    self.ports.orders.refund_failed(&due.payment_key, self.now() + REFUND_CLAIM).await?;
                    report.refund_failures += 1;
                }
            }
        }
        Ok(report)
    }
}

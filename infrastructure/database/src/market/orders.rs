//! [`OrderLedger`] over `market_orders`, `market_order_history`, `market_charges`, the product's
//! status and the buyer's coupons. Every transition is one transaction, conditional on the
//! order's status (and the product's) in the `UPDATE` itself, so of racing callers exactly one
//! makes it; its history record and its event commit with it.

use async_trait::async_trait;
use cercat_common::{PortError, paging::Keyset};
use cercat_coupon::Checkout;
use cercat_market::{
    Order, OrderRecord, OrderRole, OrderStatus, OrderTransition, ProductStatus,
    ports::{DueRefund, NewOrder, OrderLedger, PlaceOutcome},
};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr};

use super::{
    ON_SALE, corrupt, lock_product, older_than,
    order_rows::{
        PAYMENT, REFUNDED, move_order, move_product, read_order, record_charge, refusal, stuck, to_order, to_record,
        transitioned,
    },
    stored,
};
use crate::{
    coupons,
    db::Db,
    entity::{market_charge, market_order, market_order_record, product},
};

/// Orders, their history and their charges on the database.
#[derive(Clone, Debug)]
pub struct SqlOrderLedger {
    pub(super) db: Db,
}

impl SqlOrderLedger {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    async fn one(&self, query: sea_orm::Select<market_order::Entity>) -> Result<Option<Order>, PortError> {
        self.db.run(query.one(self.db.conn())).await?.map(to_order).transpose()
    }
}

#[async_trait]
impl OrderLedger for SqlOrderLedger {
    async fn place(&self, o: &NewOrder) -> Result<PlaceOutcome, PortError> {
        let reserved = match o.status {
            OrderStatus::PendingPayment => ProductStatus::Reserved,
            OrderStatus::Paid => ProductStatus::Sold,
            other => return Err(corrupt(format!("an order cannot be placed {}", other.as_str()))),
        };
        let (at, pay_by) = (stored(o.at), stored(o.pay_by));
        let coupon_ids = serde_json::to_string(&o.coupons).map_err(corrupt)?;
        let coupon_ids = &coupon_ids;
        self.db
            .write_with_events(|| async move {
                let txn = self.db.begin_write().await?;
                lock_product(&txn, o.product_id).await?;
                // The one guard: of any number of buyers, one changes the row.
                let won = product::Entity::update_many()
                    .col_expr(product::Column::Status, Expr::value(reserved.as_str()))
                    .col_expr(product::Column::UpdatedAt, Expr::value(at))
                    .filter(product::Column::Id.eq(o.product_id))
                    .filter(product::Column::Status.eq(ON_SALE))
                    .filter(product::Column::Price.eq(o.price))
                    .filter(product::Column::DeletedAt.is_null())
                    .filter(product::Column::Hidden.eq(false))
                    .exec(&txn)
                    .await?;
                if won.rows_affected == 0 {
                    return refusal(&txn, o).await;
                }
                let p = product::Entity::find_by_id(o.product_id)
                    .one(&txn)
                    .await?
                    .ok_or_else(|| sea_orm::DbErr::RecordNotFound(format!("product {}", o.product_id)))?;
                let row = market_order::ActiveModel {
                    product_id: Set(o.product_id),
                    buyer_id: Set(o.buyer_id),
                    seller_id: Set(p.seller_id),
                    product_title: Set(p.title),
                    certificate_id: Set(p.certificate_id),
                    price: Set(o.price),
                    discount: Set(o.discount),
                    amount: Set(o.amount),
                    coupon_ids: Set(coupon_ids.clone()),
                    status: Set(o.status.as_str().to_owned()),
                    gateway_order_id: Set(o.gateway_order_id.clone()),
                    pay_by: Set(pay_by),
                    payment_key: Set(None),
                    created_at: Set(at),
                    updated_at: Set(at),
                    ..Default::default()
                };
                let id = market_order::Entity::insert(row).exec(&txn).await?.last_insert_id;
                let spent_at = (o.status == OrderStatus::Paid).then_some(at);
                let owner = Checkout::Order(id).key();
                if let Some(taken) = coupons::reserve_in(&txn, o.buyer_id, &o.coupons, &owner, spent_at).await? {
                    // Dropping the transaction puts the product back on sale and removes the order.
                    return Ok(Ok(PlaceOutcome::CouponTaken(taken)));
                }
                let order = match read_order(&txn, id).await? {
                    Ok(order) => order,
                    Err(e) => return Ok(Err(e)),
                };
                Ok(Ok(PlaceOutcome::Placed(transitioned(txn, order, None, at).await?)))
            })
            .await?
    }

    async fn find(&self, id: i64) -> Result<Option<Order>, PortError> {
        self.one(market_order::Entity::find_by_id(id)).await
    }

    async fn by_gateway_order(&self, gateway_order_id: &str) -> Result<Option<Order>, PortError> {
        self.one(market_order::Entity::find().filter(market_order::Column::GatewayOrderId.eq(gateway_order_id))).await
    }

    async fn complete(&self, id: i64, payment_key: &str, at: DateTime<Utc>) -> Result<Option<Order>, PortError> {
        let at = stored(at);
        let pay = OrderTransition::PAY;
        self.db
            .write_with_events(|| async move {
                let txn = self.db.begin_write().await?;
                if !move_order(&txn, id, pay.from(), pay.to(), Some(payment_key), at).await? {
                    return Ok(Ok(None));
                }
                let order = match read_order(&txn, id).await? {
                    Ok(order) => order,
                    Err(e) => return Ok(Err(e)),
                };
                // The product moves with the order or neither commits.
                if move_product(&txn, order.product_id, pay.product_from(), pay.product_to(), at).await? != 1 {
                    return Ok(Err(stuck(&order, pay)));
                }
                record_charge(&txn, id, payment_key, order.amount, PAYMENT, at, at).await?;
                coupons::spend_in(&txn, &Checkout::Order(id).key(), at).await?;
                Ok(Ok(Some(transitioned(txn, order, Some(pay.from()), at).await?)))
            })
            .await?
    }

    async fn release(&self, id: i64, t: OrderTransition, at: DateTime<Utc>) -> Result<Option<Order>, PortError> {
        let at = stored(at);
        self.db
            .write_with_events(|| async move {
                let txn = self.db.begin_write().await?;
                if !move_order(&txn, id, t.from(), t.to(), None, at).await? {
                    return Ok(Ok(None));
                }
                let order = match read_order(&txn, id).await? {
                    Ok(order) => order,
                    Err(e) => return Ok(Err(e)),
                };
                if move_product(&txn, order.product_id, t.product_from(), t.product_to(), at).await? != 1 {
                    return Ok(Err(stuck(&order, t)));
                }
                let owner = Checkout::Order(id).key();
                if t.gives_back_coupons() {
                    coupons::give_back_in(&txn, &owner).await?;
                } else if t.to() == OrderStatus::Paid {
                    coupons::spend_in(&txn, &owner, at).await?;
                }
                if t.refunds_payment()
                    && let Some(key) = &order.payment_key
                {
                    market_charge::Entity::update_many()
                        .col_expr(market_charge::Column::State, Expr::value(REFUNDED))
                        .col_expr(market_charge::Column::UpdatedAt, Expr::value(at))
                        .filter(market_charge::Column::PaymentKey.eq(key.as_str()))
                        .filter(market_charge::Column::State.eq(PAYMENT))
                        .exec(&txn)
                        .await?;
                }
                Ok(Ok(Some(transitioned(txn, order, Some(t.from()), at).await?)))
            })
            .await?
    }

    async fn overdue(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Order>, PortError> {
        self.db
            .run(
                market_order::Entity::find()
                    .filter(market_order::Column::Status.eq(OrderStatus::PendingPayment.as_str()))
                    .filter(market_order::Column::PayBy.lt(now))
                    .order_by_asc(market_order::Column::PayBy)
                    .order_by_asc(market_order::Column::Id)
                    .limit(u64::from(limit))
                    .all(self.db.conn()),
            )
            .await?
            .into_iter()
            .map(to_order)
            .collect()
    }

    async fn of_user(
        &self,
        user_id: i64,
        role: OrderRole,
        after: Option<Keyset>,
        limit: u64,
    ) -> Result<Vec<Order>, PortError> {
        let side = match role {
            OrderRole::Buyer => market_order::Column::BuyerId,
            OrderRole::Seller => market_order::Column::SellerId,
        };
        let mut query = market_order::Entity::find().filter(side.eq(user_id));
        if let Some(after) = after {
            query = query.filter(older_than(market_order::Column::CreatedAt, market_order::Column::Id, after));
        }
        self.db
            .run(
                query
                    .order_by_desc(market_order::Column::CreatedAt)
                    .order_by_desc(market_order::Column::Id)
                    .limit(limit)
                    .all(self.db.conn()),
            )
            .await?
            .into_iter()
            .map(to_order)
            .collect()
    }

    async fn history(&self, id: i64) -> Result<Vec<OrderRecord>, PortError> {
        self.db
            .run(
                market_order_record::Entity::find()
                    .filter(market_order_record::Column::OrderId.eq(id))
                    .order_by_asc(market_order_record::Column::Id)
                    .all(self.db.conn()),
            )
            .await?
            .into_iter()
            .map(to_record)
            .collect()
    }

    async fn refund_due(
        &self,
        id: i64,
        payment_key: &str,
        amount: i64,
        at: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        self.record_refund_due(id, payment_key, amount, at, claimed_until).await
    }

    async fn refund_failed(&self, payment_key: &str, retry_at: DateTime<Utc>) -> Result<(), PortError> {
        self.retry_refund_at(payment_key, retry_at).await
    }

    async fn refund_done(&self, payment_key: &str, at: DateTime<Utc>) -> Result<(), PortError> {
        self.mark_refunded(payment_key, at).await
    }

    async fn claim_refunds(
        &self,
        now: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueRefund>, PortError> {
        self.claim_due(now, claimed_until, limit).await
    }
}

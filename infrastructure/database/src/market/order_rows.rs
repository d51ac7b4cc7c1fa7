//! The rows behind the order ledger: order and history mapping, the guarded moves of an
//! order's and a product's status, why a reservation was refused, captured charges, and the
//! end of every transition (history record, event, commit).

use cercat_common::PortError;
use cercat_market::{
    Order, OrderRecord, OrderStatus, OrderTransition, ProductStatus, events,
    ports::{NewOrder, PlaceOutcome},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    sea_query::Expr,
};

use super::{Answer, corrupt};
use crate::{
    entity::{market_charge, market_order, market_order_record, product},
    outbox::append_event,
};

/// Charge states (see the `market_charges` migration).
pub(super) const PAYMENT: &str = "PAYMENT";
pub(super) const REFUND_DUE: &str = "REFUND_DUE";
pub(super) const REFUNDED: &str = "REFUNDED";

fn status(id: i64, s: &str) -> Result<OrderStatus, PortError> {
    OrderStatus::parse(s).ok_or_else(|| corrupt(format!("order {id} has status {s}")))
}

pub(super) fn to_order(r: market_order::Model) -> Result<Order, PortError> {
    let coupon_ids: Vec<i64> = serde_json::from_str(&r.coupon_ids)
        .map_err(|_| corrupt(format!("order {} has coupon ids {}", r.id, r.coupon_ids)))?;
    Ok(Order {
        status: status(r.id, &r.status)?,
        id: r.id,
        product_id: r.product_id,
        product_title: r.product_title,
        certificate_id: r.certificate_id,
        buyer_id: r.buyer_id,
        seller_id: r.seller_id,
        price: r.price,
        discount: r.discount,
        amount: r.amount,
        coupon_ids,
        gateway_order_id: r.gateway_order_id,
        pay_by: r.pay_by,
        payment_key: r.payment_key,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

pub(super) fn to_record(r: market_order_record::Model) -> Result<OrderRecord, PortError> {
    Ok(OrderRecord {
        from: r.from_status.as_deref().map(|s| status(r.order_id, s)).transpose()?,
        to: status(r.order_id, &r.to_status)?,
        at: r.at,
    })
}

/// Moves product `id` from status `from` to `to`; the rows changed (0 when it is not in `from`).
pub(super) async fn move_product<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    from: ProductStatus,
    to: ProductStatus,
    at: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let moved = product::Entity::update_many()
        .col_expr(product::Column::Status, Expr::value(to.as_str()))
        .col_expr(product::Column::UpdatedAt, Expr::value(at))
        .filter(product::Column::Id.eq(id))
        .filter(product::Column::Status.eq(from.as_str()))
        .exec(conn)
        .await?;
    Ok(moved.rows_affected)
}

/// Inserts a captured charge; a key already recorded is a unique violation.
pub(super) async fn record_charge<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
    payment_key: &str,
    amount: i64,
    state: &str,
    claimed_until: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = market_charge::ActiveModel {
        order_id: Set(order_id),
        payment_key: Set(payment_key.to_owned()),
        amount: Set(amount),
        state: Set(state.to_owned()),
        claimed_until: Set(claimed_until),
        attempts: Set(0),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    };
    market_charge::Entity::insert(row).exec_without_returning(conn).await?;
    Ok(())
}

/// Why the product of `o` could not be reserved, read under the row lock the reservation took.
pub(super) async fn refusal<C: ConnectionTrait>(conn: &C, o: &NewOrder) -> Answer<PlaceOutcome> {
    let Some(p) = product::Entity::find_by_id(o.product_id).one(conn).await? else {
        return Ok(Ok(PlaceOutcome::NoProduct));
    };
    if p.deleted_at.is_some() || p.hidden {
        return Ok(Ok(PlaceOutcome::NoProduct));
    }
    Ok(match ProductStatus::parse(&p.status) {
        Some(ProductStatus::OnSale) if p.price != o.price => Ok(PlaceOutcome::PriceChanged),
        Some(ProductStatus::OnSale) => Err(corrupt(format!("product {} is on sale but was not reserved", p.id))),
        Some(other) => Ok(PlaceOutcome::NotOnSale(other)),
        None => Err(corrupt(format!("product {} has status {}", p.id, p.status))),
    })
}

/// Moves order `id` from `from` to `to` (setting `payment_key` too, when given); whether it did.
pub(super) async fn move_order<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    from: OrderStatus,
    to: OrderStatus,
    payment_key: Option<&str>,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = market_order::Entity::update_many()
        .col_expr(market_order::Column::Status, Expr::value(to.as_str()))
        .col_expr(market_order::Column::UpdatedAt, Expr::value(at));
    if let Some(key) = payment_key {
        // A key already paying another order breaks the unique key: `PortError::Duplicate`.
        update = update.col_expr(market_order::Column::PaymentKey, Expr::value(key));
    }
    let moved = update
        .filter(market_order::Column::Id.eq(id))
        .filter(market_order::Column::Status.eq(from.as_str()))
        .exec(conn)
        .await?;
    Ok(moved.rows_affected == 1)
}

/// The refusal of a transition whose product is not where the order says it is (a bug or a
/// manual edit): the transaction is dropped rather than leave the two disagreeing.
pub(super) fn stuck(order: &Order, t: OrderTransition) -> PortError {
    corrupt(format!(
        "product {} of order {} is not {} and cannot become {}",
        order.product_id,
        order.id,
        t.product_from().as_str(),
        t.product_to().as_str()
    ))
}

/// The order as it stands in `conn`.
pub(super) async fn read_order<C: ConnectionTrait>(conn: &C, id: i64) -> Answer<Order> {
    let row = market_order::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("market order {id}")))?;
    Ok(to_order(row))
}

/// Ends a transition of `order` (already in its new status) from `from`: appends its history
/// record and its event, then commits.
pub(super) async fn transitioned(
    txn: DatabaseTransaction,
    order: Order,
    from: Option<OrderStatus>,
    at: DateTime<Utc>,
) -> Result<Order, DbErr> {
    let record = market_order_record::ActiveModel {
        order_id: Set(order.id),
        from_status: Set(from.map(|s| s.as_str().to_owned())),
        to_status: Set(order.status.as_str().to_owned()),
        at: Set(at),
        ..Default::default()
    };
    market_order_record::Entity::insert(record).exec_without_returning(&txn).await?;
    append_event(&txn, &events::transition(&order), at).await?;
    txn.commit().await?;
    Ok(order)
}

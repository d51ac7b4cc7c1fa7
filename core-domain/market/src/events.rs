//! The events orders emit (through the outbox, in the transaction of the transition).

use cercat_common::events::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::{Order, OrderStatus};

/// Topic of every order transition (key = order id, so one order's events stay in order).
pub const ORDER_TOPIC: &str = "market.order";

/// An order as it stands right after a transition (every order event's payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderChanged {
    /// The order.
    pub order_id: i64,
    /// The product.
    pub product_id: i64,
    /// The product's title when ordered.
    pub product_title: String,
    /// The product's board (alarms link to it).
    pub certificate_id: i64,
    /// Who buys.
    pub buyer_id: i64,
    /// Who sells.
    pub seller_id: i64,
    /// The status it entered.
    pub status: OrderStatus,
    /// What the buyer pays, won.
    pub amount: i64,
}

/// Every event the market publishes: one per status an order enters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum OrderEvent {
    /// A buyer reserved the product (the seller is told).
    OrderPlaced(OrderChanged),
    /// The buyer paid (the seller is told).
    OrderPaid(OrderChanged),
    /// Not paid in time; the product is back on sale (the buyer is told).
    OrderExpired(OrderChanged),
    /// Cancelled before payment (the buyer is told).
    OrderCancelled(OrderChanged),
    /// Cancelled after payment and refunded (the buyer is told).
    OrderRefunded(OrderChanged),
}

impl OrderEvent {
    /// The order as it stands after the event.
    pub fn change(&self) -> &OrderChanged {
        match self {
            Self::OrderPlaced(c)
            | Self::OrderPaid(c)
            | Self::OrderExpired(c)
            | Self::OrderCancelled(c)
            | Self::OrderRefunded(c) => c,
        }
    }

    /// Who hears of it: the seller of a new or paid order, the buyer of a released one.
    pub fn receiver(&self) -> i64 {
        let c = self.change();
        match self {
            Self::OrderPlaced(_) | Self::OrderPaid(_) => c.seller_id,
            Self::OrderExpired(_) | Self::OrderCancelled(_) | Self::OrderRefunded(_) => c.buyer_id,
        }
    }
}

impl DomainEvent for OrderEvent {
    const TOPICS: &'static [&'static str] = &[ORDER_TOPIC];

    fn topic(&self) -> &'static str {
        ORDER_TOPIC
    }

    fn aggregate(&self) -> (&'static str, String) {
        ("Order", self.change().order_id.to_string())
    }
}

/// The event for `order` having just entered its current status.
pub fn transition(order: &Order) -> OrderEvent {
    let change = OrderChanged {
        order_id: order.id,
        product_id: order.product_id,
        product_title: order.product_title.clone(),
        certificate_id: order.certificate_id,
        buyer_id: order.buyer_id,
        seller_id: order.seller_id,
        status: order.status,
        amount: order.amount,
    };
    match order.status {
        OrderStatus::PendingPayment => OrderEvent::OrderPlaced(change),
        OrderStatus::Paid => OrderEvent::OrderPaid(change),
        OrderStatus::Expired => OrderEvent::OrderExpired(change),
        OrderStatus::Cancelled => OrderEvent::OrderCancelled(change),
        OrderStatus::Refunded => OrderEvent::OrderRefunded(change),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cercat_common::events::EventEnvelope;
    use chrono::Utc;

    #[test]
    fn every_transition_round_trips_and_tells_the_right_side() {
        let at = Utc::now();
        let names = [
            (OrderStatus::PendingPayment, "OrderPlaced", 2),
            (OrderStatus::Paid, "OrderPaid", 2),
            (OrderStatus::Expired, "OrderExpired", 3),
            (OrderStatus::Cancelled, "OrderCancelled", 3),
            (OrderStatus::Refunded, "OrderRefunded", 3),
        ];
        for (status, event_type, receiver) in names {
            let order = Order {
                id: 7,
                product_id: 4,
                product_title: "기본서".into(),
                certificate_id: 1,
                buyer_id: 3,
                seller_id: 2,
                price: 10_000,
                discount: 1_000,
                amount: 9_000,
                coupon_ids: vec![5],
                status,
                gateway_order_id: "market-7".into(),
                pay_by: at,
                payment_key: None,
                created_at: at,
                updated_at: at,
            };
            let event = transition(&order);
            assert_eq!(event.receiver(), receiver, "{event_type}");
            let envelope = EventEnvelope::of(&event, at).unwrap();
            assert_eq!(envelope.event_type, event_type);
            assert_eq!((envelope.topic.as_str(), envelope.aggregate_id.as_str()), (ORDER_TOPIC, "7"));
            assert_eq!(envelope.payload["status"], status.as_str());
            assert_eq!(envelope.decode::<OrderEvent>().unwrap(), event);
        }
    }
}

//! Captured charges that are not an order's payment (paid after the order was released, or a
//! second payment): recorded due a refund once per payment key, claimed by one sweep at a time
//! (`claimed_until`), retried after a failure, and marked refunded.

use cercat_common::PortError;
use cercat_market::ports::DueRefund;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::{
    SqlOrderLedger,
    order_rows::{REFUND_DUE, REFUNDED, record_charge},
    stored,
};
use crate::entity::market_charge;

impl SqlOrderLedger {
    pub(super) async fn record_refund_due(
        &self,
        id: i64,
        payment_key: &str,
        amount: i64,
        at: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        let (at, claimed_until) = (stored(at), stored(claimed_until));
        let recorded = self
            .db
            .write(|| record_charge(self.db.conn(), id, payment_key, amount, REFUND_DUE, claimed_until, at))
            .await;
        match recorded {
            Ok(()) => Ok(true),
            // Already recorded (due, refunded, or some order's payment): once per key.
            Err(PortError::Duplicate(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub(super) async fn retry_refund_at(&self, payment_key: &str, retry_at: DateTime<Utc>) -> Result<(), PortError> {
        let retry_at = stored(retry_at);
        self.db
            .write(|| {
                market_charge::Entity::update_many()
                    .col_expr(market_charge::Column::ClaimedUntil, Expr::value(retry_at))
                    .filter(market_charge::Column::PaymentKey.eq(payment_key))
                    .filter(market_charge::Column::State.eq(REFUND_DUE))
                    .exec(self.db.conn())
            })
            .await?;
        Ok(())
    }

    pub(super) async fn mark_refunded(&self, payment_key: &str, at: DateTime<Utc>) -> Result<(), PortError> {
        let at = stored(at);
        self.db
            .write(|| {
                market_charge::Entity::update_many()
                    .col_expr(market_charge::Column::State, Expr::value(REFUNDED))
                    .col_expr(market_charge::Column::UpdatedAt, Expr::value(at))
                    .filter(market_charge::Column::PaymentKey.eq(payment_key))
                    .filter(market_charge::Column::State.eq(REFUND_DUE))
                    .exec(self.db.conn())
            })
            .await?;
        Ok(())
    }

    pub(super) async fn claim_due(
        &self,
        now: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueRefund>, PortError> {
        let (now, claimed_until) = (stored(now), stored(claimed_until));
        let candidates = self
            .db
            .run(
                market_charge::Entity::find()
                    .filter(market_charge::Column::State.eq(REFUND_DUE))
                    .filter(market_charge::Column::ClaimedUntil.lt(now))
                    .order_by_asc(market_charge::Column::Id)
                    .limit(u64::from(limit))
                    .all(self.db.conn()),
            )
            .await?;
        let mut claimed = Vec::with_capacity(candidates.len());
        for c in candidates {
            // Conditional on the claim having lapsed: of two sweeps, one gets each refund.
            let took = self
                .db
                .write(|| {
                    market_charge::Entity::update_many()
                        .col_expr(market_charge::Column::ClaimedUntil, Expr::value(claimed_until))
                        .col_expr(market_charge::Column::Attempts, Expr::col(market_charge::Column::Attempts).add(1))
                        .col_expr(market_charge::Column::UpdatedAt, Expr::value(now))
                        .filter(market_charge::Column::Id.eq(c.id))
                        .filter(market_charge::Column::State.eq(REFUND_DUE))
                        .filter(market_charge::Column::ClaimedUntil.lt(now))
                        .exec(self.db.conn())
                })
                .await?;
            if took.rows_affected == 1 {
                claimed.push(DueRefund { order_id: c.order_id, payment_key: c.payment_key, amount: c.amount });
            }
        }
        Ok(claimed)
    }
}

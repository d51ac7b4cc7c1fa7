//! [`CouponRepository`] over `coupons`, `user_coupons` and `vouchers`. The unique key on
//! (user, coupon, source) is what keeps a grant, a redemption or a claim to one coupon per
//! user under races; a voucher's counter rises only by a conditional `UPDATE` below its limit.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    money::{Money, Percent},
};
use cercat_coupon::{
    Coupon, CouponDefinition, CouponKind, CouponScope, CouponSource, CouponTerms, HoldState, UserCoupon, Voucher,
    VoucherKind,
    ports::{CouponRepository, GrantReport, RedeemOutcome},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    db::Db,
    entity::{coupon, user, user_coupon, voucher},
};

const USABLE: &str = "USABLE";
const LOCKED: &str = "LOCKED";
const USED: &str = "USED";

/// Coupons, the coupons users hold, and vouchers.
#[derive(Clone, Debug)]
pub struct SqlCouponRepository {
    db: Db,
}

impl SqlCouponRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn corrupt(what: impl std::fmt::Display) -> PortError {
    PortError::Corrupt(format!("coupon row: {what}"))
}

fn money(won: i64) -> Result<Money, PortError> {
    Money::won(won).map_err(corrupt)
}

fn terms(row: &coupon::Model) -> Result<CouponTerms, PortError> {
    let kind = match row.kind.as_str() {
        "FIXED" => CouponKind::Fixed { amount: money(row.amount.ok_or_else(|| corrupt("FIXED without amount"))?)? },
        "PERCENT" => {
            let p = row.percent.ok_or_else(|| corrupt("PERCENT without percent"))?;
            let percent = u32::try_from(p).ok().and_then(|p| Percent::new(p).ok()).ok_or_else(|| corrupt(p))?;
            CouponKind::Percent { percent, max_discount: row.max_discount.map(money).transpose()? }
        }
        other => return Err(corrupt(other)),
    };
    Ok(CouponTerms {
        name: row.name.clone(),
        kind,
        exclusive: row.exclusive,
        min_order_amount: money(row.min_order_amount)?,
        valid_from: row.valid_from,
        valid_until: row.valid_until,
        scope: CouponScope::parse(&row.scope).ok_or_else(|| corrupt(&row.scope))?,
    })
}

fn definition(row: &coupon::Model) -> Result<CouponDefinition, PortError> {
    Ok(CouponDefinition { id: row.id, terms: terms(row)? })
}

fn source(key: &str) -> Result<CouponSource, PortError> {
    let id = |rest: &str| rest.parse::<i64>().map_err(|_| corrupt(key));
    match key.split_once(':') {
        None if key == "grant" => Ok(CouponSource::Grant),
        Some(("voucher", rest)) => Ok(CouponSource::Voucher(id(rest)?)),
        Some(("event", rest)) => Ok(CouponSource::Event(id(rest)?)),
        _ => Err(corrupt(key)),
    }
}

fn held(row: user_coupon::Model, definition: &coupon::Model) -> Result<UserCoupon, PortError> {
    let owner = || row.owner.clone().ok_or_else(|| corrupt("a locked or used coupon without its checkout"));
    let state = match row.state.as_str() {
        USABLE => HoldState::Usable,
        LOCKED => HoldState::Locked { owner: owner()? },
        USED => HoldState::Used { owner: owner()?, at: row.used_at.ok_or_else(|| corrupt("used without a time"))? },
        other => return Err(corrupt(other)),
    };
    Ok(UserCoupon {
        coupon: Coupon { id: row.id, terms: terms(definition)? },
        coupon_id: row.coupon_id,
        user_id: row.user_id,
        source: source(&row.source)?,
        state,
        acquired_at: row.created_at,
    })
}

fn voucher_kind(row: &voucher::Model) -> Result<VoucherKind, PortError> {
    match row.kind.as_str() {
        "PRIVATE" => Ok(VoucherKind::Private),
        "PUBLIC" => Ok(VoucherKind::Public {
            max_redemptions: u32::try_from(row.max_redemptions).map_err(|_| corrupt(row.max_redemptions))?,
        }),
        other => Err(corrupt(other)),
    }
}

fn to_voucher(row: voucher::Model) -> Result<Voucher, PortError> {
    Ok(Voucher {
        id: row.id,
        coupon_id: row.coupon_id,
        kind: voucher_kind(&row)?,
        redemptions: u32::try_from(row.redemptions).map_err(|_| corrupt(row.redemptions))?,
        code: row.code,
        created_at: row.created_at,
    })
}

/// A new USABLE copy of `coupon_id` for `user_id` from `source` (grants, vouchers, coupon events).
pub(crate) fn new_hold(
    user_id: i64,
    coupon_id: i64,
    source: &CouponSource,
    at: DateTime<Utc>,
) -> user_coupon::ActiveModel {
    user_coupon::ActiveModel {
        user_id: Set(user_id),
        coupon_id: Set(coupon_id),
        source: Set(source.key()),
        state: Set(USABLE.to_owned()),
        owner: Set(None),
        used_at: Set(None),
        created_at: Set(at),
        ..Default::default()
    }
}

impl SqlCouponRepository {
    /// The coupons `rows` stand for, with their definitions (read in one query).
    async fn with_terms(&self, rows: Vec<user_coupon::Model>) -> Result<Vec<UserCoupon>, PortError> {
        let mut ids: Vec<i64> = rows.iter().map(|r| r.coupon_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let definitions =
            self.db.run(coupon::Entity::find().filter(coupon::Column::Id.is_in(ids)).all(self.db.conn())).await?;
        rows.into_iter()
            .map(|row| {
                let d = definitions
                    .iter()
                    .find(|d| d.id == row.coupon_id)
                    .ok_or_else(|| corrupt(format!("user coupon {} names a missing coupon", row.id)))?;
                held(row, d)
            })
            .collect()
    }
}

/// Redeems `v` for `user_id` in `txn` (see [`CouponRepository::redeem`]).
async fn redeem_in(
    txn: &impl ConnectionTrait,
    v: &voucher::Model,
    user_id: i64,
    at: DateTime<Utc>,
) -> Result<RedeemOutcome, DbErr> {
    let source = CouponSource::Voucher(v.id);
    let already = user_coupon::Entity::find()
        .filter(user_coupon::Column::UserId.eq(user_id))
        .filter(user_coupon::Column::CouponId.eq(v.coupon_id))
        .filter(user_coupon::Column::Source.eq(source.key()))
        .one(txn)
        .await?;
    if already.is_some() {
        return Ok(RedeemOutcome::AlreadyRedeemed);
    }
    let counted = voucher::Entity::update_many()
        .col_expr(voucher::Column::Redemptions, Expr::col(voucher::Column::Redemptions).add(1))
        .filter(voucher::Column::Id.eq(v.id))
        .filter(Expr::col(voucher::Column::Redemptions).lt(Expr::col(voucher::Column::MaxRedemptions)))
        .exec(txn)
        .await?;
    if counted.rows_affected == 0 {
        return Ok(RedeemOutcome::Exhausted);
    }
    let id = user_coupon::Entity::insert(new_hold(user_id, v.coupon_id, &source, at)).exec(txn).await?.last_insert_id;
    Ok(RedeemOutcome::Redeemed(id))
}

#[async_trait]
impl CouponRepository for SqlCouponRepository {
    async fn create(&self, t: &CouponTerms, at: DateTime<Utc>) -> Result<i64, PortError> {
        let (kind, amount, percent, max_discount) = match t.kind {
            CouponKind::Fixed { amount } => ("FIXED", Some(amount.as_won()), None, None),
            CouponKind::Percent { percent, max_discount } => {
                ("PERCENT", None, Some(i32::try_from(percent.get()).unwrap_or(100)), max_discount.map(Money::as_won))
            }
        };
        let row = coupon::ActiveModel {
            name: Set(t.name.clone()),
            kind: Set(kind.to_owned()),
            amount: Set(amount),
            percent: Set(percent),
            max_discount: Set(max_discount),
            exclusive: Set(t.exclusive),
            min_order_amount: Set(t.min_order_amount.as_won()),
            valid_from: Set(t.valid_from),
            valid_until: Set(t.valid_until),
            scope: Set(t.scope.as_str().to_owned()),
            created_at: Set(at),
            ..Default::default()
        };
        Ok(self.db.write(|| coupon::Entity::insert(row.clone()).exec(self.db.conn())).await?.last_insert_id)
    }

    async fn find(&self, id: i64) -> Result<Option<CouponDefinition>, PortError> {
        let row = self.db.run(coupon::Entity::find_by_id(id).one(self.db.conn())).await?;
        row.as_ref().map(definition).transpose()
    }

    async fn list(&self) -> Result<Vec<CouponDefinition>, PortError> {
        let rows = self.db.run(coupon::Entity::find().order_by_desc(coupon::Column::Id).all(self.db.conn())).await?;
        rows.iter().map(definition).collect()
    }

    async fn grant(&self, coupon_id: i64, user_ids: &[i64], at: DateTime<Utc>) -> Result<GrantReport, PortError> {
        let known: Vec<i64> = self
            .db
            .run(
                user::Entity::find()
                    .select_only()
                    .column(user::Column::Id)
                    .filter(user::Column::Id.is_in(user_ids.to_vec()))
                    .into_tuple()
                    .all(self.db.conn()),
            )
            .await?;
        let mut report = GrantReport::default();
        for &user_id in user_ids {
            if !known.contains(&user_id) {
                report.unknown.push(user_id);
                continue;
            }
            let row = new_hold(user_id, coupon_id, &CouponSource::Grant, at);
            match self
                .db
                .write(|| user_coupon::Entity::insert(row.clone()).exec_without_returning(self.db.conn()))
                .await
            {
                Ok(_) => report.granted.push(user_id),
                // The unique key: this user holds the coupon from a grant already (or a racing
                // grant just gave it).
                Err(PortError::Duplicate(_)) => report.already.push(user_id),
                // The account was purged between the check and the insert.
                Err(PortError::InUse(_)) => report.unknown.push(user_id),
                Err(err) => return Err(err),
            }
        }
        Ok(report)
    }

    async fn held(&self, user_id: i64) -> Result<Vec<UserCoupon>, PortError> {
        let rows = self
            .db
            .run(
                user_coupon::Entity::find()
                    .filter(user_coupon::Column::UserId.eq(user_id))
                    .order_by_desc(user_coupon::Column::Id)
                    .all(self.db.conn()),
            )
            .await?;
        self.with_terms(rows).await
    }

    async fn held_among(&self, user_id: i64, ids: &[i64]) -> Result<Vec<UserCoupon>, PortError> {
        let rows = self
            .db
            .run(
                user_coupon::Entity::find()
                    .filter(user_coupon::Column::UserId.eq(user_id))
                    .filter(user_coupon::Column::Id.is_in(ids.to_vec()))
                    .all(self.db.conn()),
            )
            .await?;
        self.with_terms(rows).await
    }

    async fn create_voucher(
        &self,
        coupon_id: i64,
        code: &str,
        kind: VoucherKind,
        at: DateTime<Utc>,
    ) -> Result<Voucher, PortError> {
        let row = voucher::ActiveModel {
            coupon_id: Set(coupon_id),
            code: Set(code.to_owned()),
            kind: Set(match kind {
                VoucherKind::Private => "PRIVATE",
                VoucherKind::Public { .. } => "PUBLIC",
            }
            .to_owned()),
            max_redemptions: Set(i32::try_from(kind.max_redemptions()).unwrap_or(i32::MAX)),
            redemptions: Set(0),
            created_at: Set(at),
            ..Default::default()
        };
        let id = self.db.write(|| voucher::Entity::insert(row.clone()).exec(self.db.conn())).await?.last_insert_id;
        Ok(Voucher { id, coupon_id, code: code.to_owned(), kind, redemptions: 0, created_at: at })
    }

    async fn redeem(&self, code: &str, user_id: i64, at: DateTime<Utc>) -> Result<RedeemOutcome, PortError> {
        let Some(v) =
            self.db.run(voucher::Entity::find().filter(voucher::Column::Code.eq(code)).one(self.db.conn())).await?
        else {
            return Ok(RedeemOutcome::UnknownCode);
        };
        let result = self
            .db
            .write(|| async {
                let txn = self.db.begin_write().await?;
                let outcome = redeem_in(&txn, &v, user_id, at).await?;
                txn.commit().await?;
                Ok(outcome)
            })
            .await;
        match result {
            Ok(outcome) => Ok(outcome),
            // A racing redemption by the same user inserted first; this one rolled back,
            // its count with it.
            Err(PortError::Duplicate(_)) => Ok(RedeemOutcome::AlreadyRedeemed),
            Err(err) => Err(err),
        }
    }

    async fn voucher(&self, code: &str) -> Result<Option<Voucher>, PortError> {
        let row =
            self.db.run(voucher::Entity::find().filter(voucher::Column::Code.eq(code)).one(self.db.conn())).await?;
        row.map(to_voucher).transpose()
    }
}

/// Reserves the coupons `ids` of `user_id` for the checkout `owner`, inside the checkout's own
/// transaction: one conditional `UPDATE` each (only a USABLE coupon of this user moves). With
/// `spent_at` they are spent at once (a checkout with nothing left to pay). Answers the first
/// id that did not move — someone else's, unknown, or taken by a racing checkout — and the
/// caller then drops the transaction, so a checkout gets all its coupons or none.
pub(crate) async fn reserve_in<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    ids: &[i64],
    owner: &str,
    spent_at: Option<DateTime<Utc>>,
) -> Result<Option<i64>, DbErr> {
    for &id in ids {
        let moved = user_coupon::Entity::update_many()
            .col_expr(user_coupon::Column::State, Expr::value(if spent_at.is_some() { USED } else { LOCKED }))
            .col_expr(user_coupon::Column::Owner, Expr::value(owner))
            .col_expr(user_coupon::Column::UsedAt, Expr::value(spent_at))
            .filter(user_coupon::Column::Id.eq(id))
            .filter(user_coupon::Column::UserId.eq(user_id))
            .filter(user_coupon::Column::State.eq(USABLE))
            .exec(conn)
            .await?;
        if moved.rows_affected == 0 {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Spends the coupons reserved by `owner` (its payment went through), in the payment's
/// transaction.
pub(crate) async fn spend_in<C: ConnectionTrait>(conn: &C, owner: &str, at: DateTime<Utc>) -> Result<u64, DbErr> {
    let moved = user_coupon::Entity::update_many()
        .col_expr(user_coupon::Column::State, Expr::value(USED))
        .col_expr(user_coupon::Column::UsedAt, Expr::value(at))
        .filter(user_coupon::Column::Owner.eq(owner))
        .filter(user_coupon::Column::State.eq(LOCKED))
        .exec(conn)
        .await?;
    Ok(moved.rows_affected)
}

/// Gives back every coupon `owner` reserved or spent (it was cancelled, refunded or expired),
/// in that transition's transaction. The owner is cleared, so giving back twice moves nothing:
/// the coupons come back exactly once.
pub(crate) async fn give_back_in<C: ConnectionTrait>(conn: &C, owner: &str) -> Result<u64, DbErr> {
    let moved = user_coupon::Entity::update_many()
        .col_expr(user_coupon::Column::State, Expr::value(USABLE))
        .col_expr(user_coupon::Column::Owner, Expr::value(Option::<String>::None))
        .col_expr(user_coupon::Column::UsedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(user_coupon::Column::Owner.eq(owner))
        .exec(conn)
        .await?;
    Ok(moved.rows_affected)
}

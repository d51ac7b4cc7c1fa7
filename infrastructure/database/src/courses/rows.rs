//! The rows behind the seat ledger: enrollment mapping, the seat counter's guarded move,
//! captured charges, and the end of every transition (read back, event, commit).

use super::*;

pub(super) fn to_enrollment(r: enrollment::Model) -> Result<Enrollment, PortError> {
    let status = EnrollmentStatus::parse(&r.status)
        .ok_or_else(|| PortError::Corrupt(format!("enrollment {} has status {}", r.id, r.status)))?;
    Ok(Enrollment {
        id: r.id,
        course_id: r.course_id,
        user_id: r.user_id,
        status,
        amount: r.amount,
        order_id: r.order_id,
        hold_deadline: r.hold_deadline,
        payment_key: r.payment_key,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

pub(super) fn corrupt(err: PortError) -> sea_orm::DbErr {
    sea_orm::DbErr::Custom(err.to_string())
}

pub(super) async fn certificate_of<C: ConnectionTrait>(conn: &C, course_id: i64) -> Result<i64, sea_orm::DbErr> {
    Ok(course::Entity::find_by_id(course_id)
        .select_only()
        .column(course::Column::CertificateId)
        .into_tuple::<i64>()
        .one(conn)
        .await?
        .unwrap_or_default())
}

/// Moves the seat counter of `course_id` by `delta`, only within `0..=capacity`: the number
/// of rows it changed (0 when the move would leave that range, or there is no such course).
pub(super) async fn move_seats<C: ConnectionTrait>(
    conn: &C,
    course_id: i64,
    delta: i32,
) -> Result<u64, sea_orm::DbErr> {
    let mut update = course::Entity::update_many()
        .col_expr(course::Column::SeatsTaken, Expr::col(course::Column::SeatsTaken).add(delta))
        .filter(course::Column::Id.eq(course_id));
    update = if delta > 0 {
        update.filter(Expr::col(course::Column::SeatsTaken).lte(Expr::col(course::Column::Capacity).sub(delta)))
    } else {
        update.filter(course::Column::SeatsTaken.gte(-delta))
    };
    Ok(update.exec(conn).await?.rows_affected)
}

/// Charge states (see the `payment_charges` migration).
pub(super) const PAYMENT: &str = "PAYMENT";
pub(super) const REFUND_DUE: &str = "REFUND_DUE";
pub(super) const REFUNDED: &str = "REFUNDED";

/// The course of enrollment `id` (0 if there is none).
pub(super) async fn course_of<C: ConnectionTrait>(conn: &C, id: i64) -> Result<i64, sea_orm::DbErr> {
    Ok(enrollment::Entity::find_by_id(id)
        .select_only()
        .column(enrollment::Column::CourseId)
        .into_tuple()
        .one(conn)
        .await?
        .unwrap_or_default())
}

/// Inserts a captured charge; a key already recorded is a unique violation.
#[allow(clippy::too_many_arguments)]
pub(super) async fn record_charge<C: ConnectionTrait>(
    conn: &C,
    enrollment_id: i64,
    course_id: i64,
    payment_key: &str,
    amount: i64,
    state: &str,
    claimed_until: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let row = payment_charge::ActiveModel {
        enrollment_id: Set(enrollment_id),
        course_id: Set(course_id),
        payment_key: Set(payment_key.to_owned()),
        amount: Set(amount),
        state: Set(state.to_owned()),
        claimed_until: Set(claimed_until),
        attempts: Set(0),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    };
    payment_charge::Entity::insert(row).exec(conn).await?;
    Ok(())
}

/// Reads the enrollment just moved, records its event and commits.
pub(super) async fn transitioned(
    txn: sea_orm::DatabaseTransaction,
    id: i64,
    at: DateTime<Utc>,
) -> Result<Option<Enrollment>, sea_orm::DbErr> {
    let row = enrollment::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound(format!("enrollment {id}")))?;
    let e = to_enrollment(row).map_err(corrupt)?;
    let certificate = certificate_of(&txn, e.course_id).await?;
    append_event(&txn, &events::transition(&e, certificate), at).await?;
    txn.commit().await?;
    Ok(Some(e))
}

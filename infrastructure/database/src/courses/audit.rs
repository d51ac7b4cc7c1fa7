//! The invariant audit of one course, read in the snapshot its caller opened.

use super::rows::*;
use super::*;

pub(super) async fn audit_in<C: ConnectionTrait>(
    conn: &C,
    course_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<InvariantReport>, sea_orm::DbErr> {
    let Some(c) = course::Entity::find_by_id(course_id).one(conn).await? else {
        return Ok(None);
    };
    let by_status: Vec<(String, i64)> = enrollment::Entity::find()
        .select_only()
        .column(enrollment::Column::Status)
        .column_as(enrollment::Column::Id.count(), "n")
        .filter(enrollment::Column::CourseId.eq(course_id))
        .group_by(enrollment::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    let count = |s: EnrollmentStatus| -> u32 {
        by_status.iter().filter(|(k, _)| k == s.as_str()).map(|(_, n)| u32::try_from(*n).unwrap_or(0)).sum()
    };
    let scoped = || enrollment::Entity::find().filter(enrollment::Column::CourseId.eq(course_id));
    let live = [EnrollmentStatus::PendingPayment.as_str(), EnrollmentStatus::Completed.as_str()];
    let overdue = scoped()
        .filter(enrollment::Column::Status.eq(EnrollmentStatus::PendingPayment.as_str()))
        .filter(enrollment::Column::HoldDeadline.lt(now))
        .count(conn)
        .await?;
    let duplicate_users: Vec<i64> = scoped()
        .select_only()
        .column(enrollment::Column::UserId)
        .filter(enrollment::Column::Status.is_in(live))
        .group_by(enrollment::Column::UserId)
        .having(Expr::col(enrollment::Column::Id).count().gt(1))
        .into_tuple()
        .all(conn)
        .await?;
    let completed_unpaid = scoped()
        .filter(enrollment::Column::Status.eq(EnrollmentStatus::Completed.as_str()))
        .filter(enrollment::Column::PaymentKey.is_null())
        .filter(enrollment::Column::Amount.gt(0))
        .count(conn)
        .await?;
    let released_still_live = scoped()
        .filter(enrollment::Column::Status.is_not_in(live))
        .filter(enrollment::Column::Live.is_not_null())
        .count(conn)
        .await?;
    // Every charge is its enrollment's payment (COMPLETED with that key), refunded, or due.
    let paid: std::collections::HashSet<(i64, String)> = scoped()
        .select_only()
        .columns([enrollment::Column::Id, enrollment::Column::PaymentKey])
        .filter(enrollment::Column::Status.eq(EnrollmentStatus::Completed.as_str()))
        .filter(enrollment::Column::PaymentKey.is_not_null())
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let charges: Vec<(i64, String, String)> = payment_charge::Entity::find()
        .select_only()
        .columns([
            payment_charge::Column::EnrollmentId,
            payment_charge::Column::PaymentKey,
            payment_charge::Column::State,
        ])
        .filter(payment_charge::Column::CourseId.eq(course_id))
        .into_tuple()
        .all(conn)
        .await?;
    let refunds_due = charges.iter().filter(|(_, _, state)| state == REFUND_DUE).count();
    let charges_unaccounted =
        charges.iter().filter(|(id, key, state)| state == PAYMENT && !paid.contains(&(*id, key.clone()))).count();
    let n = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    let m = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    Ok(Some(InvariantReport {
        course_id,
        capacity: u32::try_from(c.capacity).unwrap_or(0),
        seats_taken: u32::try_from(c.seats_taken).unwrap_or(0),
        pending: count(EnrollmentStatus::PendingPayment),
        completed: count(EnrollmentStatus::Completed),
        released: count(EnrollmentStatus::Expired)
            + count(EnrollmentStatus::Cancelled)
            + count(EnrollmentStatus::Refunded),
        overdue: n(overdue),
        duplicate_users,
        completed_unpaid: n(completed_unpaid),
        released_still_live: n(released_still_live),
        charges: m(charges.len()),
        refunds_due: m(refunds_due),
        charges_unaccounted: m(charges_unaccounted),
        violations: Vec::new(),
    }))
}

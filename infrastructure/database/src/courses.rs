//! Courses and the seat ledger. Every enrollment transition is one transaction that is
//! conditional on the state it leaves (so racing callers cannot both make it), changes the
//! course's seat counter with it, and records its event in the outbox.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    paging::{Direction, PageRequest, Slice},
};
use cercat_course::{
    Course, CourseDraft, CourseSearch, Enrollment, EnrollmentStatus, HoldOutcome, InvariantReport, SearchField, events,
    ports::{CourseChange, CourseRepository, DueRefund, NewHold, SeatLedger},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    SqlErr,
    sea_query::{Expr, ExprTrait, LikeExpr, Query},
};
use std::collections::HashMap;

use crate::{
    db::Db,
    entity::{course, enrollment, payment_charge, user},
    outbox::append_events,
    posts::escape_like,
};

/// Courses on the database.
#[derive(Clone, Debug)]
pub struct SqlCourseRepository {
    db: Db,
}

impl SqlCourseRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    async fn hydrate(&self, rows: Vec<course::Model>) -> Result<Vec<Course>, PortError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.instructor_id).collect();
        let names: HashMap<i64, String> = if ids.is_empty() {
            HashMap::new()
        } else {
            self.db
                .run(
                    user::Entity::find()
                        .select_only()
                        .columns([user::Column::Id, user::Column::Nickname])
                        .filter(user::Column::Id.is_in(ids))
                        .into_tuple::<(i64, String)>()
                        .all(self.db.conn()),
                )
                .await?
                .into_iter()
                .collect()
        };
        Ok(rows
            .into_iter()
            .map(|r| {
                let nickname = names.get(&r.instructor_id).cloned().unwrap_or_default();
                to_course(r, nickname)
            })
            .collect())
    }
}

fn to_course(r: course::Model, instructor_nickname: String) -> Course {
    Course {
        id: r.id,
        instructor_id: r.instructor_id,
        instructor_nickname,
        draft: CourseDraft {
            title: r.title,
            description: r.description,
            certificate_id: r.certificate_id,
            capacity: u32::try_from(r.capacity).unwrap_or(0),
            price: r.price,
            opens_at: r.opens_at,
            closes_at: r.closes_at,
            waiting_room: r.waiting_room,
            admission_rate: r.admission_rate.and_then(|v| u32::try_from(v).ok()),
        },
        seats_taken: u32::try_from(r.seats_taken).unwrap_or(0),
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

fn int(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

#[async_trait]
impl CourseRepository for SqlCourseRepository {
    async fn create(&self, instructor_id: i64, d: &CourseDraft, at: DateTime<Utc>) -> Result<i64, PortError> {
        let row = course::ActiveModel {
            instructor_id: Set(instructor_id),
            certificate_id: Set(d.certificate_id),
            title: Set(d.title.clone()),
            description: Set(d.description.clone()),
            capacity: Set(int(d.capacity)),
            price: Set(d.price),
            opens_at: Set(d.opens_at),
            closes_at: Set(d.closes_at),
            waiting_room: Set(d.waiting_room),
            admission_rate: Set(d.admission_rate.map(int)),
            seats_taken: Set(0),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        };
        Ok(self.db.write(|| course::Entity::insert(row.clone()).exec(self.db.conn())).await?.last_insert_id)
    }

    async fn update(&self, id: i64, d: &CourseDraft, at: DateTime<Utc>) -> Result<CourseChange, PortError> {
        let capacity = int(d.capacity);
        let done = self
            .db
            .write(|| {
                course::Entity::update_many()
                    .col_expr(course::Column::CertificateId, Expr::value(d.certificate_id))
                    .col_expr(course::Column::Title, Expr::value(d.title.clone()))
                    .col_expr(course::Column::Description, Expr::value(d.description.clone()))
                    .col_expr(course::Column::Capacity, Expr::value(capacity))
                    .col_expr(course::Column::Price, Expr::value(d.price))
                    .col_expr(course::Column::OpensAt, Expr::value(d.opens_at))
                    .col_expr(course::Column::ClosesAt, Expr::value(d.closes_at))
                    .col_expr(course::Column::WaitingRoom, Expr::value(d.waiting_room))
                    .col_expr(course::Column::AdmissionRate, Expr::value(d.admission_rate.map(int)))
                    .col_expr(course::Column::UpdatedAt, Expr::value(at))
                    .filter(course::Column::Id.eq(id))
                    // Checked in the same statement as the change: a hold racing this update
                    // either lands first (and the update is refused) or sees the new capacity.
                    .filter(course::Column::SeatsTaken.lte(capacity))
                    .exec(self.db.conn())
            })
            .await?;
        if done.rows_affected == 1 {
            return Ok(CourseChange::Done);
        }
        let exists = self.db.run(course::Entity::find_by_id(id).count(self.db.conn())).await? > 0;
        Ok(if exists { CourseChange::Refused } else { CourseChange::Missing })
    }

    async fn delete(&self, id: i64) -> Result<CourseChange, PortError> {
        match self.db.write(|| course::Entity::delete_by_id(id).exec(self.db.conn())).await {
            Ok(r) if r.rows_affected == 1 => Ok(CourseChange::Done),
            Ok(_) => Ok(CourseChange::Missing),
            Err(PortError::InUse(_)) => Ok(CourseChange::Refused),
            Err(e) => Err(e),
        }
    }

    async fn find(&self, id: i64) -> Result<Option<Course>, PortError> {
        let Some(row) = self.db.run(course::Entity::find_by_id(id).one(self.db.conn())).await? else {
            return Ok(None);
        };
        Ok(self.hydrate(vec![row]).await?.pop())
    }

    async fn search(&self, search: &CourseSearch, page: &PageRequest) -> Result<Slice<Course>, PortError> {
        let mut query = course::Entity::find();
        if let Some(cert) = search.certificate_id {
            query = query.filter(course::Column::CertificateId.eq(cert));
        }
        if let Some(keyword) = search.keyword.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            let like = || LikeExpr::new(escape_like(keyword)).escape('\\');
            query = match search.field {
                SearchField::Title => query.filter(Expr::col(course::Column::Title).like(like())),
                SearchField::Content => query.filter(Expr::col(course::Column::Description).like(like())),
                SearchField::TitleOrContent => query.filter(
                    Condition::any()
                        .add(Expr::col(course::Column::Title).like(like()))
                        .add(Expr::col(course::Column::Description).like(like())),
                ),
                SearchField::Instructor => query.filter(
                    course::Column::InstructorId.in_subquery(
                        Query::select()
                            .column(user::Column::Id)
                            .from(user::Entity)
                            .and_where(Expr::col(user::Column::Nickname).like(like()))
                            .to_owned(),
                    ),
                ),
            };
        }
        for s in page.sort() {
            let column = match s.field.as_str() {
                "price" => course::Column::Price,
                "enrollmentOpensAt" => course::Column::OpensAt,
                "capacity" => course::Column::Capacity,
                "id" => course::Column::Id,
                _ => course::Column::CreatedAt,
            };
            query = query.order_by(column, if s.direction == Direction::Asc { Order::Asc } else { Order::Desc });
        }
        let rows = self
            .db
            .run(
                query
                    .order_by_desc(course::Column::Id)
                    .offset(page.offset())
                    .limit(page.fetch_limit())
                    .all(self.db.conn()),
            )
            .await?;
        Ok(Slice::from_fetched(self.hydrate(rows).await?, page))
    }

    async fn open_at(&self, now: DateTime<Utc>) -> Result<Vec<Course>, PortError> {
        let rows = self
            .db
            .run(
                course::Entity::find()
                    .filter(course::Column::OpensAt.lte(now))
                    .filter(course::Column::ClosesAt.gt(now))
                    .order_by_asc(course::Column::Id)
                    .limit(1000)
                    .all(self.db.conn()),
            )
            .await?;
        self.hydrate(rows).await
    }
}

/// Seats and enrollments on the database.
#[derive(Clone, Debug)]
pub struct SqlSeatLedger {
    db: Db,
}

impl SqlSeatLedger {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn to_enrollment(r: enrollment::Model) -> Result<Enrollment, PortError> {
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

fn corrupt(err: PortError) -> sea_orm::DbErr {
    sea_orm::DbErr::Custom(err.to_string())
}

async fn certificate_of<C: ConnectionTrait>(conn: &C, course_id: i64) -> Result<i64, sea_orm::DbErr> {
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
async fn move_seats<C: ConnectionTrait>(conn: &C, course_id: i64, delta: i32) -> Result<u64, sea_orm::DbErr> {
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
const PAYMENT: &str = "PAYMENT";
const REFUND_DUE: &str = "REFUND_DUE";
const REFUNDED: &str = "REFUNDED";

impl SqlSeatLedger {
    async fn live(&self, course_id: i64, user_id: i64) -> Result<Option<Enrollment>, PortError> {
        let row = self
            .db
            .run(
                enrollment::Entity::find()
                    .filter(enrollment::Column::CourseId.eq(course_id))
                    .filter(enrollment::Column::UserId.eq(user_id))
                    .filter(enrollment::Column::Live.eq(1))
                    .one(self.db.conn()),
            )
            .await?;
        row.map(to_enrollment).transpose()
    }
}

#[async_trait]
impl SeatLedger for SqlSeatLedger {
    async fn try_hold(&self, hold: &NewHold) -> Result<HoldOutcome, PortError> {
        // The common "already enrolled" retry answers without touching the seat counter.
        if let Some(existing) = self.live(hold.course_id, hold.user_id).await? {
            return Ok(HoldOutcome::AlreadyEnrolled(existing));
        }
        // Most of a surge arrives after the last seat went: a plain read tells them so without
        // taking the row (or SQLite's write) lock. It can only err towards "sold out" for the
        // instant a seat is being given back; the conditional update below is the guard.
        let seats: Option<(i32, i32)> = self
            .db
            .run(
                course::Entity::find_by_id(hold.course_id)
                    .select_only()
                    .columns([course::Column::SeatsTaken, course::Column::Capacity])
                    .into_tuple()
                    .one(self.db.conn()),
            )
            .await?;
        match seats {
            None => return Ok(HoldOutcome::NoCourse),
            Some((taken, capacity)) if taken >= capacity => return Ok(HoldOutcome::SoldOut),
            Some(_) => {}
        }
        let outcome = self
            .db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                if move_seats(&txn, hold.course_id, 1).await? == 0 {
                    let exists = course::Entity::find_by_id(hold.course_id).count(&txn).await? > 0;
                    return Ok(Some(if exists { HoldOutcome::SoldOut } else { HoldOutcome::NoCourse }));
                }
                if !hold.status.is_live() {
                    return Err(corrupt(PortError::Corrupt(format!("a hold cannot start {:?}", hold.status))));
                }
                let row = enrollment::ActiveModel {
                    course_id: Set(hold.course_id),
                    user_id: Set(hold.user_id),
                    status: Set(hold.status.as_str().to_owned()),
                    live: Set(Some(1)),
                    amount: Set(hold.amount),
                    order_id: Set(hold.order_id.clone()),
                    hold_deadline: Set(hold.deadline),
                    payment_key: Set(None),
                    refund_due: Set(false),
                    created_at: Set(hold.at),
                    updated_at: Set(hold.at),
                    ..Default::default()
                };
                let id = match enrollment::Entity::insert(row).exec(&txn).await {
                    Ok(r) => r.last_insert_id,
                    // A live enrollment of this user won the race: dropping the transaction
                    // gives the seat back.
                    Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                        return Ok(None);
                    }
                    Err(err) => return Err(err),
                };
                let held = enrollment::Entity::find_by_id(id)
                    .one(&txn)
                    .await?
                    .ok_or_else(|| sea_orm::DbErr::RecordNotFound(format!("enrollment {id}")))?;
                let held = to_enrollment(held).map_err(corrupt)?;
                let certificate = certificate_of(&txn, hold.course_id).await?;
                append_events(&txn, &[events::transition(&held, certificate, hold.at)], hold.at).await?;
                txn.commit().await?;
                Ok(Some(HoldOutcome::Held(held)))
            })
            .await?;
        match outcome {
            Some(outcome) => Ok(outcome),
            // The insert hit the live-enrollment key: read the winner now the transaction is gone.
            None => match self.live(hold.course_id, hold.user_id).await? {
                Some(existing) => Ok(HoldOutcome::AlreadyEnrolled(existing)),
                // Released in between: let the caller try again.
                None => Err(PortError::Duplicate(format!("enrollment of user {} changed meanwhile", hold.user_id))),
            },
        }
    }

    async fn find(&self, id: i64) -> Result<Option<Enrollment>, PortError> {
        self.db.run(enrollment::Entity::find_by_id(id).one(self.db.conn())).await?.map(to_enrollment).transpose()
    }

    async fn by_order(&self, order_id: &str) -> Result<Option<Enrollment>, PortError> {
        self.db
            .run(enrollment::Entity::find().filter(enrollment::Column::OrderId.eq(order_id)).one(self.db.conn()))
            .await?
            .map(to_enrollment)
            .transpose()
    }

    async fn for_user(&self, user_id: i64) -> Result<Vec<Enrollment>, PortError> {
        self.db
            .run(
                enrollment::Entity::find()
                    .filter(enrollment::Column::UserId.eq(user_id))
                    .order_by_desc(enrollment::Column::Id)
                    .limit(100)
                    .all(self.db.conn()),
            )
            .await?
            .into_iter()
            .map(to_enrollment)
            .collect()
    }

    async fn complete(
        &self,
        id: i64,
        payment_key: &str,
        amount: i64,
        at: DateTime<Utc>,
    ) -> Result<Option<Enrollment>, PortError> {
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                let moved = enrollment::Entity::update_many()
                    .col_expr(enrollment::Column::Status, Expr::value(EnrollmentStatus::Completed.as_str()))
                    .col_expr(enrollment::Column::PaymentKey, Expr::value(payment_key))
                    .col_expr(enrollment::Column::UpdatedAt, Expr::value(at))
                    .filter(enrollment::Column::Id.eq(id))
                    .filter(enrollment::Column::Status.eq(EnrollmentStatus::PendingPayment.as_str()))
                    .exec(&txn)
                    .await?;
                if moved.rows_affected == 0 {
                    return Ok(None);
                }
                let course_id = course_of(&txn, id).await?;
                record_charge(&txn, id, course_id, payment_key, amount, PAYMENT, at, at).await?;
                transitioned(txn, id, at).await
            })
            .await
    }

    async fn release(
        &self,
        id: i64,
        from: EnrollmentStatus,
        to: EnrollmentStatus,
        at: DateTime<Utc>,
    ) -> Result<Option<Enrollment>, PortError> {
        let seats = from.seats_change(to);
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                let moved = enrollment::Entity::update_many()
                    .col_expr(enrollment::Column::Status, Expr::value(to.as_str()))
                    .col_expr(enrollment::Column::Live, Expr::value(to.is_live().then_some(1i16)))
                    .col_expr(enrollment::Column::UpdatedAt, Expr::value(at))
                    .filter(enrollment::Column::Id.eq(id))
                    .filter(enrollment::Column::Status.eq(from.as_str()))
                    .exec(&txn)
                    .await?;
                if moved.rows_affected == 0 {
                    return Ok(None);
                }
                let course_id = course_of(&txn, id).await?;
                // The seat moves with the transition or neither commits: dropping the
                // transaction rolls the status change back.
                if seats != 0 && move_seats(&txn, course_id, seats).await? != 1 {
                    return Err(corrupt(PortError::Corrupt(format!(
                        "course {course_id}'s seat counter cannot move by {seats} for enrollment {id} ({from:?} → {to:?})"
                    ))));
                }
                if to == EnrollmentStatus::Refunded {
                    let key: Option<String> = enrollment::Entity::find_by_id(id)
                        .select_only()
                        .column(enrollment::Column::PaymentKey)
                        .into_tuple()
                        .one(&txn)
                        .await?
                        .flatten();
                    if let Some(key) = key {
                        payment_charge::Entity::update_many()
                            .col_expr(payment_charge::Column::State, Expr::value(REFUNDED))
                            .col_expr(payment_charge::Column::UpdatedAt, Expr::value(at))
                            .filter(payment_charge::Column::PaymentKey.eq(key))
                            .exec(&txn)
                            .await?;
                    }
                }
                transitioned(txn, id, at).await
            })
            .await
    }

    async fn refund_due(
        &self,
        id: i64,
        payment_key: &str,
        amount: i64,
        at: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        let course_id = self.db.run(course_of(self.db.conn(), id)).await?;
        let recorded = self
            .db
            .write(|| record_charge(self.db.conn(), id, course_id, payment_key, amount, REFUND_DUE, claimed_until, at))
            .await;
        match recorded {
            Ok(()) => Ok(true),
            // Already recorded (due, refunded, or some enrollment's payment): once per key.
            Err(PortError::Duplicate(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn refund_failed(&self, payment_key: &str, retry_at: DateTime<Utc>) -> Result<(), PortError> {
        self.db
            .write(|| {
                payment_charge::Entity::update_many()
                    .col_expr(payment_charge::Column::ClaimedUntil, Expr::value(retry_at))
                    .filter(payment_charge::Column::PaymentKey.eq(payment_key))
                    .filter(payment_charge::Column::State.eq(REFUND_DUE))
                    .exec(self.db.conn())
            })
            .await?;
        Ok(())
    }

    async fn refund_done(&self, payment_key: &str, at: DateTime<Utc>) -> Result<(), PortError> {
        self.db
            .write(|| {
                payment_charge::Entity::update_many()
                    .col_expr(payment_charge::Column::State, Expr::value(REFUNDED))
                    .col_expr(payment_charge::Column::UpdatedAt, Expr::value(at))
                    .filter(payment_charge::Column::PaymentKey.eq(payment_key))
                    .filter(payment_charge::Column::State.eq(REFUND_DUE))
                    .exec(self.db.conn())
            })
            .await?;
        Ok(())
    }

    async fn claim_refunds(
        &self,
        now: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueRefund>, PortError> {
        let candidates = self
            .db
            .run(
                payment_charge::Entity::find()
                    .filter(payment_charge::Column::State.eq(REFUND_DUE))
                    .filter(payment_charge::Column::ClaimedUntil.lt(now))
                    .order_by_asc(payment_charge::Column::Id)
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
                    payment_charge::Entity::update_many()
                        .col_expr(payment_charge::Column::ClaimedUntil, Expr::value(claimed_until))
                        .col_expr(payment_charge::Column::Attempts, Expr::col(payment_charge::Column::Attempts).add(1))
                        .col_expr(payment_charge::Column::UpdatedAt, Expr::value(now))
                        .filter(payment_charge::Column::Id.eq(c.id))
                        .filter(payment_charge::Column::State.eq(REFUND_DUE))
                        .filter(payment_charge::Column::ClaimedUntil.lt(now))
                        .exec(self.db.conn())
                })
                .await?;
            if took.rows_affected == 1 {
                claimed.push(DueRefund {
                    enrollment_id: c.enrollment_id,
                    payment_key: c.payment_key,
                    amount: c.amount,
                });
            }
        }
        Ok(claimed)
    }

    async fn overdue(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Enrollment>, PortError> {
        self.db
            .run(
                enrollment::Entity::find()
                    .filter(enrollment::Column::Status.eq(EnrollmentStatus::PendingPayment.as_str()))
                    .filter(enrollment::Column::HoldDeadline.lt(now))
                    .order_by_asc(enrollment::Column::HoldDeadline)
                    .limit(u64::from(limit))
                    .all(self.db.conn()),
            )
            .await?
            .into_iter()
            .map(to_enrollment)
            .collect()
    }

    async fn audit(&self, course_id: i64, now: DateTime<Utc>) -> Result<Option<InvariantReport>, PortError> {
        // One read-only snapshot for every count: read one by one, a release committing
        // between the counter and the enrollments made a sound course look one seat off.
        self.db
            .run(async move {
                let txn = self.db.begin_snapshot().await?;
                let report = audit_in(&txn, course_id, now).await?;
                txn.commit().await?;
                Ok(report)
            })
            .await
    }
}

async fn audit_in<C: ConnectionTrait>(
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

/// The course of enrollment `id` (0 if there is none).
async fn course_of<C: ConnectionTrait>(conn: &C, id: i64) -> Result<i64, sea_orm::DbErr> {
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
async fn record_charge<C: ConnectionTrait>(
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
async fn transitioned(
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
    append_events(&txn, &[events::transition(&e, certificate, at)], at).await?;
    txn.commit().await?;
    Ok(Some(e))
}

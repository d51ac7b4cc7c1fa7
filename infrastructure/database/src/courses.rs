//! Courses and the seat ledger. Every enrollment transition is one transaction that is
//! conditional on the state it leaves (so racing callers cannot both make it), changes the
//! course's seat counter with it, and records its event in the outbox.

mod audit;
mod ledger;
mod rows;

pub use ledger::SqlSeatLedger;

use async_trait::async_trait;
use cercat_common::{
    PortError,
    paging::{Direction, PageRequest, Slice},
};
use cercat_course::{
    Course, CourseDraft, CourseSearch, Enrollment, EnrollmentStatus, HoldOutcome, InvariantReport, SearchField,
    Transition, events,
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

use cercat_coupon::Checkout;

use crate::{
    coupons,
    db::Db,
    entity::{course, enrollment, payment_charge, user},
    outbox::append_event,
    posts::search::escape_like,
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

//! [`ExamScheduleRepository`] over `exam_schedules`, writing the change events the service hands
//! it to the outbox, completed with the id and outcome of the write.

use async_trait::async_trait;
use cercat_certificate::{
    ExamFees, ExamSchedule, ExamScheduleDraft, ExamTimeLimits, QnetSchedule, StageDates, UpsertOutcome,
    events::PendingScheduleChange, ports::ExamScheduleRepository,
};
use cercat_common::PortError;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};

use crate::{
    db::{Db, is_retryable},
    entity::exam_schedule::{self, Column},
    outbox::append_event,
};

/// Exam schedules.
#[derive(Clone, Debug)]
pub struct SqlExamScheduleRepository {
    db: Db,
}

impl SqlExamScheduleRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn to_domain(m: exam_schedule::Model) -> ExamSchedule {
    ExamSchedule {
        id: m.id,
        draft: ExamScheduleDraft {
            certificate_id: m.certificate_id,
            exam_year: m.exam_year,
            round: m.round,
            application_start: m.application_start_at,
            application_deadline: m.application_deadline_at,
            exam_date: m.exam_at,
            result_announcement: m.result_announced_at,
            fees: ExamFees { written: m.written_fee, practical: m.practical_fee },
            time_limits: ExamTimeLimits {
                written_minutes: m.written_time_limit_minutes,
                practical_minutes: m.practical_time_limit_minutes,
            },
            eligibility: m.eligibility,
            description: m.description,
            exam_format: m.exam_format,
        },
    }
}

fn apply(model: &mut exam_schedule::ActiveModel, d: &ExamScheduleDraft) {
    model.certificate_id = Set(d.certificate_id);
    model.exam_year = Set(d.exam_year);
    model.round = Set(d.round);
    model.application_start_at = Set(d.application_start);
    model.application_deadline_at = Set(d.application_deadline);
    model.exam_at = Set(d.exam_date);
    model.result_announced_at = Set(d.result_announcement);
    model.written_fee = Set(d.fees.written);
    model.practical_fee = Set(d.fees.practical);
    model.written_time_limit_minutes = Set(d.time_limits.written_minutes);
    model.practical_time_limit_minutes = Set(d.time_limits.practical_minutes);
    model.eligibility = Set(d.eligibility.clone());
    model.description = Set(d.description.clone());
    model.exam_format = Set(d.exam_format.clone());
}

/// Upserts a whole schedule on (certificate, year, round) inside `txn` and records its event
/// when it changed a row.
pub(crate) async fn upsert_in(
    txn: &DatabaseTransaction,
    d: &ExamScheduleDraft,
    event: &PendingScheduleChange,
    at: DateTime<Utc>,
) -> Result<UpsertOutcome, DbErr> {
    let existing = find_key(d.certificate_id, d.exam_year, d.round).one(txn).await?;
    let (id, outcome) = match existing {
        Some(row) if to_domain(row.clone()).draft == *d => return Ok(UpsertOutcome::Unchanged),
        Some(row) => {
            let id = row.id;
            let mut model = row.into_active_model();
            apply(&mut model, d);
            model.updated_at = Set(at);
            model.update(txn).await?;
            (id, UpsertOutcome::Updated)
        }
        None => {
            let mut model =
                exam_schedule::ActiveModel { created_at: Set(at), updated_at: Set(at), ..Default::default() };
            apply(&mut model, d);
            let id = exam_schedule::Entity::insert(model).exec(txn).await?.last_insert_id;
            (id, UpsertOutcome::Inserted)
        }
    };
    if let Some(event) = event.stored(id, outcome) {
        append_event(txn, &event, at).await?;
    }
    Ok(outcome)
}

fn find_key(certificate_id: i64, year: i32, round: i32) -> sea_orm::Select<exam_schedule::Entity> {
    exam_schedule::Entity::find()
        .filter(Column::CertificateId.eq(certificate_id))
        .filter(Column::ExamYear.eq(year))
        .filter(Column::Round.eq(round))
}

/// The columns a Q-Net schedule sets (the practical stage `None` clears them).
fn apply_qnet(model: &mut exam_schedule::ActiveModel, s: &QnetSchedule) {
    let p = s.practical;
    model.application_start_at = Set(s.written.application_start);
    model.application_deadline_at = Set(s.written.application_deadline);
    model.exam_at = Set(s.written.exam_start);
    model.exam_end_at = Set(Some(s.written.exam_end));
    model.result_announced_at = Set(s.written.result_announcement);
    model.description = Set(s.description.clone());
    model.practical_application_start_at = Set(p.map(|p| p.application_start));
    model.practical_application_deadline_at = Set(p.map(|p| p.application_deadline));
    model.practical_exam_start_at = Set(p.map(|p| p.exam_start));
    model.practical_exam_end_at = Set(p.map(|p| p.exam_end));
    model.practical_result_announced_at = Set(p.map(|p| p.result_announcement));
}

/// Whether `row` already holds what the Q-Net schedule sets.
fn holds_qnet(row: &exam_schedule::Model, s: &QnetSchedule) -> bool {
    let practical = match (
        row.practical_application_start_at,
        row.practical_application_deadline_at,
        row.practical_exam_start_at,
        row.practical_exam_end_at,
        row.practical_result_announced_at,
    ) {
        (Some(a), Some(b), Some(c), Some(d), Some(e)) => Some(StageDates {
            application_start: a,
            application_deadline: b,
            exam_start: c,
            exam_end: d,
            result_announcement: e,
        }),
        _ => None,
    };
    let written = StageDates {
        application_start: row.application_start_at,
        application_deadline: row.application_deadline_at,
        exam_start: row.exam_at,
        exam_end: row.exam_end_at.unwrap_or(row.exam_at),
        result_announcement: row.result_announced_at,
    };
    row.exam_end_at.is_some() && written == s.written && practical == s.practical && row.description == s.description
}

/// Upserts a Q-Net schedule on (certificate, year, round) inside `txn`, keeping the fields Q-Net
/// does not give, and records its event when it changed a row.
pub(crate) async fn upsert_qnet_in(
    txn: &DatabaseTransaction,
    s: &QnetSchedule,
    event: &PendingScheduleChange,
    at: DateTime<Utc>,
) -> Result<UpsertOutcome, DbErr> {
    let existing = find_key(s.certificate_id, s.exam_year, s.round).one(txn).await?;
    let (id, outcome) = match existing {
        Some(row) if holds_qnet(&row, s) => return Ok(UpsertOutcome::Unchanged),
        Some(row) => {
            let id = row.id;
            let mut model = row.into_active_model();
            apply_qnet(&mut model, s);
            model.updated_at = Set(at);
            model.update(txn).await?;
            (id, UpsertOutcome::Updated)
        }
        None => {
            let mut model = exam_schedule::ActiveModel {
                certificate_id: Set(s.certificate_id),
                exam_year: Set(s.exam_year),
                round: Set(s.round),
                created_at: Set(at),
                updated_at: Set(at),
                ..Default::default()
            };
            apply_qnet(&mut model, s);
            (exam_schedule::Entity::insert(model).exec(txn).await?.last_insert_id, UpsertOutcome::Inserted)
        }
    };
    if let Some(event) = event.stored(id, outcome) {
        append_event(txn, &event, at).await?;
    }
    Ok(outcome)
}

impl SqlExamScheduleRepository {
    /// Inserts (`id = None`) or replaces a schedule and records its event, in one transaction.
    async fn write(
        &self,
        id: Option<i64>,
        d: &ExamScheduleDraft,
        event: &PendingScheduleChange,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>, PortError> {
        // BEGIN IMMEDIATE on SQLite: this transaction reads before it writes, and a deferred one
        // fails at once with SQLITE_BUSY when another connection holds the write lock then (for
        // instance a failed insert whose rollback has not run yet).
        self.db
            .write_with_events(|| async {
                let txn = self.db.begin_write().await?;
                let (id, outcome) = match id {
                    None => {
                        let mut model = exam_schedule::ActiveModel {
                            created_at: Set(at),
                            updated_at: Set(at),
                            ..Default::default()
                        };
                        apply(&mut model, d);
                        (exam_schedule::Entity::insert(model).exec(&txn).await?.last_insert_id, UpsertOutcome::Inserted)
                    }
                    Some(id) => {
                        let Some(row) = exam_schedule::Entity::find_by_id(id).one(&txn).await? else { return Ok(None) };
                        let mut model = row.into_active_model();
                        apply(&mut model, d);
                        model.updated_at = Set(at);
                        model.update(&txn).await?;
                        (id, UpsertOutcome::Updated)
                    }
                };
                if let Some(event) = event.stored(id, outcome) {
                    append_event(&txn, &event, at).await?;
                }
                txn.commit().await?;
                Ok(Some(id))
            })
            .await
    }
}

#[async_trait]
impl ExamScheduleRepository for SqlExamScheduleRepository {
    async fn find(&self, id: i64) -> Result<Option<ExamSchedule>, PortError> {
        Ok(self.db.run(exam_schedule::Entity::find_by_id(id).one(self.db.conn())).await?.map(to_domain))
    }

    async fn list(&self, certificate_id: i64) -> Result<Vec<ExamSchedule>, PortError> {
        let rows = self
            .db
            .run(
                exam_schedule::Entity::find()
                    .filter(Column::CertificateId.eq(certificate_id))
                    .order_by_desc(Column::ExamAt)
                    .all(self.db.conn()),
            )
            .await?;
        Ok(rows.into_iter().map(to_domain).collect())
    }

    async fn insert(
        &self,
        draft: &ExamScheduleDraft,
        event: &PendingScheduleChange,
        at: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        self.write(None, draft, event, at).await?.ok_or_else(|| PortError::Corrupt("insert returned no id".into()))
    }

    async fn replace(
        &self,
        id: i64,
        draft: &ExamScheduleDraft,
        event: &PendingScheduleChange,
        at: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        Ok(self.write(Some(id), draft, event, at).await?.is_some())
    }

    async fn delete(&self, id: i64) -> Result<bool, PortError> {
        let res = self.db.run(exam_schedule::Entity::delete_by_id(id).exec(self.db.conn())).await?;
        Ok(res.rows_affected == 1)
    }

    async fn next_from(&self, certificate_id: i64, at: DateTime<Utc>) -> Result<Option<ExamSchedule>, PortError> {
        let row = self
            .db
            .run(
                exam_schedule::Entity::find()
                    .filter(Column::CertificateId.eq(certificate_id))
                    .filter(Column::ExamAt.gte(at))
                    .order_by_asc(Column::ExamAt)
                    .one(self.db.conn()),
            )
            .await?;
        Ok(row.map(to_domain))
    }

    async fn latest_before(&self, certificate_id: i64, at: DateTime<Utc>) -> Result<Option<ExamSchedule>, PortError> {
        let row = self
            .db
            .run(
                exam_schedule::Entity::find()
                    .filter(Column::CertificateId.eq(certificate_id))
                    .filter(Column::ExamAt.lt(at))
                    .order_by_desc(Column::ExamAt)
                    .one(self.db.conn()),
            )
            .await?;
        Ok(row.map(to_domain))
    }

    async fn upsert(
        &self,
        draft: &ExamScheduleDraft,
        event: &PendingScheduleChange,
        at: DateTime<Utc>,
    ) -> Result<UpsertOutcome, PortError> {
        // Two importers may insert the same key at once: the unique key lets one win, and the
        // loser's retry sees the row and updates (or finds it unchanged).
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .db
                .run_with_events(async {
                    // Reads before it writes: take the write lock up front (see `write`).
                    let txn = self.db.begin_write().await?;
                    let outcome = upsert_in(&txn, draft, event, at).await?;
                    txn.commit().await?;
                    Ok(outcome)
                })
                .await;
            match result {
                Err(err) if attempt < 5 && is_retryable(&err) => {
                    tokio::time::sleep(std::time::Duration::from_millis(10 * attempt)).await;
                }
                other => return other,
            }
        }
    }
}

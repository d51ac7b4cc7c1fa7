//! [`GoalRepository`] over `goals` + `study_times`.

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_learning::{Goal, GoalDraft, ports::GoalRepository};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr};

use crate::{
    db::Db,
    entity::{goal, study_time},
};

/// Goals and study-time logs.
#[derive(Clone, Debug)]
pub struct SqlGoalRepository {
    db: Db,
}

impl SqlGoalRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn days_to_text(days: &[i32]) -> String {
    days.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

fn days_from_text(text: &str) -> Vec<i32> {
    text.split(',').filter_map(|d| d.trim().parse().ok()).collect()
}

fn to_domain(m: goal::Model) -> Goal {
    Goal {
        id: m.id,
        user_id: m.user_id,
        certificate_id: m.certificate_id,
        draft: GoalDraft {
            goal_score: m.goal_score,
            prepare_start: m.prepare_start,
            prepare_finish: m.prepare_finish,
            goal_prepare_days: m.goal_prepare_days,
            mock_exams_per_day: m.mock_exams_per_day,
            goal_mock_exams: m.goal_mock_exams,
            mock_exam_repeat_days: days_from_text(&m.mock_exam_repeat_days),
            study_time_per_day: m.study_time_per_day,
            goal_study_time: m.goal_study_time,
            study_repeat_days: days_from_text(&m.study_repeat_days),
        },
    }
}

#[async_trait]
impl GoalRepository for SqlGoalRepository {
    async fn create(
        &self,
        user_id: i64,
        certificate_id: i64,
        d: &GoalDraft,
        at: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        let row = goal::ActiveModel {
            user_id: Set(user_id),
            certificate_id: Set(certificate_id),
            goal_score: Set(d.goal_score),
            prepare_start: Set(d.prepare_start),
            prepare_finish: Set(d.prepare_finish),
            goal_prepare_days: Set(d.goal_prepare_days),
            mock_exams_per_day: Set(d.mock_exams_per_day),
            goal_mock_exams: Set(d.goal_mock_exams),
            mock_exam_repeat_days: Set(days_to_text(&d.mock_exam_repeat_days)),
            study_time_per_day: Set(d.study_time_per_day),
            goal_study_time: Set(d.goal_study_time),
            study_repeat_days: Set(days_to_text(&d.study_repeat_days)),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        };
        Ok(self.db.run(goal::Entity::insert(row).exec(self.db.conn())).await?.last_insert_id)
    }

    async fn update(&self, goal_id: i64, user_id: i64, d: &GoalDraft, at: DateTime<Utc>) -> Result<bool, PortError> {
        let res = self
            .db
            .run(
                goal::Entity::update_many()
                    .col_expr(goal::Column::GoalScore, Expr::value(d.goal_score))
                    .col_expr(goal::Column::PrepareStart, Expr::value(d.prepare_start))
                    .col_expr(goal::Column::PrepareFinish, Expr::value(d.prepare_finish))
                    .col_expr(goal::Column::GoalPrepareDays, Expr::value(d.goal_prepare_days))
                    .col_expr(goal::Column::MockExamsPerDay, Expr::value(d.mock_exams_per_day))
                    .col_expr(goal::Column::GoalMockExams, Expr::value(d.goal_mock_exams))
                    .col_expr(goal::Column::MockExamRepeatDays, Expr::value(days_to_text(&d.mock_exam_repeat_days)))
                    .col_expr(goal::Column::StudyTimePerDay, Expr::value(d.study_time_per_day))
                    .col_expr(goal::Column::GoalStudyTime, Expr::value(d.goal_study_time))
                    .col_expr(goal::Column::StudyRepeatDays, Expr::value(days_to_text(&d.study_repeat_days)))
                    .col_expr(goal::Column::UpdatedAt, Expr::value(at))
                    .filter(goal::Column::Id.eq(goal_id))
                    .filter(goal::Column::UserId.eq(user_id))
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(res.rows_affected > 0)
    }

    async fn find(&self, goal_id: i64) -> Result<Option<Goal>, PortError> {
        Ok(self.db.run(goal::Entity::find_by_id(goal_id).one(self.db.conn())).await?.map(to_domain))
    }

    async fn list(&self, user_id: i64, certificate_id: i64) -> Result<Vec<Goal>, PortError> {
        let rows = self
            .db
            .run(
                goal::Entity::find()
                    .filter(goal::Column::UserId.eq(user_id))
                    .filter(goal::Column::CertificateId.eq(certificate_id))
                    .order_by_asc(goal::Column::Id)
                    .all(self.db.conn()),
            )
            .await?;
        Ok(rows.into_iter().map(to_domain).collect())
    }

    async fn add_study_time(&self, goal: &Goal, ms: i64, at: DateTime<Utc>) -> Result<(), PortError> {
        let row = study_time::ActiveModel {
            goal_id: Set(goal.id),
            user_id: Set(goal.user_id),
            study_ms: Set(ms),
            created_at: Set(at),
            ..Default::default()
        };
        self.db.run(study_time::Entity::insert(row).exec_without_returning(self.db.conn())).await.map(|_| ())
    }

    async fn study_time(&self, goal_id: i64, period: Option<(DateTime<Utc>, DateTime<Utc>)>) -> Result<i64, PortError> {
        let mut query = study_time::Entity::find()
            .select_only()
            .column(study_time::Column::StudyMs)
            .filter(study_time::Column::GoalId.eq(goal_id));
        if let Some((from, to)) = period {
            query = query.filter(study_time::Column::CreatedAt.gte(from)).filter(study_time::Column::CreatedAt.lt(to));
        }
        let logs: Vec<i64> = self.db.run(query.into_tuple().all(self.db.conn())).await?;
        Ok(logs.iter().sum())
    }
}

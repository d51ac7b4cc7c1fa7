//! What the learning context needs from storage.

use async_trait::async_trait;
use cercat_common::PortError;
use chrono::{DateTime, Utc};

use crate::{Goal, GoalDraft};

/// Goals and their study-time logs.
#[async_trait]
pub trait GoalRepository: Send + Sync {
    /// Stores a new goal; returns its id.
    async fn create(
        &self,
        user_id: i64,
        certificate_id: i64,
        draft: &GoalDraft,
        at: DateTime<Utc>,
    ) -> Result<i64, PortError>;
    /// Replaces the fields of the user's goal; `false` if the user has no such goal.
    async fn update(&self, goal_id: i64, user_id: i64, draft: &GoalDraft, at: DateTime<Utc>)
    -> Result<bool, PortError>;
    /// One goal.
    async fn find(&self, goal_id: i64) -> Result<Option<Goal>, PortError>;
    /// The user's goals for a certificate, oldest first.
    async fn list(&self, user_id: i64, certificate_id: i64) -> Result<Vec<Goal>, PortError>;
    /// Appends a study-time log of `ms` to the goal.
    async fn add_study_time(&self, goal: &Goal, ms: i64, at: DateTime<Utc>) -> Result<(), PortError>;
    /// Study time logged for the goal in `[from, to)` (all time when `None`), ms.
    async fn study_time(&self, goal_id: i64, period: Option<(DateTime<Utc>, DateTime<Utc>)>) -> Result<i64, PortError>;
}

/// The user's mock-exam activity, as the dashboard needs it.
#[async_trait]
pub trait ExamActivity: Send + Sync {
    /// (number of results, best total score) of the user's results of a certificate in
    /// `[from, to)`.
    async fn count_and_best(
        &self,
        user_id: i64,
        certificate_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<(u32, Option<i32>), PortError>;
}

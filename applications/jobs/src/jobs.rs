//! The registry of jobs.

pub mod course_holds_sweep;
pub mod exam_alarms;
pub mod exam_schedule_import;
pub mod mail_retry;
pub mod market_sweep;
pub mod outbox_relay;
pub mod recommendation_eval;
pub mod recommendation_rebuild;
pub mod trending;
pub mod withdrawn_user_purge;

use crate::Job;

/// Every job, in `list` order.
pub fn all() -> Vec<Box<dyn Job>> {
    vec![
        Box::new(exam_schedule_import::ExamScheduleImport),
        Box::new(outbox_relay::OutboxRelayJob),
        Box::new(mail_retry::MailRetry),
        Box::new(withdrawn_user_purge::WithdrawnUserPurge),
        Box::new(trending::TrendingDecay),
        Box::new(trending::TrendingSnapshot),
        Box::new(exam_alarms::ExamAlarms),
        Box::new(course_holds_sweep::CourseHoldsSweep),
        Box::new(market_sweep::MarketOrdersSweep),
        Box::new(market_sweep::MarketViewFlush),
        Box::new(recommendation_rebuild::RecommendationRebuild),
        Box::new(recommendation_eval::RecommendationEval),
    ]
}

/// The job called `name`.
pub fn find(name: &str) -> Option<Box<dyn Job>> {
    all().into_iter().find(|j| j.name() == name)
}

//! The `learning` context: goals per certificate (target score, preparation period, exams and
//! study time per day and in total, repeat weekdays), study-time logs from the stopwatch, and
//! the achievement dashboard that compares the two with the user's mock-exam activity.

pub mod error;
pub mod model;
pub mod ports;
pub mod service;

pub use error::LearningError;
pub use model::{Achievement, Goal, GoalDraft};
pub use service::LearningService;

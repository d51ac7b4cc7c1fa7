//! The `course` context (Course-Catch): paid prep courses with limited seats that open at a
//! fixed time to a rush of students.
//!
//! The path of a student: join the course's waiting room → the admitter lets people in, in
//! arrival order, at the course's rate, each with a short-lived admission token → hold a seat
//! (atomic in the database: PENDING_PAYMENT with a deadline, or SOLD_OUT) → pay through the
//! gateway (amount computed here) → COMPLETED. Holds not paid in time are swept back; a cancel
//! before payment releases the seat, after payment refunds first. Every transition writes an
//! event to the outbox in its transaction.

pub mod admission;
pub mod error;
pub mod events;
pub mod gate;
pub mod model;
pub mod ports;
pub mod service;

#[cfg(any(test, feature = "testkit"))]
#[allow(clippy::expect_used, clippy::unwrap_used)]
pub mod testkit;

pub use error::CourseError;
pub use model::{
    Course, CourseDraft, CourseSearch, Enrollment, EnrollmentStatus, HoldOutcome, InvariantReport, QueueStatus,
    SearchField, Transition,
};
pub use service::{CourseConfig, CoursePorts, CourseService};

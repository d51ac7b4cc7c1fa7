//! The relational adapters, sea-orm over MySQL/MariaDB or SQLite with one code path: every
//! repository port of the domain contexts (accounts and email codes, certificates and
//! schedules, interest certificates and favourite boards, mock exams and results, goals,
//! posts, comments, likes and their counters, reviews, alarms, courses and the seat ledger,
//! coupons, market products and orders), the outbox and the dead-letter queue, the mail queue,
//! idempotency keys, refresh tokens and revoked sessions, the sign-in history, job runs with
//! their checkpoints and skips, import chunks, daily call quotas, a SQL lease lock, migrations
//! and the demo seed. They store and fetch and answer with facts; the rules stay in the domain
//! crates. Writes that record events take the events from the service and append them in the
//! same transaction (`outbox::append_event`), then ring the relay's wake-up after the commit
//! (`Db::write_with_events`).

mod alarms;
mod audit;
mod boards;
mod certificates;
mod coupons;
mod courses;
mod db;
mod dead_letters;
mod entity;
mod first_come;
mod goals;
mod idempotency;
mod interests;
mod job_runs;
mod lease;
mod mail;
mod market;
mod migrate;
mod mockexams;
mod outbox;
mod posts;
mod quota;
mod recommendations;
mod refresh_tokens;
mod reviews;
mod revocations;
mod schedule_import;
mod schedules;
pub mod seed;
mod sign_ins;
mod users;

pub use alarms::SqlAlarmRepository;
pub use audit::SqlAuditLog;
pub use boards::SqlFavoriteBoardRepository;
pub use cercat_migration::{Migrator, MigratorTrait};
pub use certificates::SqlCertificateRepository;
pub use coupons::SqlCouponRepository;
pub use courses::{SqlCourseRepository, SqlSeatLedger};
pub use db::{Db, DbOptions};
pub use dead_letters::SqlDeadLetterQueue;
pub use first_come::SqlFirstComeRepository;
pub use goals::SqlGoalRepository;
pub use idempotency::SqlIdempotencyStore;
pub use interests::SqlInterestRepository;
pub use job_runs::SqlJobRunRepository;
pub use lease::SqlLeaseLock;
pub use mail::{SqlMailQueue, enqueue as enqueue_mail};
pub use market::{SqlOrderLedger, SqlProductRepository};
pub use mockexams::{SqlMockExamRepository, SqlResultRepository};
pub use outbox::{SqlOutboxStore, append_events};
pub use posts::SqlPostRepository;
pub use quota::SqlCallQuota;
pub use recommendations::{SqlModelStore, SqlPreferenceStore, SqlRecommendationSource};
pub use refresh_tokens::SqlRefreshStore;
pub use reviews::SqlReviewRepository;
pub use revocations::SqlSessionRevocations;
pub use schedule_import::SqlScheduleImportStore;
pub use schedules::SqlExamScheduleRepository;
pub use sign_ins::SqlSignInLog;
pub use users::{SqlUserRepository, count_users};

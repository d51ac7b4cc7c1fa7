//! Schema migrations for MySQL/MariaDB and SQLite, one migration per file.
//!
//! Timestamps are UTC: `DATETIME(6)` on MySQL (microseconds, no 2038 limit), RFC 3339 text
//! on SQLite. Lease expiry is epoch milliseconds so it compares atomically in SQL everywhere.

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261122_000001_create_certificates;
mod m20261122_000002_create_exam_schedules;
mod m20261122_000003_create_outbox_events;
mod m20261122_000004_create_job_runs;
mod m20261122_000005_create_leases;
mod m20261122_000006_create_users;
mod m20261122_000007_create_interest_certificates;
mod m20261122_000008_create_favorite_boards;
mod m20261122_000009_create_mock_exams;
mod m20261122_000010_create_mock_exam_results;
mod m20261122_000011_create_goals;
mod m20261122_000012_create_posts;
mod m20261122_000013_create_exam_reviews;
mod m20261122_000014_create_alarms;
mod m20261122_000015_create_dead_letters;
mod m20261122_000016_create_courses;
mod m20261122_000017_create_enrollments;
mod m20261122_000018_create_idempotency_keys;
mod m20261201_000101_create_revoked_sessions;
mod m20261210_000001_create_payment_charges;
mod m20261210_000002_unique_enrollment_payment_key;
mod m20261211_000001_alarm_dedupe_key;
mod m20261211_000002_mail_undeliverable;
mod m20261212_000001_create_coupons;
mod m20261212_000002_create_coupon_events;
mod m20261212_000003_create_products;
mod m20261212_000004_create_market_orders;
mod m20261213_000001_user_suspension_and_audit;
mod m20261213_000002_alarm_feed_index;
mod m20261214_000001_create_refresh_tokens;
mod m20261214_000002_create_sign_ins;
mod m20261215_000001_certificate_qnet_series;
mod m20261215_000002_job_run_checkpoints;
mod m20261216_000001_create_recommendations;
mod m20261216_000002_job_run_summary;

/// All migrations, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_certificates::Migration),
            Box::new(m20261122_000002_create_exam_schedules::Migration),
            Box::new(m20261122_000003_create_outbox_events::Migration),
            Box::new(m20261122_000004_create_job_runs::Migration),
            Box::new(m20261122_000005_create_leases::Migration),
            Box::new(m20261122_000006_create_users::Migration),
            Box::new(m20261122_000007_create_interest_certificates::Migration),
            Box::new(m20261122_000008_create_favorite_boards::Migration),
            Box::new(m20261122_000009_create_mock_exams::Migration),
            Box::new(m20261122_000010_create_mock_exam_results::Migration),
            Box::new(m20261122_000011_create_goals::Migration),
            Box::new(m20261122_000012_create_posts::Migration),
            Box::new(m20261122_000013_create_exam_reviews::Migration),
            Box::new(m20261122_000014_create_alarms::Migration),
            Box::new(m20261122_000015_create_dead_letters::Migration),
            Box::new(m20261122_000016_create_courses::Migration),
            Box::new(m20261122_000017_create_enrollments::Migration),
            Box::new(m20261122_000018_create_idempotency_keys::Migration),
            Box::new(m20261201_000101_create_revoked_sessions::Migration),
            Box::new(m20261210_000001_create_payment_charges::Migration),
            Box::new(m20261210_000002_unique_enrollment_payment_key::Migration),
            Box::new(m20261211_000001_alarm_dedupe_key::Migration),
            Box::new(m20261211_000002_mail_undeliverable::Migration),
            Box::new(m20261212_000001_create_coupons::Migration),
            Box::new(m20261212_000002_create_coupon_events::Migration),
            Box::new(m20261212_000003_create_products::Migration),
            Box::new(m20261212_000004_create_market_orders::Migration),
            Box::new(m20261213_000001_user_suspension_and_audit::Migration),
            Box::new(m20261213_000002_alarm_feed_index::Migration),
            Box::new(m20261214_000001_create_refresh_tokens::Migration),
            Box::new(m20261214_000002_create_sign_ins::Migration),
            Box::new(m20261215_000001_certificate_qnet_series::Migration),
            Box::new(m20261215_000002_job_run_checkpoints::Migration),
            Box::new(m20261216_000001_create_recommendations::Migration),
            Box::new(m20261216_000002_job_run_summary::Migration),
        ]
    }
}

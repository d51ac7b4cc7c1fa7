//! A payment key pays one enrollment: unique `enrollments.payment_key` (NULLs never collide).
//! Existing rows sharing a key (left by the bug this closes) make the migration stop with the
//! enrollments to sort out by hand — which of them really paid is a question for the gateway.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Enrollments {
    Table,
    PaymentKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let shared = conn
            .query_all_raw(Statement::from_string(
                manager.get_database_backend(),
                "SELECT payment_key FROM enrollments WHERE payment_key IS NOT NULL \
                 GROUP BY payment_key HAVING COUNT(*) > 1",
            ))
            .await?;
        if !shared.is_empty() {
            let keys: Vec<String> =
                shared.iter().filter_map(|row| row.try_get_by_index::<String>(0).ok()).take(20).collect();
            return Err(DbErr::Migration(format!(
                "{} payment keys pay more than one enrollment (first ones: {keys:?}); check each with the \
                 gateway (GET /v1/payments/{{key}}), clear payment_key on the enrollments it does not belong to \
                 (refunding them), then migrate again",
                shared.len()
            )));
        }
        manager
            .create_index(
                Index::create()
                    .name("ux_enrollment_payment_key")
                    .table(Enrollments::Table)
                    .col(Enrollments::PaymentKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ux_enrollment_payment_key").table(Enrollments::Table).to_owned()).await
    }
}

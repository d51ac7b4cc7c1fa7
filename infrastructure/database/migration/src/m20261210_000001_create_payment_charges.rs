//! Payment charges: every charge the gateway captured for an enrollment, so money is
//! accounted for one key at a time. `state` is `PAYMENT` (the enrollment's payment),
//! `REFUND_DUE` (paid after the seat went back, or a second payment: to be cancelled at the
//! gateway; `claimed_until` keeps two sweeps from cancelling it at once) or `REFUNDED`.
//! The payment key is unique: a charge is recorded, and refunded, once. The old
//! `enrollments.refund_due` flag is carried over and no longer written.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PaymentCharges {
    Table,
    Id,
    EnrollmentId,
    CourseId,
    PaymentKey,
    Amount,
    State,
    ClaimedUntil,
    Attempts,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Enrollments {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, PaymentCharges::Table)
                    .col(id(PaymentCharges::Id))
                    .col(ColumnDef::new(PaymentCharges::EnrollmentId).big_integer().not_null())
                    .col(ColumnDef::new(PaymentCharges::CourseId).big_integer().not_null())
                    .col(ColumnDef::new(PaymentCharges::PaymentKey).string_len(200).not_null())
                    .col(ColumnDef::new(PaymentCharges::Amount).big_integer().not_null())
                    .col(ColumnDef::new(PaymentCharges::State).string_len(20).not_null())
                    .col(timestamp(manager, PaymentCharges::ClaimedUntil).not_null())
                    .col(ColumnDef::new(PaymentCharges::Attempts).integer().not_null().default(0))
                    .col(timestamp(manager, PaymentCharges::CreatedAt).not_null())
                    .col(timestamp(manager, PaymentCharges::UpdatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_charge_enrollment")
                            .from(PaymentCharges::Table, PaymentCharges::EnrollmentId)
                            .to(Enrollments::Table, Enrollments::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_charge_payment_key")
                    .table(PaymentCharges::Table)
                    .col(PaymentCharges::PaymentKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_charge_state")
                    .table(PaymentCharges::Table)
                    .col(PaymentCharges::State)
                    .col(PaymentCharges::ClaimedUntil)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_charge_course")
                    .table(PaymentCharges::Table)
                    .col(PaymentCharges::CourseId)
                    .to_owned(),
            )
            .await?;
        // Charges known before this table: payments of completed enrollments, refunds still
        // due, and the rest (refunded after payment, or late payments already refunded).
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO payment_charges \
                 (enrollment_id, course_id, payment_key, amount, state, claimed_until, attempts, created_at, updated_at) \
                 SELECT id, course_id, payment_key, amount, \
                 CASE WHEN refund_due THEN 'REFUND_DUE' WHEN status = 'COMPLETED' THEN 'PAYMENT' ELSE 'REFUNDED' END, \
                 updated_at, 0, updated_at, updated_at \
                 FROM enrollments WHERE payment_key IS NOT NULL AND id IN \
                 (SELECT MIN(id) FROM enrollments WHERE payment_key IS NOT NULL GROUP BY payment_key)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PaymentCharges::Table).to_owned()).await
    }
}

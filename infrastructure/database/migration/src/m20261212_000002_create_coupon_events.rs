//! First-come coupon events: `quantity` copies of a coupon claimed in a window. `issued` rises
//! only by `UPDATE … SET issued = issued + 1 WHERE issued < quantity` in the claim's transaction;
//! the copy itself is a `user_coupons` row with source `event:<id>`, unique per user.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CouponEvents {
    Table,
    Id,
    CouponId,
    Quantity,
    Issued,
    OpensAt,
    ClosesAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Coupons {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, CouponEvents::Table)
                    .col(id(CouponEvents::Id))
                    .col(ColumnDef::new(CouponEvents::CouponId).big_integer().not_null())
                    .col(ColumnDef::new(CouponEvents::Quantity).integer().not_null())
                    .col(ColumnDef::new(CouponEvents::Issued).integer().not_null().default(0))
                    .col(timestamp(manager, CouponEvents::OpensAt).not_null())
                    .col(timestamp(manager, CouponEvents::ClosesAt).not_null())
                    .col(timestamp(manager, CouponEvents::CreatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_coupon_event_coupon")
                            .from(CouponEvents::Table, CouponEvents::CouponId)
                            .to(Coupons::Table, Coupons::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CouponEvents::Table).to_owned()).await
    }
}

//! Coupons: `coupons` (the definitions: FIXED with `amount`, or PERCENT with `percent` and an
//! optional `max_discount`), `user_coupons` (the copies users hold; one per user, coupon and
//! source — `grant`, `voucher:<id>` or `event:<id>` — by a unique key, so a racing grant,
//! redemption or claim cannot give two), and `vouchers` (codes, unique, with a redemption
//! counter that rises only below its limit).

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Coupons {
    Table,
    Id,
    Name,
    Kind,
    Amount,
    Percent,
    MaxDiscount,
    Exclusive,
    MinOrderAmount,
    ValidFrom,
    ValidUntil,
    Scope,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UserCoupons {
    Table,
    Id,
    UserId,
    CouponId,
    Source,
    State,
    Owner,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Vouchers {
    Table,
    Id,
    CouponId,
    Code,
    Kind,
    MaxRedemptions,
    Redemptions,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, Coupons::Table)
                    .col(id(Coupons::Id))
                    .col(ColumnDef::new(Coupons::Name).string_len(100).not_null())
                    .col(ColumnDef::new(Coupons::Kind).string_len(10).not_null())
                    .col(ColumnDef::new(Coupons::Amount).big_integer().null())
                    .col(ColumnDef::new(Coupons::Percent).integer().null())
                    .col(ColumnDef::new(Coupons::MaxDiscount).big_integer().null())
                    .col(ColumnDef::new(Coupons::Exclusive).boolean().not_null().default(false))
                    .col(ColumnDef::new(Coupons::MinOrderAmount).big_integer().not_null().default(0))
                    .col(timestamp(manager, Coupons::ValidFrom).not_null())
                    .col(timestamp(manager, Coupons::ValidUntil).not_null())
                    .col(ColumnDef::new(Coupons::Scope).string_len(10).not_null())
                    .col(timestamp(manager, Coupons::CreatedAt).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                create(manager, UserCoupons::Table)
                    .col(id(UserCoupons::Id))
                    .col(ColumnDef::new(UserCoupons::UserId).big_integer().not_null())
                    .col(ColumnDef::new(UserCoupons::CouponId).big_integer().not_null())
                    .col(ColumnDef::new(UserCoupons::Source).string_len(40).not_null())
                    .col(ColumnDef::new(UserCoupons::State).string_len(10).not_null())
                    .col(ColumnDef::new(UserCoupons::Owner).string_len(60).null())
                    .col(timestamp(manager, UserCoupons::UsedAt).null())
                    .col(timestamp(manager, UserCoupons::CreatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_coupon_user")
                            .from(UserCoupons::Table, UserCoupons::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_coupon_coupon")
                            .from(UserCoupons::Table, UserCoupons::CouponId)
                            .to(Coupons::Table, Coupons::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_user_coupon_source")
                    .table(UserCoupons::Table)
                    .col(UserCoupons::UserId)
                    .col(UserCoupons::CouponId)
                    .col(UserCoupons::Source)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_user_coupon_owner")
                    .table(UserCoupons::Table)
                    .col(UserCoupons::Owner)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                create(manager, Vouchers::Table)
                    .col(id(Vouchers::Id))
                    .col(ColumnDef::new(Vouchers::CouponId).big_integer().not_null())
                    .col(ColumnDef::new(Vouchers::Code).string_len(32).not_null())
                    .col(ColumnDef::new(Vouchers::Kind).string_len(10).not_null())
                    .col(ColumnDef::new(Vouchers::MaxRedemptions).integer().not_null())
                    .col(ColumnDef::new(Vouchers::Redemptions).integer().not_null().default(0))
                    .col(timestamp(manager, Vouchers::CreatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_voucher_coupon")
                            .from(Vouchers::Table, Vouchers::CouponId)
                            .to(Coupons::Table, Coupons::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ux_voucher_code").table(Vouchers::Table).col(Vouchers::Code).unique().to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Vouchers::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(UserCoupons::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Coupons::Table).to_owned()).await
    }
}

//! The market's orders: `market_orders` (the product's title, board and price copied in when
//! ordered; `coupon_ids` a JSON list of the buyer's user-coupon ids; `gateway_order_id` unique
//! and never reused; `payment_key` unique, so one payment pays one order — NULLs never
//! collide), `market_order_history` (append-only: every status an order entered) and
//! `market_charges` (every charge the gateway captured for an order, like `payment_charges`
//! for courses: `PAYMENT`, `REFUND_DUE` — claimed by one sweep at a time through
//! `claimed_until` — or `REFUNDED`; the payment key is unique, so a charge is recorded, and
//! refunded, once). Buyers and sellers have no foreign key: purging an account keeps the
//! money's trail.

use sea_orm_migration::prelude::*;

use crate::columns::{create, id, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MarketOrders {
    Table,
    Id,
    ProductId,
    BuyerId,
    SellerId,
    ProductTitle,
    CertificateId,
    Price,
    Discount,
    Amount,
    CouponIds,
    Status,
    GatewayOrderId,
    PayBy,
    PaymentKey,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MarketOrderHistory {
    Table,
    Id,
    OrderId,
    FromStatus,
    ToStatus,
    At,
}

#[derive(DeriveIden)]
enum MarketCharges {
    Table,
    Id,
    OrderId,
    PaymentKey,
    Amount,
    State,
    ClaimedUntil,
    Attempts,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
}

fn index(name: &str, table: impl IntoIden, cols: &[&str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for c in cols {
        stmt.col(Alias::new(*c));
    }
    stmt.to_owned()
}

fn to_order(name: &str, from: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from, column)
        .to(MarketOrders::Table, MarketOrders::Id)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                create(manager, MarketOrders::Table)
                    .col(id(MarketOrders::Id))
                    .col(ColumnDef::new(MarketOrders::ProductId).big_integer().not_null())
                    .col(ColumnDef::new(MarketOrders::BuyerId).big_integer().not_null())
                    .col(ColumnDef::new(MarketOrders::SellerId).big_integer().not_null())
                    .col(ColumnDef::new(MarketOrders::ProductTitle).string_len(100).not_null())
                    .col(ColumnDef::new(MarketOrders::CertificateId).big_integer().not_null())
                    .col(ColumnDef::new(MarketOrders::Price).big_integer().not_null())
                    .col(ColumnDef::new(MarketOrders::Discount).big_integer().not_null())
                    .col(ColumnDef::new(MarketOrders::Amount).big_integer().not_null())
                    .col(ColumnDef::new(MarketOrders::CouponIds).text().not_null())
                    .col(ColumnDef::new(MarketOrders::Status).string_len(20).not_null())
                    .col(ColumnDef::new(MarketOrders::GatewayOrderId).string_len(100).not_null())
                    .col(timestamp(manager, MarketOrders::PayBy).not_null())
                    .col(ColumnDef::new(MarketOrders::PaymentKey).string_len(200).null())
                    .col(timestamp(manager, MarketOrders::CreatedAt).not_null())
                    .col(timestamp(manager, MarketOrders::UpdatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_market_order_product")
                            .from(MarketOrders::Table, MarketOrders::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [("ux_market_order_gateway", "gateway_order_id"), ("ux_market_order_payment", "payment_key")]
        {
            manager.create_index(index(name, MarketOrders::Table, &[col]).unique().to_owned()).await?;
        }
        // Each side's keyset history, the overdue sweep, and a product's orders.
        manager
            .create_index(index("ix_market_order_buyer", MarketOrders::Table, &["buyer_id", "created_at", "id"]))
            .await?;
        manager
            .create_index(index("ix_market_order_seller", MarketOrders::Table, &["seller_id", "created_at", "id"]))
            .await?;
        manager.create_index(index("ix_market_order_due", MarketOrders::Table, &["status", "pay_by"])).await?;
        manager.create_index(index("ix_market_order_product", MarketOrders::Table, &["product_id"])).await?;
        manager
            .create_table(
                create(manager, MarketOrderHistory::Table)
                    .col(id(MarketOrderHistory::Id))
                    .col(ColumnDef::new(MarketOrderHistory::OrderId).big_integer().not_null())
                    .col(ColumnDef::new(MarketOrderHistory::FromStatus).string_len(20).null())
                    .col(ColumnDef::new(MarketOrderHistory::ToStatus).string_len(20).not_null())
                    .col(timestamp(manager, MarketOrderHistory::At).not_null())
                    .foreign_key(&mut to_order(
                        "fk_market_history_order",
                        MarketOrderHistory::Table,
                        MarketOrderHistory::OrderId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_market_history_order", MarketOrderHistory::Table, &["order_id", "id"])).await?;
        manager
            .create_table(
                create(manager, MarketCharges::Table)
                    .col(id(MarketCharges::Id))
                    .col(ColumnDef::new(MarketCharges::OrderId).big_integer().not_null())
                    .col(ColumnDef::new(MarketCharges::PaymentKey).string_len(200).not_null())
                    .col(ColumnDef::new(MarketCharges::Amount).big_integer().not_null())
                    .col(ColumnDef::new(MarketCharges::State).string_len(20).not_null())
                    .col(timestamp(manager, MarketCharges::ClaimedUntil).not_null())
                    .col(ColumnDef::new(MarketCharges::Attempts).integer().not_null().default(0))
                    .col(timestamp(manager, MarketCharges::CreatedAt).not_null())
                    .col(timestamp(manager, MarketCharges::UpdatedAt).not_null())
                    .foreign_key(&mut to_order("fk_market_charge_order", MarketCharges::Table, MarketCharges::OrderId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_market_charge_payment_key", MarketCharges::Table, &["payment_key"]).unique().to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_market_charge_state", MarketCharges::Table, &["state", "claimed_until"]))
            .await?;
        manager.create_index(index("ix_market_charge_order", MarketCharges::Table, &["order_id"])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["market_charges", "market_order_history", "market_orders"] {
            manager.drop_table(Table::drop().table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}

//! Column helpers that differ by backend.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// A UTC timestamp column: `DATETIME(6)` on MySQL, text on SQLite.
pub fn timestamp(manager: &SchemaManager, name: impl IntoIden) -> ColumnDef {
    let mut col = ColumnDef::new(name);
    match manager.get_database_backend() {
        DatabaseBackend::MySql => col.custom(Alias::new("DATETIME(6)")),
        _ => col.date_time(),
    };
    col
}

/// A 64-bit auto-increment primary key.
pub fn id(name: impl IntoIden) -> ColumnDef {
    let mut col = ColumnDef::new(name);
    col.big_integer().not_null().auto_increment().primary_key();
    col
}

/// A `CREATE TABLE` with InnoDB + utf8mb4 on MySQL (SQLite has no table options).
pub fn create(manager: &SchemaManager, table: impl IntoIden) -> TableCreateStatement {
    let mut stmt = Table::create();
    stmt.table(table);
    if manager.get_database_backend() == DatabaseBackend::MySql {
        stmt.engine("InnoDB").character_set("utf8mb4");
    }
    stmt
}
